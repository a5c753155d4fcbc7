//! Diff steps ([`Op`]) as SQL for one dialect: the body of an incremental migration.
//!
//! Each step becomes a block: a comment saying what it does, then its statements, so that a migration
//! file reads as the list of changes it makes.

mod postgres;
mod sqlite;

use super::ddl::Dialect;
use super::diff::Op;
use super::schema::{Column, Schema, Table};

/// The first line that tells sqlx (and charter's runtime) to run a migration outside a transaction of
/// its own: the SQLite table rebuild must switch foreign keys off, which only works outside one, so it
/// opens and commits its own.
pub const NO_TRANSACTION: &str = "-- no-transaction";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The migration manages its own transaction; the file must start with [`NO_TRANSACTION`].
    pub no_transaction: bool,
    /// Blocks of a comment line and statements, each statement ending with `;`.
    pub blocks: Vec<String>,
}

/// The SQL that applies `ops` (from `diff(old, new)`) in `dialect`.
pub fn render(ops: &[Op], new: &Schema, dialect: Dialect) -> Script {
    match dialect {
        Dialect::Sqlite => sqlite::render(ops, new),
        Dialect::Postgres => postgres::render(ops, new),
    }
}

/// A `--` comment line; names could hold line breaks, which would end the comment early.
fn comment(text: &str) -> String {
    format!("-- {}", text.replace(['\n', '\r'], " "))
}

fn block(what: &str, statements: impl IntoIterator<Item = String>) -> String {
    let mut s = comment(what);
    for stmt in statements {
        s.push('\n');
        s.push_str(&stmt);
    }
    s
}

/// The new schema's table, or an empty one of that name if a hand-edited snapshot lost it; rendering
/// never panics, and the database reports what is wrong.
fn table_or_empty<'a>(new: &'a Schema, name: &str, empty: &'a mut Option<Table>) -> &'a Table {
    match new.table(name) {
        Some(t) => t,
        None => empty.insert(Table {
            name: name.to_owned(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            renamed_from: None,
        }),
    }
}

/// The value NULLs of a column become when it turns NOT NULL: the backfill, else the default.
fn fill_value(to: &Column) -> Option<&super::schema::DefaultValue> {
    to.backfill.as_ref().or(to.default.as_ref())
}
