//! `diff(old, new)`: the operations that take a database from one [`Schema`] to the next, in the order
//! they run. Dialect-neutral; `alter` renders them per dialect and `safety` judges them.
//!
//! Order (deterministic: tables in schema order, columns in table order):
//! 1. renames (tables, columns, then the constraints and indexes whose names follow them), so every
//!    later step names things as the new schema does;
//! 2. drops of constraints and indexes, before the columns and tables they are on, and of every foreign
//!    key of a kept table whose target table (or column) goes in this migration, even when the key itself
//!    stays under another target: it is dropped here and added in 6, never altered in one step;
//! 3. drops of tables, those that reference others first;
//! 4. creates of tables, referenced ones first;
//! 5. column changes of kept tables: add, alter, drop;
//! 6. new and changed constraints and indexes, once every table and column they name exists.

mod describe;
mod matching;

use matching::{Matching, Pair};

use super::schema::{Check, Column, ForeignKey, Index, Schema, Table, Unique};

/// One step of a migration. `table` is the table's new name, except in `DropTable` (which is gone).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    RenameTable {
        from: String,
        to: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    /// A unique, check or foreign key constraint whose name follows a renamed table or column.
    RenameConstraint {
        table: String,
        from: String,
        to: String,
    },
    RenameIndex {
        table: String,
        from: String,
        to: Index,
    },
    /// A case-insensitive unique (an index, see [`Unique::case_insensitive`]) whose name follows a renamed
    /// table or column.
    RenameUniqueIndex {
        table: String,
        from: String,
        to: Unique,
    },

    DropForeignKey {
        table: String,
        fk: ForeignKey,
    },
    DropCheck {
        table: String,
        check: Check,
    },
    DropUnique {
        table: String,
        unique: Unique,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    DropTable {
        table: Table,
    },

    CreateTable {
        table: Table,
    },

    /// The new column carries the spec's hints (`backfill`).
    AddColumn {
        table: String,
        column: Column,
    },
    /// Type, nullability or default; `to` has the column's current name and its hints.
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    /// Generated migrations do not change keys; `safety` reports it.
    ChangePrimaryKey {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },

    /// The same kind of check on the same column, with another bound or value list.
    AlterCheck {
        table: String,
        from: Check,
        to: Check,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    AddUnique {
        table: String,
        unique: Unique,
    },
    /// The same columns, now referencing another table or with another `ON DELETE`.
    AlterForeignKey {
        table: String,
        from: ForeignKey,
        to: ForeignKey,
    },
    AddForeignKey {
        table: String,
        fk: ForeignKey,
    },
    AddIndex {
        table: String,
        index: Index,
    },
}

impl Op {
    /// The table the step works on (its new name; the dropped name for `DropTable`).
    pub fn table(&self) -> &str {
        match self {
            Op::RenameTable { to, .. } => to,
            Op::DropTable { table } | Op::CreateTable { table } => &table.name,
            Op::RenameColumn { table, .. }
            | Op::RenameConstraint { table, .. }
            | Op::RenameIndex { table, .. }
            | Op::RenameUniqueIndex { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::DropCheck { table, .. }
            | Op::DropUnique { table, .. }
            | Op::DropIndex { table, .. }
            | Op::AddColumn { table, .. }
            | Op::AlterColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::ChangePrimaryKey { table, .. }
            | Op::AlterCheck { table, .. }
            | Op::AddCheck { table, .. }
            | Op::AddUnique { table, .. }
            | Op::AlterForeignKey { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::AddIndex { table, .. } => table,
        }
    }
}

/// The steps from `old` to `new`; empty when they describe the same database. Column order is not a
/// difference: databases append added columns, and the diff never reorders.
pub fn diff(old: &Schema, new: &Schema) -> Vec<Op> {
    let m = Matching::new(old, new);
    let mut renames = Vec::new();
    let mut drops = Vec::new();
    let mut columns = Vec::new();
    let mut adds = Vec::new();
    for p in &m.pairs {
        let table = &p.new.name;
        if p.old.name != p.new.name {
            renames.push(Op::RenameTable { from: p.old.name.clone(), to: table.clone() });
        }
    }
    for p in &m.pairs {
        for (o, n) in &p.columns {
            if o.name != n.name {
                renames.push(Op::RenameColumn { table: p.new.name.clone(), from: o.name.clone(), to: n.name.clone() });
            }
        }
    }
    for p in &m.pairs {
        let c = Constraints::of(p, &m);
        renames.extend(c.renames);
        drops.extend(c.drops);
        columns.extend(column_ops(p));
        adds.extend(c.adds);
    }

    let mut ops = renames;
    ops.extend(drops);
    // The old order is dependency order (referenced tables first): reversed, dependents go first.
    ops.extend(m.dropped.iter().rev().map(|t| Op::DropTable { table: (*t).clone() }));
    ops.extend(m.created.iter().map(|t| Op::CreateTable { table: (*t).clone() }));
    ops.extend(columns);
    ops.extend(adds);
    ops
}

fn column_ops(p: &Pair<'_>) -> Vec<Op> {
    let table = || p.new.name.clone();
    let mut ops = Vec::new();
    let old_key = p.columns_named(&p.old.primary_key);
    if old_key.as_deref() != Some(&p.new.primary_key[..]) {
        ops.push(Op::ChangePrimaryKey {
            table: table(),
            from: p.old.primary_key.clone(),
            to: p.new.primary_key.clone(),
        });
    }
    for c in &p.new.columns {
        match p.old_column(&c.name) {
            None => ops.push(Op::AddColumn { table: table(), column: c.clone() }),
            Some(o) => {
                let renamed = Column { name: c.name.clone(), ..o.clone() };
                if renamed != *c {
                    ops.push(Op::AlterColumn { table: table(), from: o.clone(), to: c.clone() });
                }
            }
        }
    }
    for c in &p.old.columns {
        if p.column_name(&c.name).is_none() {
            ops.push(Op::DropColumn { table: table(), column: c.clone() });
        }
    }
    ops
}

/// Constraint and index changes of one kept table. Old and new ones are matched by what they constrain
/// (columns translated through renames), not by name: names embed table and column names, so a rename
/// renames them, and a changed bound keeps the name of the check.
struct Constraints {
    renames: Vec<Op>,
    drops: Vec<Op>,
    adds: Vec<Op>,
}

impl Constraints {
    fn of(p: &Pair<'_>, m: &Matching<'_>) -> Constraints {
        let mut c = Constraints { renames: Vec::new(), drops: Vec::new(), adds: Vec::new() };
        let (fk_alters, fk_adds) = c.foreign_keys(p, m);
        c.checks(p);
        c.uniques(p);
        c.adds.extend(fk_alters);
        c.adds.extend(fk_adds);
        c.indexes(p);
        // Foreign keys go before the other constraints when dropping: nothing may still depend on what
        // goes next.
        c.drops.sort_by_key(|op| !matches!(op, Op::DropForeignKey { .. }));
        c
    }

    /// Foreign keys: same columns; the body is what they reference and do on delete. Their alters and adds
    /// are returned rather than recorded: they come after the other constraints' (see `of`).
    fn foreign_keys(&mut self, p: &Pair<'_>, m: &Matching<'_>) -> (Vec<Op>, Vec<Op>) {
        let t = || p.new.name.clone();
        let matched = match_by(&p.old.foreign_keys, &p.new.foreign_keys, |o, n| {
            p.columns_named(&o.columns).as_deref() == Some(&n.columns[..])
        });
        let (mut alters, mut adds) = (Vec::new(), Vec::new());
        for (o, n) in &matched.pairs {
            let translated = translate_foreign_key(o, p, m);
            let same_body = translated.as_ref().is_some_and(|x| {
                x.ref_table == n.ref_table && x.ref_columns == n.ref_columns && x.on_delete == n.on_delete
            });
            if same_body {
                if o.name != n.name {
                    self.renames.push(Op::RenameConstraint { table: t(), from: o.name.clone(), to: n.name.clone() });
                }
            } else if let Some(from) = translated {
                // `from` in the new schema's names, so that the two can be compared; the name stays the one
                // the database knows.
                alters.push(Op::AlterForeignKey { table: t(), from, to: (*n).clone() });
            } else {
                // The old key references a table (or columns) this migration drops: it must be gone before
                // they are, and the new one can only be added once its target exists. One `AlterForeignKey`
                // would do both at the end, after the drop that PostgreSQL refuses while the key is there.
                self.drops.push(Op::DropForeignKey { table: t(), fk: (*o).clone() });
                adds.push(Op::AddForeignKey { table: t(), fk: (*n).clone() });
            }
        }
        self.drops.extend(matched.gone.iter().map(|o| Op::DropForeignKey { table: t(), fk: (*o).clone() }));
        adds.extend(matched.added.iter().map(|n| Op::AddForeignKey { table: t(), fk: (*n).clone() }));
        (alters, adds)
    }

    /// Checks: same column and kind of rule; the body is the bound or value list.
    fn checks(&mut self, p: &Pair<'_>) {
        let t = || p.new.name.clone();
        let matched = match_by(&p.old.checks, &p.new.checks, |o, n| {
            p.column_name(&o.column) == Some(n.column.as_str()) && o.rule.suffix() == n.rule.suffix()
        });
        for (o, n) in &matched.pairs {
            if o.rule != n.rule {
                self.adds.push(Op::AlterCheck { table: t(), from: (*o).clone(), to: (*n).clone() });
            } else if o.name != n.name {
                self.renames.push(Op::RenameConstraint { table: t(), from: o.name.clone(), to: n.name.clone() });
            }
        }
        self.drops.extend(matched.gone.iter().map(|o| Op::DropCheck { table: t(), check: (*o).clone() }));
        self.adds.extend(matched.added.iter().map(|n| Op::AddCheck { table: t(), check: (*n).clone() }));
    }

    fn uniques(&mut self, p: &Pair<'_>) {
        let t = || p.new.name.clone();
        // A unique that turns case-insensitive (or back) is another kind of object: one goes, the other comes.
        let matched = match_by(&p.old.uniques, &p.new.uniques, |o, n| {
            p.columns_named(&o.columns).as_deref() == Some(&n.columns[..]) && o.case_insensitive == n.case_insensitive
        });
        for (o, n) in &matched.pairs {
            if o.name != n.name && n.case_insensitive {
                self.renames.push(Op::RenameUniqueIndex { table: t(), from: o.name.clone(), to: (*n).clone() });
            } else if o.name != n.name {
                self.renames.push(Op::RenameConstraint { table: t(), from: o.name.clone(), to: n.name.clone() });
            }
        }
        self.drops.extend(matched.gone.iter().map(|o| Op::DropUnique { table: t(), unique: (*o).clone() }));
        self.adds.extend(matched.added.iter().map(|n| Op::AddUnique { table: t(), unique: (*n).clone() }));
    }

    fn indexes(&mut self, p: &Pair<'_>) {
        let t = || p.new.name.clone();
        let matched = match_by(&p.old.indexes, &p.new.indexes, |o, n| {
            p.columns_named(&o.columns).as_deref() == Some(&n.columns[..])
        });
        for (o, n) in &matched.pairs {
            if o.name != n.name {
                self.renames.push(Op::RenameIndex { table: t(), from: o.name.clone(), to: (*n).clone() });
            }
        }
        self.drops.extend(matched.gone.iter().map(|o| Op::DropIndex { table: t(), index: (*o).clone() }));
        self.adds.extend(matched.added.iter().map(|n| Op::AddIndex { table: t(), index: (*n).clone() }));
    }
}

/// An old foreign key in the new schema's names, or `None` when this migration drops what it names.
fn translate_foreign_key(fk: &ForeignKey, p: &Pair<'_>, m: &Matching<'_>) -> Option<ForeignKey> {
    let ref_table = m.table_name(&fk.ref_table)?;
    let ref_columns = match m.pair_of_new(ref_table) {
        Some(rp) => rp.columns_named(&fk.ref_columns)?,
        None => fk.ref_columns.clone(),
    };
    Some(ForeignKey {
        name: fk.name.clone(),
        columns: p.columns_named(&fk.columns)?,
        ref_table: ref_table.to_owned(),
        ref_columns,
        on_delete: fk.on_delete,
    })
}

struct Matched<'a, T> {
    pairs: Vec<(&'a T, &'a T)>,
    /// Old ones without a new counterpart.
    gone: Vec<&'a T>,
    /// New ones without an old counterpart.
    added: Vec<&'a T>,
}

/// Pairs each new item with the first unpaired old one that `same` accepts (a hand-edited snapshot may
/// hold duplicates; they simply stay unpaired).
fn match_by<'a, T>(old: &'a [T], new: &'a [T], same: impl Fn(&T, &T) -> bool) -> Matched<'a, T> {
    let mut used = vec![false; old.len()];
    let mut pairs = Vec::new();
    let mut added = Vec::new();
    for n in new {
        match (0..old.len()).find(|&i| !used[i] && same(&old[i], n)) {
            Some(i) => {
                used[i] = true;
                pairs.push((&old[i], n));
            }
            None => added.push(n),
        }
    }
    let gone = old.iter().zip(&used).filter(|(_, u)| !**u).map(|(o, _)| o).collect();
    Matched { pairs, gone, added }
}
