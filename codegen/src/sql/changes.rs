//! A human summary of how two schemas differ, table and column level: what `status` reports when the
//! migrations are stale. Ordering alone (of tables, columns, constraints) is not a change: databases do
//! not reorder columns, and the diff engine will not either.

use super::schema::{Column, Schema, Table};

/// One line per difference, e.g. `table "articles": add column "summary" (text, null)`. Empty when the
/// schemas hold the same tables, columns and constraints.
pub fn describe_changes(old: &Schema, new: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for t in &new.tables {
        if old.table(&t.name).is_none() {
            out.push(format!("add table \"{}\" ({} columns)", t.name, t.columns.len()));
        }
    }
    for t in &old.tables {
        match new.table(&t.name) {
            None => out.push(format!("drop table \"{}\"", t.name)),
            Some(n) => table_changes(t, n, &mut out),
        }
    }
    out
}

fn table_changes(old: &Table, new: &Table, out: &mut Vec<String>) {
    let mut push = |what: String| out.push(format!("table \"{}\": {what}", new.name));
    for c in &new.columns {
        match old.column(&c.name) {
            None => push(format!("add column \"{}\" ({})", c.name, describe_column(c))),
            Some(o) if o != c => {
                push(format!("alter column \"{}\": {} -> {}", c.name, describe_column(o), describe_column(c)))
            }
            Some(_) => {}
        }
    }
    for c in &old.columns {
        if new.column(&c.name).is_none() {
            push(format!("drop column \"{}\"", c.name));
        }
    }
    if old.primary_key != new.primary_key {
        push(format!("primary key ({}) -> ({})", old.primary_key.join(", "), new.primary_key.join(", ")));
    }
    // Constraints are compared by name: the name encodes table and columns, so a changed body under the
    // same name (another ON DELETE, another bound) is an alteration.
    named(
        &mut push,
        "foreign key",
        &old.foreign_keys,
        &new.foreign_keys,
        |f| &f.name,
        |f| {
            format!(
                "({}) -> {}({}) on delete {}",
                f.columns.join(", "),
                f.ref_table,
                f.ref_columns.join(", "),
                f.on_delete.sql()
            )
        },
    );
    named(&mut push, "unique", &old.uniques, &new.uniques, |u| &u.name, |u| format!("({})", u.columns.join(", ")));
    named(&mut push, "index", &old.indexes, &new.indexes, |i| &i.name, |i| format!("({})", i.columns.join(", ")));
    named(&mut push, "check", &old.checks, &new.checks, |c| &c.name, |c| format!("{} {}", c.column, c.rule.describe()));
}

fn named<T: PartialEq>(
    push: &mut impl FnMut(String),
    kind: &str,
    old: &[T],
    new: &[T],
    name: impl Fn(&T) -> &String,
    describe: impl Fn(&T) -> String,
) {
    for n in new {
        match old.iter().find(|o| name(o) == name(n)) {
            None => push(format!("add {kind} \"{}\" {}", name(n), describe(n))),
            Some(o) if o != n => push(format!("alter {kind} \"{}\": {} -> {}", name(n), describe(o), describe(n))),
            Some(_) => {}
        }
    }
    for o in old {
        if !new.iter().any(|n| name(n) == name(o)) {
            push(format!("drop {kind} \"{}\"", name(o)));
        }
    }
}

fn describe_column(c: &Column) -> String {
    let mut s = c.ty.describe();
    s.push_str(if c.nullable { ", null" } else { ", not null" });
    if let Some(d) = &c.default {
        s.push_str(", default ");
        s.push_str(&d.describe());
    }
    if c.auto_increment {
        s.push_str(", auto increment");
    }
    s
}
