//! SQLite: `ALTER TABLE` renames tables and columns, adds plain columns and drops unconstrained ones;
//! every other change rebuilds the table, following <https://www.sqlite.org/lang_altertable.html#otheralter>:
//! create `<t>__new` with the new table's DDL (the generator of a fresh schema, so the result is what a
//! fresh database has), copy the rows, drop the old table, rename, recreate the indexes, check every
//! foreign key.
//!
//! With foreign keys on, `DROP TABLE` deletes the rows first, which fires `ON DELETE CASCADE` in the
//! tables that reference it: the rebuild would empty them. Foreign keys can only be switched off outside
//! a transaction, so such a migration starts with `-- no-transaction` (sqlx and charter's runtime then
//! do not wrap it) and brackets itself: `PRAGMA foreign_keys = OFF; BEGIN; ... COMMIT; PRAGMA
//! foreign_keys = ON;`. The runtime rolls back and switches foreign keys on again when a statement fails.

use std::collections::BTreeSet;

use super::{Script, block, fill_value, table_or_empty};
use crate::sql::ddl::{
    Dialect, column_def, create_index, create_table, create_unique_index, default_sql, quote_ident, quote_literal,
    sql_type, table_indexes,
};
use crate::sql::diff::Op;
use crate::sql::schema::{Column, ColumnType, DefaultValue, Schema, Table};

const LITE: Dialect = Dialect::Sqlite;

pub(super) fn render(ops: &[Op], new: &Schema) -> Script {
    let rebuilt: BTreeSet<&str> = ops.iter().filter(|op| needs_rebuild(op, new)).map(Op::table).collect();
    // Dropping a table with foreign keys on deletes its rows first, with the same cascades.
    let no_transaction = !rebuilt.is_empty() || ops.iter().any(|op| matches!(op, Op::DropTable { .. }));
    let mut blocks = Vec::new();
    if no_transaction {
        blocks.push(block(
            "foreign keys off while tables are rebuilt or dropped, so that no ON DELETE fires",
            ["PRAGMA foreign_keys = OFF;".to_owned(), "BEGIN IMMEDIATE;".to_owned()],
        ));
    }
    for op in ops {
        // A rebuilt table gets its new shape at once; only its rename stays a rename, so that the tables
        // referencing it follow.
        if rebuilt.contains(op.table()) && !matches!(op, Op::RenameTable { .. }) {
            continue;
        }
        blocks.push(block(&op.to_string(), statements(op, new)));
    }
    for t in new.tables.iter().filter(|t| rebuilt.contains(t.name.as_str())) {
        let steps: Vec<String> = ops
            .iter()
            .filter(|op| op.table() == t.name && !matches!(op, Op::RenameTable { .. }))
            .map(Op::to_string)
            .collect();
        blocks.push(block(&format!("rebuild `{}`: {}", t.name, steps.join("; ")), rebuild(t, ops)));
    }
    if no_transaction {
        blocks.push(block(
            "every foreign key must hold before the transaction commits",
            assert_none(
                "foreign keys violated (see PRAGMA foreign_key_check)",
                "SELECT count(*) FROM pragma_foreign_key_check",
            ),
        ));
        blocks.push(block("done", ["COMMIT;".to_owned(), "PRAGMA foreign_keys = ON;".to_owned()]));
    }
    Script { no_transaction, blocks }
}

/// Whether `op` is beyond SQLite's `ALTER TABLE` (or would leave DDL that differs from a fresh schema's).
fn needs_rebuild(op: &Op, new: &Schema) -> bool {
    let bool_in = |table: &str, column: Option<&str>| {
        new.table(table).is_some_and(|t| {
            t.columns.iter().any(|c| c.ty == ColumnType::Bool && column.is_none_or(|name| c.name == name))
        })
    };
    match op {
        // A bool column has a CHECK named after its table and column (see `ddl`), part of the table's DDL.
        Op::RenameTable { to, .. } => bool_in(to, None),
        Op::RenameColumn { table, to, .. } => bool_in(table, Some(to)),
        Op::AddColumn { column, .. } => !can_add(column),
        // SQLite keeps int and bigint, string and text alike: a change that leaves the column's DDL as it
        // was needs nothing.
        Op::AlterColumn { table, from, to } => {
            let mut empty = None;
            let t = table_or_empty(new, table, &mut empty);
            column_def(t, &Column { name: to.name.clone(), ..from.clone() }, LITE) != column_def(t, to, LITE)
        }
        Op::DropColumn { column, .. } => column.ty == ColumnType::Bool,
        Op::RenameIndex { .. } | Op::DropIndex { .. } | Op::AddIndex { .. } => false,
        // A case-insensitive unique is an index, outside the CREATE TABLE statement.
        Op::RenameUniqueIndex { .. } => false,
        Op::DropUnique { unique, .. } | Op::AddUnique { unique, .. } if unique.case_insensitive => false,
        Op::CreateTable { .. } | Op::DropTable { .. } => false,
        // Constraints live in the CREATE TABLE statement; SQLite cannot change them in place.
        Op::RenameConstraint { .. }
        | Op::DropForeignKey { .. }
        | Op::DropCheck { .. }
        | Op::DropUnique { .. }
        | Op::ChangePrimaryKey { .. }
        | Op::AlterCheck { .. }
        | Op::AddCheck { .. }
        | Op::AddUnique { .. }
        | Op::AlterForeignKey { .. }
        | Op::AddForeignKey { .. } => true,
    }
}

/// `ADD COLUMN` takes neither expression defaults (`now`) nor NOT NULL without a default, and a bool
/// column brings a CHECK.
fn can_add(c: &Column) -> bool {
    !c.auto_increment
        && c.ty != ColumnType::Bool
        && c.default != Some(DefaultValue::Now)
        && (c.nullable || c.default.is_some())
}

fn statements(op: &Op, new: &Schema) -> Vec<String> {
    let alter = |table: &str, action: String| format!("ALTER TABLE {} {action};", quote_ident(table));
    match op {
        Op::RenameTable { from, to } => vec![alter(from, format!("RENAME TO {}", quote_ident(to)))],
        Op::RenameColumn { table, from, to } => {
            vec![alter(table, format!("RENAME COLUMN {} TO {}", quote_ident(from), quote_ident(to)))]
        }
        Op::RenameIndex { table, from, to } => {
            vec![format!("DROP INDEX {};", quote_ident(from)), create_index(table, to)]
        }
        Op::RenameUniqueIndex { table, from, to } => {
            vec![format!("DROP INDEX {};", quote_ident(from)), create_unique_index(table, to, LITE)]
        }
        Op::DropUnique { unique, .. } => vec![format!("DROP INDEX {};", quote_ident(&unique.name))],
        Op::AddUnique { table, unique } => vec![create_unique_index(table, unique, LITE)],
        Op::DropIndex { index, .. } => vec![format!("DROP INDEX {};", quote_ident(&index.name))],
        Op::DropTable { table } => vec![format!("DROP TABLE {};", quote_ident(&table.name))],
        Op::CreateTable { table } => {
            let fks: Vec<_> = table.foreign_keys.iter().collect();
            let mut s = vec![create_table(table, &table.name, &fks, LITE)];
            s.extend(table_indexes(table, &table.name, LITE));
            s
        }
        Op::AddColumn { table, column } => {
            let mut empty = None;
            let t = table_or_empty(new, table, &mut empty);
            vec![alter(table, format!("ADD COLUMN {}", column_def(t, column, LITE)))]
        }
        Op::DropColumn { table, column } => vec![alter(table, format!("DROP COLUMN {}", quote_ident(&column.name)))],
        Op::AddIndex { table, index } => vec![create_index(table, index)],
        // Same DDL (see `needs_rebuild`): at most the values need checking.
        Op::AlterColumn { table, from, to } => match guard(table, to, &from.ty) {
            Some(g) => g,
            None => vec!["-- (the same column in SQLite: nothing to do)".to_owned()],
        },
        // Everything else rebuilds the table (`needs_rebuild`) and never gets here.
        _ => Vec::new(),
    }
}

/// The rebuild of `t` (already under its new name) into its new shape, rows kept.
fn rebuild(t: &Table, ops: &[Op]) -> Vec<String> {
    let name = quote_ident(&t.name);
    let tmp = format!("{}__new", t.name);
    let fks: Vec<_> = t.foreign_keys.iter().collect();
    let mut s = vec![create_table(t, &tmp, &fks, LITE)];

    let mut targets = Vec::new();
    let mut sources = Vec::new();
    let mut guards = Vec::new();
    for c in &t.columns {
        let on_c = |op: &&Op| op.table() == t.name;
        let added = ops.iter().filter(on_c).find_map(|op| match op {
            Op::AddColumn { column, .. } if column.name == c.name => Some(column),
            _ => None,
        });
        if let Some(a) = added {
            // Left out, a new column takes its default (or NULL); a backfill is written out.
            if let (Some(b), None) = (&a.backfill, &a.default) {
                targets.push(quote_ident(&c.name));
                sources.push(default_sql(b, &c.ty, LITE));
            }
            continue;
        }
        let source = ops
            .iter()
            .filter(on_c)
            .find_map(|op| match op {
                Op::RenameColumn { from, to, .. } if *to == c.name => Some(from.as_str()),
                _ => None,
            })
            .unwrap_or(&c.name);
        let mut expr = quote_ident(source);
        if let Some((from, to)) = ops.iter().filter(on_c).find_map(|op| match op {
            Op::AlterColumn { from, to, .. } if to.name == c.name => Some((from, to)),
            _ => None,
        }) {
            if from.ty != to.ty {
                expr = convert(&expr, &from.ty, &to.ty);
                guards.extend(guard(&t.name, c, &from.ty));
            }
            if from.nullable
                && !to.nullable
                && let Some(v) = fill_value(to)
            {
                expr = format!("COALESCE({expr}, {})", default_sql(v, &to.ty, LITE));
            }
        }
        targets.push(quote_ident(&c.name));
        sources.push(expr);
    }
    s.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {name};",
        quote_ident(&tmp),
        targets.join(", "),
        sources.join(", ")
    ));
    if t.columns.iter().any(|c| c.auto_increment) {
        // AUTOINCREMENT never reuses an id, even of a deleted row: the counter moves to the new table.
        s.push(format!("DELETE FROM sqlite_sequence WHERE name = {};", quote_literal(&tmp)));
        s.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {};",
            quote_literal(&tmp),
            quote_literal(&t.name)
        ));
    }
    s.push(format!("DROP TABLE {name};"));
    s.push(format!("ALTER TABLE {} RENAME TO {name};", quote_ident(&tmp)));
    s.extend(table_indexes(t, &t.name, LITE));
    s.extend(guards.into_iter().flatten());
    s
}

/// Statements that fail the migration when a column that changed type from `from` holds values that
/// are not of its type now. SQLite stores what does not convert as it was (text in an INTEGER column),
/// and has no 32-bit integers: this fails where PostgreSQL fails. `None` when nothing can be off: the
/// storage class stayed and no range narrowed.
fn guard(table: &str, c: &Column, from: &ColumnType) -> Option<Vec<String>> {
    let same_storage = sql_type(from, LITE) == sql_type(&c.ty, LITE);
    let narrower_int = c.ty == ColumnType::Int && matches!(from, ColumnType::BigInt | ColumnType::Float);
    if *from == c.ty || (same_storage && !narrower_int) {
        return None;
    }
    let col = quote_ident(&c.name);
    let bad = match c.ty {
        ColumnType::Int => format!("typeof({col}) <> 'integer' OR {col} NOT BETWEEN -2147483648 AND 2147483647"),
        ColumnType::BigInt | ColumnType::Bool => format!("typeof({col}) <> 'integer'"),
        ColumnType::Float => format!("typeof({col}) NOT IN ('real', 'integer')"),
        ColumnType::Uuid => format!("typeof({col}) <> 'blob' OR length({col}) <> 16"),
        _ => format!("typeof({col}) <> 'text'"),
    };
    Some(assert_none(
        &format!("{table}.{} holds values that are not {}", c.name, c.ty.describe()),
        &format!("SELECT count(*) FROM {} WHERE {col} IS NOT NULL AND ({bad})", quote_ident(table)),
    ))
}

/// Old values as new ones where SQLite's column affinity alone would not (affinity converts numeric text
/// and numbers to text by itself).
fn convert(expr: &str, from: &ColumnType, to: &ColumnType) -> String {
    use ColumnType as T;
    match (from, to) {
        (T::Int | T::BigInt | T::Float, T::Bool) => format!("({expr} <> 0)"),
        // PostgreSQL rounds when it casts a float to an integer.
        (T::Float, T::Int | T::BigInt) => format!("CAST(round({expr}) AS INTEGER)"),
        _ => expr.to_owned(),
    }
}

/// Statements that fail the migration, naming `what`, unless `count_sql` counts zero: SQLite has no
/// ASSERT, and `PRAGMA foreign_key_check` only returns rows, so the count goes through a CHECK.
fn assert_none(what: &str, count_sql: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TEMP TABLE \"_charter_guard\" (\"violations\" INTEGER CONSTRAINT {} CHECK (\"violations\" = 0));",
            quote_ident(what)
        ),
        format!("INSERT INTO \"_charter_guard\" {count_sql};"),
        "DROP TABLE \"_charter_guard\";".to_owned(),
    ]
}
