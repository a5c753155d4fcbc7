//! Which steps of a migration lose data or may fail on existing rows (destructive: written only when
//! acknowledged), which cannot be generated at all, and messages that say exactly what is at stake.
//!
//! The migration runs against data `make` never sees, so every judgement assumes the table has rows.

use std::fmt;

use super::diff::Op;
use super::locate::Subject;
use super::schema::{Check, CheckRule, Column, ColumnType, ForeignKey, Unique};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Review {
    /// Changes generated migrations do not make (primary keys); the spec has to change.
    pub unsupported: Vec<Step>,
    /// NOT NULL columns added without a value for the rows already there (the message is `table.column`);
    /// the spec has to change.
    pub needs_value: Vec<Step>,
    /// Steps that lose data or fail on some existing rows; written only with `allow_destructive`.
    pub destructive: Vec<Step>,
}

/// One judged step: what is at stake, and the table and columns it is about (where `make` reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub message: String,
    pub subject: Subject,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn step(message: String, table: &str, columns: &[String]) -> Step {
    Step { message, subject: Subject::columns(table, columns) }
}

/// Judges every step; each message names the table and column it is about.
pub fn review(ops: &[Op]) -> Review {
    let mut r = Review::default();
    for op in ops {
        match op {
            Op::ChangePrimaryKey { table, to, .. } => r.unsupported.push(step(
                format!(
                    "{op}: generated migrations do not change primary keys; create a new model and copy the data instead"
                ),
                table,
                to,
            )),
            Op::AddColumn { table, column }
                if !column.nullable && column.default.is_none() && column.backfill.is_none() && !column.auto_increment =>
            {
                r.needs_value.push(step(format!("{table}.{}", column.name), table, std::slice::from_ref(&column.name)))
            }
            Op::AlterColumn { table, from, to } => alter_column(&mut r, table, from, to),
            _ => r.destructive.extend(destructive(ops, op)),
        }
    }
    r
}

/// What the step puts at stake, when it loses data or may fail on existing rows (column changes are
/// `alter_column`'s).
fn destructive(ops: &[Op], op: &Op) -> Option<Step> {
    Some(match op {
        Op::DropTable { table } => step(format!("drop table `{}` and all its rows", table.name), &table.name, &[]),
        Op::DropColumn { table, column } => step(
            format!("drop column `{table}.{}` and every value in it", column.name),
            table,
            std::slice::from_ref(&column.name),
        ),
        Op::AddUnique { table, unique }
            if !all_fresh(ops, table, &unique.columns) && !replaces_stricter(ops, table, unique) =>
        {
            step(add_unique_message(table, unique), table, &unique.columns)
        }
        Op::AddCheck { table, check } if !added(ops, table, &check.column) => {
            step(add_check_message(table, check), table, std::slice::from_ref(&check.column))
        }
        Op::AlterCheck { table, from, to } if !loosens(&from.rule, &to.rule) => {
            step(alter_check_message(table, from, to), table, std::slice::from_ref(&to.column))
        }
        // A key whose old target goes in this migration is dropped and added again (see `diff`).
        Op::AddForeignKey { table, fk } if dropped_key(ops, table, &fk.name).is_some() => {
            let old = dropped_key(ops, table, &fk.name).unwrap_or(fk);
            step(retarget_message(table, old, fk), table, &fk.columns)
        }
        Op::AddForeignKey { table, fk } if !all_fresh(ops, table, &fk.columns) => {
            step(add_foreign_key_message(table, fk), table, &fk.columns)
        }
        // `from` is in the new schema's names: only `ON DELETE` changing keeps every row valid.
        Op::AlterForeignKey { table, from, to }
            if from.ref_table != to.ref_table || from.ref_columns != to.ref_columns =>
        {
            step(retarget_message(table, from, to), table, &to.columns)
        }
        _ => return None,
    })
}

fn add_unique_message(table: &str, unique: &Unique) -> String {
    let ci = if unique.case_insensitive { " ignoring case" } else { "" };
    format!(
        "add unique `{}` on `{table}` ({}){ci} over existing rows: duplicate values fail the migration",
        unique.name,
        unique.columns.join(", ")
    )
}

fn add_check_message(table: &str, check: &Check) -> String {
    format!(
        "add check `{}` (`{}` {}) over existing rows of `{table}`: rows that violate it fail the migration",
        check.name,
        check.column,
        check.rule.describe()
    )
}

fn alter_check_message(table: &str, from: &Check, to: &Check) -> String {
    format!(
        "change check `{}` of `{table}` from `{}` {} to {}: rows that violate it fail the migration",
        to.name,
        to.column,
        from.rule.describe(),
        to.rule.describe()
    )
}

fn add_foreign_key_message(table: &str, fk: &ForeignKey) -> String {
    format!(
        "add foreign key `{}` on `{table}` ({}) -> `{}` over existing rows: values without a matching `{}` row fail the migration",
        fk.name,
        fk.columns.join(", "),
        fk.ref_table,
        fk.ref_table
    )
}

fn retarget_message(table: &str, from: &ForeignKey, to: &ForeignKey) -> String {
    let target = |fk: &ForeignKey| format!("{}({})", fk.ref_table, fk.ref_columns.join(", "));
    format!(
        "point foreign key `{}` of `{table}` at `{}` instead of `{}`: values without a matching `{}` row fail the migration",
        to.name,
        target(to),
        target(from),
        to.ref_table
    )
}

/// A case-sensitive unique that replaces a case-insensitive one on the same columns: the rows already
/// hold no two values equal ignoring case, so none equal as they are.
fn replaces_stricter(ops: &[Op], table: &str, unique: &Unique) -> bool {
    !unique.case_insensitive
        && ops.iter().any(|op| {
            matches!(op, Op::DropUnique { table: t, unique: u }
                if t == table && u.case_insensitive && u.columns == unique.columns)
        })
}

/// The key of this name that the same migration drops from `table`, if any.
fn dropped_key<'a>(ops: &'a [Op], table: &str, name: &str) -> Option<&'a ForeignKey> {
    ops.iter().find_map(|op| match op {
        Op::DropForeignKey { table: t, fk } if t == table && fk.name == name => Some(fk),
        _ => None,
    })
}

fn alter_column(r: &mut Review, table: &str, from: &Column, to: &Column) {
    let what = format!("`{table}.{}`", to.name);
    let at = std::slice::from_ref(&to.name);
    if from.auto_increment != to.auto_increment {
        r.unsupported.push(step(
            format!("{what}: generated migrations do not turn auto increment on or off"),
            table,
            at,
        ));
    }
    if !widens(&from.ty, &to.ty) {
        let (f, t) = (from.ty.describe(), to.ty.describe());
        let message = match (&from.ty, &to.ty) {
            (ColumnType::Float, ColumnType::Int | ColumnType::BigInt) => {
                format!(
                    "narrow {what} from {f} to {t}: fractions are rounded away, values outside {t} fail the migration"
                )
            }
            (ColumnType::BigInt, ColumnType::Int) => {
                format!("narrow {what} from {f} to {t}: values outside {t} fail the migration")
            }
            (
                ColumnType::String { .. } | ColumnType::Text | ColumnType::Enum,
                ColumnType::String { max_length: Some(n) },
            ) => {
                format!("shorten {what} from {f} to {t}: values longer than {n} characters fail the migration")
            }
            _ => format!("change {what} from {f} to {t}: values that do not convert fail the migration"),
        };
        r.destructive.push(step(message, table, at));
    }
    if from.nullable && !to.nullable && to.default.is_none() && to.backfill.is_none() {
        r.destructive.push(step(
            format!("make {what} NOT NULL without a default or backfill: rows where it is NULL fail the migration"),
            table,
            at,
        ));
    }
}

/// Every value of `from` is a value of `to`, unchanged.
pub(crate) fn widens(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    match (from, to) {
        _ if from == to => true,
        (T::Int, T::BigInt | T::Float) | (T::Bool, T::Int | T::BigInt) => true,
        (T::String { .. } | T::Enum | T::Text, T::Text | T::String { max_length: None }) => true,
        (T::String { max_length: Some(a) }, T::String { max_length: Some(b) }) => b >= a,
        _ => false,
    }
}

/// Every value that passes `from` passes `to`.
fn loosens(from: &CheckRule, to: &CheckRule) -> bool {
    match (from, to) {
        (CheckRule::Min { value: a }, CheckRule::Min { value: b }) => b <= a,
        (CheckRule::Max { value: a }, CheckRule::Max { value: b }) => b >= a,
        (CheckRule::MinLength { value: a }, CheckRule::MinLength { value: b }) => b <= a,
        (CheckRule::MaxLength { value: a }, CheckRule::MaxLength { value: b }) => b >= a,
        (CheckRule::OneOf { values: a }, CheckRule::OneOf { values: b }) => a.iter().all(|v| b.contains(v)),
        _ => false,
    }
}

/// The column is added by this migration: existing rows hold its default or backfill, which the spec
/// checked against the column's own constraints, or NULL, which passes every check.
fn added(ops: &[Op], table: &str, column: &str) -> bool {
    ops.iter().any(|op| matches!(op, Op::AddColumn { table: t, column: c } if t == table && c.name == column))
}

/// Every column is added by this migration and NULL in every existing row: no duplicates, no dangling
/// references.
fn all_fresh(ops: &[Op], table: &str, columns: &[String]) -> bool {
    columns.iter().all(|col| {
        ops.iter().any(|op| {
            matches!(op, Op::AddColumn { table: t, column: c }
                if t == table && &c.name == col && c.nullable && c.default.is_none() && c.backfill.is_none())
        })
    })
}
