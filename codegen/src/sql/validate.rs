//! Structural checks on a [`Schema`]: what both databases would reject, or silently get wrong, is caught
//! here with a clear message instead of when a migration runs. Applies to schemas built from a spec and
//! to snapshots read back from disk (which people can edit by hand).

use std::collections::BTreeSet;
use std::fmt;

use super::locate::Subject;
use super::names::MAX_IDENT_LEN;
use super::schema::{CheckRule, ColumnType, DefaultValue, ReferentialAction, Schema, Table};

/// One problem in a schema: a stable code, the message, and the table and columns it is about (where a
/// schema made from a spec reports it: see `Locator`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
    pub subject: Subject,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Collects problems, each about the table (and columns) being checked.
struct Out {
    items: Vec<Problem>,
    subject: Subject,
}

impl Out {
    fn push(&mut self, code: &'static str, message: String) {
        self.items.push(Problem { code, message, subject: self.subject.clone() });
    }

    fn push_at(&mut self, code: &'static str, columns: &[String], message: String) {
        let subject = Subject { table: self.subject.table.clone(), columns: columns.to_vec() };
        self.items.push(Problem { code, message, subject });
    }
}

impl Schema {
    /// Every problem found; empty when the schema is sound.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Out { items: Vec::new(), subject: Subject::none() };
        // Tables, indexes and unique constraints (backed by indexes) share one namespace in PostgreSQL.
        let mut relations = BTreeSet::new();
        for t in &self.tables {
            out.subject = Subject::table(&t.name);
            ident(&mut out, "table", &t.name);
            if !relations.insert(t.name.as_str()) {
                out.push("schema-duplicate-name", format!("two tables or indexes are named `{}`", t.name));
            }
        }
        for t in &self.tables {
            out.subject = Subject::table(&t.name);
            table_problems(self, t, &mut relations, &mut out);
        }
        out.items
    }
}

fn table_problems<'a>(schema: &'a Schema, t: &'a Table, relations: &mut BTreeSet<&'a str>, out: &mut Out) {
    let columns = column_problems(t, out);
    let mut check = TableCheck { schema, t, columns, constraints: BTreeSet::new() };
    out.subject = Subject::table(&t.name);
    check.known(&t.primary_key, "the primary key", out);
    check.foreign_keys(out);
    check.uniques(relations, out);
    check.checks(out);
    check.indexes(relations, out);
}

/// Problems with the table's columns themselves; returns their names, which its keys and indexes must use.
fn column_problems<'a>(t: &'a Table, out: &mut Out) -> BTreeSet<&'a str> {
    let tn = &t.name;
    let mut columns = BTreeSet::new();
    for c in &t.columns {
        out.subject = Subject::columns(tn, std::slice::from_ref(&c.name));
        ident(out, "column", &c.name);
        if !columns.insert(c.name.as_str()) {
            out.push("schema-duplicate-name", format!("table `{tn}` has two columns named `{}`", c.name));
        }
        if let Some(DefaultValue::Float(x)) = &c.default
            && !x.is_finite()
        {
            out.push(
                "schema-default",
                format!("column `{tn}.{}` has a default of `{x}`, which a database cannot store", c.name),
            );
        }
        if c.auto_increment && !(c.ty.is_integer() && t.primary_key == [c.name.clone()]) {
            out.push(
                "schema-auto-increment",
                format!("column `{tn}.{}` auto-increments but is not the table's single integer primary key", c.name),
            );
        }
    }
    columns
}

/// Checks of one table's keys, checks and indexes against its columns and each other.
struct TableCheck<'a> {
    schema: &'a Schema,
    t: &'a Table,
    columns: BTreeSet<&'a str>,
    /// Constraint names must be distinct within a table (PostgreSQL) and stable (the runtime maps them).
    constraints: BTreeSet<&'a str>,
}

impl<'a> TableCheck<'a> {
    /// A key or index must name at least one column, all of them the table's: an unknown column is
    /// reported at `cols`, an empty list at the current subject.
    fn known(&self, cols: &[String], what: &str, out: &mut Out) {
        let tn = &self.t.name;
        if cols.is_empty() {
            out.push("schema-no-columns", format!("{what} of table `{tn}` has no columns"));
        }
        for c in cols {
            if !self.columns.contains(c.as_str()) {
                out.push_at(
                    "schema-unknown-column",
                    cols,
                    format!("{what} of table `{tn}` names `{c}`, which is not one of its columns"),
                );
            }
        }
    }

    /// Also makes `columns` the subject: the caller's problems with this constraint are reported there.
    fn constraint(&mut self, name: &'a str, columns: &[String], out: &mut Out) {
        out.subject = Subject::columns(&self.t.name, columns);
        ident(out, "constraint", name);
        if !self.constraints.insert(name) {
            out.push("schema-duplicate-name", format!("table `{}` has two constraints named `{name}`", self.t.name));
        }
    }

    fn foreign_keys(&mut self, out: &mut Out) {
        for fk in &self.t.foreign_keys {
            self.constraint(&fk.name, &fk.columns, out);
            self.known(&fk.columns, &format!("foreign key `{}`", fk.name), out);
            foreign_key_target(self.schema, self.t, fk, out);
        }
    }

    fn uniques(&mut self, relations: &mut BTreeSet<&'a str>, out: &mut Out) {
        let t = self.t;
        for u in &t.uniques {
            self.constraint(&u.name, &u.columns, out);
            self.known(&u.columns, &format!("unique `{}`", u.name), out);
            let textual = |c: &String| {
                t.column(c)
                    .is_none_or(|c| matches!(c.ty, ColumnType::String { .. } | ColumnType::Text | ColumnType::Enum))
            };
            if u.case_insensitive && !u.columns.iter().all(textual) {
                out.push(
                    "schema-case-insensitive",
                    format!("case-insensitive unique `{}` is on a column that does not hold text", u.name),
                );
            }
            if !relations.insert(u.name.as_str()) {
                out.push("schema-duplicate-name", format!("two tables or indexes are named `{}`", u.name));
            }
        }
    }

    fn checks(&mut self, out: &mut Out) {
        for ck in &self.t.checks {
            self.constraint(&ck.name, std::slice::from_ref(&ck.column), out);
            self.known(std::slice::from_ref(&ck.column), &format!("check `{}`", ck.name), out);
            match &ck.rule {
                CheckRule::Min { value } | CheckRule::Max { value } if !value.is_finite() => {
                    out.push(
                        "schema-check",
                        format!("check `{}` compares with `{value}`, which a database cannot store", ck.name),
                    );
                }
                CheckRule::OneOf { values } if values.is_empty() => {
                    out.push("schema-check", format!("check `{}` allows no values", ck.name));
                }
                _ => {}
            }
        }
    }

    fn indexes(&self, relations: &mut BTreeSet<&'a str>, out: &mut Out) {
        for ix in &self.t.indexes {
            out.subject = Subject::columns(&self.t.name, &ix.columns);
            ident(out, "index", &ix.name);
            self.known(&ix.columns, &format!("index `{}`", ix.name), out);
            if !relations.insert(ix.name.as_str()) {
                out.push("schema-duplicate-name", format!("two tables or indexes are named `{}`", ix.name));
            }
        }
    }
}

fn foreign_key_target(schema: &Schema, t: &Table, fk: &super::schema::ForeignKey, out: &mut Out) {
    out.subject = Subject::columns(&t.name, &fk.columns);
    let what = format!("foreign key `{}` of table `{}`", fk.name, t.name);
    let Some(target) = schema.table(&fk.ref_table) else {
        out.push("schema-foreign-key", format!("{what} references table `{}`, which does not exist", fk.ref_table));
        return;
    };
    if fk.ref_columns.len() != fk.columns.len() {
        out.push(
            "schema-foreign-key",
            format!("{what} has {} columns but references {}", fk.columns.len(), fk.ref_columns.len()),
        );
    }
    // PostgreSQL only accepts references to a primary key or a unique constraint.
    let is_key = target.primary_key == fk.ref_columns
        || target.uniques.iter().any(|u| u.columns == fk.ref_columns && !u.case_insensitive);
    if !is_key {
        out.push(
            "schema-foreign-key",
            format!(
                "{what} references `{}({})`, which is not its primary key or a unique key",
                fk.ref_table,
                fk.ref_columns.join(", ")
            ),
        );
    }
    if fk.on_delete == ReferentialAction::SetNull {
        for c in &fk.columns {
            if t.column(c).is_some_and(|c| !c.nullable) {
                out.push(
                    "schema-foreign-key",
                    format!("{what} sets `{c}` to NULL on delete, but the column is NOT NULL"),
                );
            }
        }
    }
}

fn ident(out: &mut Out, what: &str, name: &str) {
    if name.is_empty() {
        out.push("schema-name", format!("a {what} has an empty name"));
    } else if name.len() > MAX_IDENT_LEN {
        out.push(
            "schema-name",
            format!("{what} name `{name}` is longer than {MAX_IDENT_LEN} bytes (PostgreSQL would truncate it)"),
        );
    } else if name.contains('\0') {
        out.push("schema-name", format!("{what} name {name:?} contains a NUL character"));
    }
}
