//! One line per [`Op`], for `charter check` and the migration summary, e.g.
//! ``add column `articles.views` (int, not null, default 0)``.

use std::fmt;

use super::Op;
use crate::sql::schema::{Column, ForeignKey};

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::RenameTable { from, to } => write!(f, "rename table `{from}` to `{to}`"),
            Op::RenameColumn { table, from, to } => write!(f, "rename column `{table}.{from}` to `{to}`"),
            Op::RenameConstraint { table, from, to } => {
                write!(f, "rename constraint `{from}` of `{table}` to `{to}`")
            }
            Op::RenameIndex { table, from, to } => write!(f, "rename index `{from}` of `{table}` to `{}`", to.name),
            Op::RenameUniqueIndex { table, from, to } => {
                write!(f, "rename case-insensitive unique `{from}` of `{table}` to `{}`", to.name)
            }
            Op::DropForeignKey { table, fk } => write!(f, "drop foreign key `{}` of `{table}`", fk.name),
            Op::DropCheck { table, check } => write!(f, "drop check `{}` of `{table}`", check.name),
            Op::DropUnique { table, unique } => write!(f, "drop unique `{}` of `{table}`", unique.name),
            Op::DropIndex { table, index } => write!(f, "drop index `{}` of `{table}`", index.name),
            Op::DropTable { table } => write!(f, "drop table `{}`", table.name),
            Op::CreateTable { table } => write!(f, "create table `{}` ({} columns)", table.name, table.columns.len()),
            Op::AddColumn { table, column } => {
                write!(f, "add column `{table}.{}` ({})", column.name, column_summary(column))
            }
            Op::AlterColumn { table, from, to } => {
                write!(f, "alter column `{table}.{}`: {}", to.name, column_changes(from, to).join(", "))
            }
            Op::DropColumn { table, column } => write!(f, "drop column `{table}.{}`", column.name),
            Op::ChangePrimaryKey { table, from, to } => {
                write!(f, "change the primary key of `{table}` from ({}) to ({})", from.join(", "), to.join(", "))
            }
            Op::AlterCheck { table, from, to } => write!(
                f,
                "alter check `{}` of `{table}`: `{}` {} -> {}",
                to.name,
                to.column,
                from.rule.describe(),
                to.rule.describe()
            ),
            Op::AddCheck { table, check } => {
                write!(f, "add check `{}` to `{table}` (`{}` {})", check.name, check.column, check.rule.describe())
            }
            Op::AddUnique { table, unique } => {
                let ci = if unique.case_insensitive { ", case-insensitive" } else { "" };
                write!(f, "add unique `{}` to `{table}` ({}{ci})", unique.name, unique.columns.join(", "))
            }
            Op::AlterForeignKey { table, from, to } => {
                write!(f, "alter foreign key `{}` of `{table}`: {} -> {}", to.name, fk_summary(from), fk_summary(to))
            }
            Op::AddForeignKey { table, fk } => {
                write!(f, "add foreign key `{}` to `{table}` ({})", fk.name, fk_summary(fk))
            }
            Op::AddIndex { table, index } => {
                write!(f, "add index `{}` to `{table}` ({})", index.name, index.columns.join(", "))
            }
        }
    }
}

pub(crate) fn column_summary(c: &Column) -> String {
    let mut s = c.ty.describe();
    s.push_str(if c.nullable { ", null" } else { ", not null" });
    if let Some(d) = &c.default {
        s.push_str(", default ");
        s.push_str(&d.describe());
    }
    if let Some(b) = &c.backfill {
        s.push_str(", backfill ");
        s.push_str(&b.describe());
    }
    if c.auto_increment {
        s.push_str(", auto increment");
    }
    s
}

fn column_changes(from: &Column, to: &Column) -> Vec<String> {
    let mut out = Vec::new();
    if from.ty != to.ty {
        out.push(format!("{} -> {}", from.ty.describe(), to.ty.describe()));
    }
    if from.nullable != to.nullable {
        out.push(if to.nullable { "not null -> null" } else { "null -> not null" }.to_owned());
    }
    if from.default != to.default {
        let d = |c: &Column| c.default.as_ref().map_or("none".to_owned(), |d| d.describe());
        out.push(format!("default {} -> {}", d(from), d(to)));
    }
    if from.auto_increment != to.auto_increment {
        out.push(if to.auto_increment { "auto increment" } else { "no auto increment" }.to_owned());
    }
    out
}

fn fk_summary(fk: &ForeignKey) -> String {
    format!(
        "({}) -> {}({}) on delete {}",
        fk.columns.join(", "),
        fk.ref_table,
        fk.ref_columns.join(", "),
        fk.on_delete.sql().to_lowercase()
    )
}
