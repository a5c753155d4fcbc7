//! PostgreSQL: every step is an `ALTER TABLE` (or `CREATE`/`DROP`), run inside the transaction sqlx
//! opens for each migration, so a failure anywhere leaves the database as it was.

use std::collections::BTreeSet;

use super::{Script, block, fill_value, table_or_empty};
use crate::sql::ddl::{
    Dialect, check_sql, column_def, create_table, create_unique_index, default_sql, foreign_key_sql, quote_ident,
    sql_type, table_indexes,
};
use crate::sql::diff::Op;
use crate::sql::names::pg_implicit_name;
use crate::sql::schema::{Column, ColumnType, Schema};

const PG: Dialect = Dialect::Postgres;

pub(super) fn render(ops: &[Op], new: &Schema) -> Script {
    let mut blocks = Vec::new();
    let mut to_create: BTreeSet<&str> =
        ops.iter().filter(|op| matches!(op, Op::CreateTable { .. })).map(Op::table).collect();
    // Foreign keys of new tables that reference a table created after them (a reference cycle): added
    // once the last new table exists.
    let mut deferred: Vec<String> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if !matches!(op, Op::CreateTable { .. }) && !deferred.is_empty() {
            blocks.push(block("foreign keys between the new tables", deferred.drain(..)));
        }
        let what = op.to_string();
        let statements = match op {
            Op::CreateTable { table } => {
                to_create.remove(table.name.as_str());
                let (inline, later): (Vec<_>, Vec<_>) =
                    table.foreign_keys.iter().partition(|fk| !to_create.contains(fk.ref_table.as_str()));
                deferred.extend(
                    later.into_iter().map(|fk| alter(&table.name, &format!("ADD CONSTRAINT {}", foreign_key_sql(fk)))),
                );
                let mut s = vec![create_table(table, &table.name, &inline, PG)];
                s.extend(table_indexes(table, &table.name, PG));
                s
            }
            Op::DropTable { table } => {
                // In a reference cycle among dropped tables, a table dropped later still references this
                // one: its key goes first (PostgreSQL refuses to drop a referenced table).
                let mut s: Vec<String> = ops[i + 1..]
                    .iter()
                    .filter_map(|later| match later {
                        Op::DropTable { table: t } => Some(t),
                        _ => None,
                    })
                    .flat_map(|t| {
                        t.foreign_keys
                            .iter()
                            .filter(|fk| fk.ref_table == table.name && t.name != table.name)
                            .map(|fk| alter(&t.name, &format!("DROP CONSTRAINT {}", quote_ident(&fk.name))))
                    })
                    .collect();
                s.push(format!("DROP TABLE {};", quote_ident(&table.name)));
                s
            }
            other => statements(other, new),
        };
        blocks.push(block(&what, statements));
    }
    if !deferred.is_empty() {
        blocks.push(block("foreign keys between the new tables", deferred));
    }
    Script { no_transaction: false, blocks }
}

fn statements(op: &Op, new: &Schema) -> Vec<String> {
    let drop_constraint = |table: &str, name: &str| alter(table, &format!("DROP CONSTRAINT {}", quote_ident(name)));
    match op {
        Op::RenameTable { from, to } => rename_table(from, to, new),
        Op::RenameColumn { table, from, to } => {
            vec![alter(table, &format!("RENAME COLUMN {} TO {}", quote_ident(from), quote_ident(to)))]
        }
        Op::RenameConstraint { table, from, to } => {
            vec![alter(table, &format!("RENAME CONSTRAINT {} TO {}", quote_ident(from), quote_ident(to)))]
        }
        Op::RenameIndex { from, to, .. } => {
            vec![format!("ALTER INDEX {} RENAME TO {};", quote_ident(from), quote_ident(&to.name))]
        }
        Op::RenameUniqueIndex { from, to, .. } => {
            vec![format!("ALTER INDEX {} RENAME TO {};", quote_ident(from), quote_ident(&to.name))]
        }
        Op::DropForeignKey { table, fk } => vec![drop_constraint(table, &fk.name)],
        Op::DropCheck { table, check } => vec![drop_constraint(table, &check.name)],
        Op::DropUnique { unique, .. } if unique.case_insensitive => {
            vec![format!("DROP INDEX {};", quote_ident(&unique.name))]
        }
        Op::DropUnique { table, unique } => vec![drop_constraint(table, &unique.name)],
        Op::DropIndex { index, .. } => vec![format!("DROP INDEX {};", quote_ident(&index.name))],
        Op::AddColumn { table, column } => add_column(table, column, new),
        Op::AlterColumn { table, from, to } => alter_column(table, from, to),
        Op::DropColumn { table, column } => vec![alter(table, &format!("DROP COLUMN {}", quote_ident(&column.name)))],
        Op::ChangePrimaryKey { .. } => {
            vec!["-- not generated: see the error `charter makemigrations` reports".to_owned()]
        }
        Op::AlterCheck { table, from, to } => {
            vec![drop_constraint(table, &from.name), alter(table, &format!("ADD {}", check_sql(to)))]
        }
        Op::AddCheck { table, check } => vec![alter(table, &format!("ADD {}", check_sql(check)))],
        Op::AddUnique { table, unique } if unique.case_insensitive => vec![create_unique_index(table, unique, PG)],
        Op::AddUnique { table, unique } => vec![alter(
            table,
            &format!(
                "ADD CONSTRAINT {} UNIQUE ({})",
                quote_ident(&unique.name),
                crate::sql::ddl::column_list(&unique.columns)
            ),
        )],
        Op::AlterForeignKey { table, from, to } => {
            vec![drop_constraint(table, &from.name), alter(table, &format!("ADD CONSTRAINT {}", foreign_key_sql(to)))]
        }
        Op::AddForeignKey { table, fk } => vec![alter(table, &format!("ADD CONSTRAINT {}", foreign_key_sql(fk)))],
        Op::AddIndex { table, index } => vec![crate::sql::ddl::create_index(table, index)],
        // Rendered by `render`, which keeps the state they need.
        Op::CreateTable { .. } | Op::DropTable { .. } => Vec::new(),
    }
}

fn rename_table(from: &str, to: &str, new: &Schema) -> Vec<String> {
    let mut s = vec![alter(from, &format!("RENAME TO {}", quote_ident(to)))];
    // PostgreSQL named the key and the identity sequence after the old table; a table created
    // under the new name has them named after it.
    let (old_pk, new_pk) = (pg_implicit_name(from, None, "pkey"), pg_implicit_name(to, None, "pkey"));
    if old_pk != new_pk {
        s.push(alter(to, &format!("RENAME CONSTRAINT {} TO {}", quote_ident(&old_pk), quote_ident(&new_pk))));
    }
    for c in new.table(to).into_iter().flat_map(|t| &t.columns).filter(|c| c.auto_increment) {
        let (a, b) = (pg_implicit_name(from, Some(&c.name), "seq"), pg_implicit_name(to, Some(&c.name), "seq"));
        if a != b {
            s.push(format!("ALTER SEQUENCE IF EXISTS {} RENAME TO {};", quote_ident(&a), quote_ident(&b)));
        }
    }
    s
}

fn add_column(table: &str, column: &Column, new: &Schema) -> Vec<String> {
    let mut empty = None;
    let t = table_or_empty(new, table, &mut empty);
    match &column.backfill {
        // Existing rows get the backfill through a default that only lives for this statement.
        Some(b) if column.default.is_none() => {
            let with_default = Column { default: Some(b.clone()), ..column.clone() };
            vec![
                alter(table, &format!("ADD COLUMN {}", column_def(t, &with_default, PG))),
                alter(table, &format!("ALTER COLUMN {} DROP DEFAULT", quote_ident(&column.name))),
            ]
        }
        _ => vec![alter(table, &format!("ADD COLUMN {}", column_def(t, column, PG)))],
    }
}

fn alter_column(table: &str, from: &Column, to: &Column) -> Vec<String> {
    let col = quote_ident(&to.name);
    let mut s = Vec::new();
    let mut at = |action: String| s.push(alter(table, &format!("ALTER COLUMN {col} {action}")));
    let retype = from.ty != to.ty;
    // The old default may not convert to the new type: it goes first and comes back converted.
    if from.default.is_some() && (retype || to.default.is_none()) {
        at("DROP DEFAULT".to_owned());
    }
    if retype {
        let using = using(&from.ty, &to.ty, &col).map(|u| format!(" USING {u}")).unwrap_or_default();
        at(format!("TYPE {}{using}", sql_type(&to.ty, PG)));
    }
    if let Some(d) = &to.default
        && (retype || from.default.as_ref() != Some(d))
    {
        at(format!("SET DEFAULT {}", default_sql(d, &to.ty, PG)));
    }
    if from.nullable && !to.nullable {
        if let Some(v) = fill_value(to) {
            s.push(format!(
                "UPDATE {} SET {col} = {} WHERE {col} IS NULL;",
                quote_ident(table),
                default_sql(v, &to.ty, PG)
            ));
        }
        s.push(alter(table, &format!("ALTER COLUMN {col} SET NOT NULL")));
    } else if !from.nullable && to.nullable {
        s.push(alter(table, &format!("ALTER COLUMN {col} DROP NOT NULL")));
    }
    s
}

/// How old values become new ones when PostgreSQL has no assignment cast between the types. Without
/// `USING`, the assignment cast applies, which fails (rather than truncates, as an explicit cast to
/// `VARCHAR(n)` would) on values that do not fit.
fn using(from: &ColumnType, to: &ColumnType, col: &str) -> Option<String> {
    use ColumnType as T;
    let textual = |t: &T| matches!(t, T::String { .. } | T::Text | T::Enum);
    let numeric = |t: &T| matches!(t, T::Int | T::BigInt | T::Float);
    match (from, to) {
        (_, t) if textual(t) => None,
        (f, t) if numeric(f) && numeric(t) => None,
        (T::Date, T::DateTime) | (T::DateTime, T::Date) => None,
        (f, T::Bool) if numeric(f) => Some(format!("{col} <> 0")),
        (T::Bool, t) if numeric(t) => Some(format!("CASE WHEN {col} THEN 1 ELSE 0 END")),
        (f, t) if textual(f) => Some(format!("{col}::{}", sql_type(t, PG))),
        (_, t) => Some(format!("{col}::TEXT::{}", sql_type(t, PG))),
    }
}

fn alter(table: &str, action: &str) -> String {
    format!("ALTER TABLE {} {action};", quote_ident(table))
}
