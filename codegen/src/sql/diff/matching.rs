//! Which old table is which new table, and which old column is which new column: by name, then by the
//! spec's `renamed_from` hints, so that a rename is never a drop and an add.

use std::collections::{BTreeMap, BTreeSet};

use crate::sql::schema::{Column, Schema, Table};

/// An old table and the new table it becomes (same name, or renamed).
pub(super) struct Pair<'a> {
    pub old: &'a Table,
    pub new: &'a Table,
    /// (old column, new column) for every column that survives, in the new table's order.
    pub columns: Vec<(&'a Column, &'a Column)>,
}

pub(super) struct Matching<'a> {
    /// In the new schema's order.
    pub pairs: Vec<Pair<'a>>,
    /// New tables without an old one, in the new schema's (dependency) order.
    pub created: Vec<&'a Table>,
    /// Old tables without a new one, in the old schema's (dependency) order.
    pub dropped: Vec<&'a Table>,
    /// Old name -> new name of every table that survives.
    tables: BTreeMap<&'a str, &'a str>,
}

impl<'a> Matching<'a> {
    pub fn new(old: &'a Schema, new: &'a Schema) -> Matching<'a> {
        let mut taken: BTreeSet<&str> = BTreeSet::new();
        let mut partner: Vec<Option<&Table>> = new
            .tables
            .iter()
            .map(|t| {
                let o = old.table(&t.name);
                if o.is_some() {
                    taken.insert(t.name.as_str());
                }
                o
            })
            .collect();
        // A hint counts only when it names an old table that is gone from the new schema: once the rename
        // is migrated, the snapshot has the new name and the (still written) hint is ignored. The first
        // table to claim an old one gets it.
        for (i, t) in new.tables.iter().enumerate() {
            if partner[i].is_some() {
                continue;
            }
            let Some(from) = t.renamed_from.as_deref() else { continue };
            if let Some(o) = old.table(from)
                && new.table(from).is_none()
                && taken.insert(from)
            {
                partner[i] = Some(o);
            }
        }

        let tables: BTreeMap<&str, &str> = new
            .tables
            .iter()
            .zip(&partner)
            .filter_map(|(n, o)| o.map(|o| (o.name.as_str(), n.name.as_str())))
            .collect();
        let mut pairs = Vec::new();
        let mut created = Vec::new();
        for (n, o) in new.tables.iter().zip(partner) {
            match o {
                Some(o) => pairs.push(Pair { old: o, new: n, columns: Vec::new() }),
                None => created.push(n),
            }
        }
        let dropped = old.tables.iter().filter(|t| !tables.contains_key(t.name.as_str())).collect();
        let mut m = Matching { pairs, created, dropped, tables };
        let columns: Vec<_> = m.pairs.iter().map(|p| match_columns(p.old, p.new, &m)).collect();
        for (p, cols) in m.pairs.iter_mut().zip(columns) {
            p.columns = cols;
        }
        m
    }

    /// The new name of an old table, when it survives.
    pub fn table_name(&self, old: &str) -> Option<&'a str> {
        self.tables.get(old).copied()
    }

    pub fn pair_of_new(&self, new: &str) -> Option<&Pair<'a>> {
        self.pairs.iter().find(|p| p.new.name == new)
    }
}

impl Pair<'_> {
    /// The new name of an old column, when it survives.
    pub fn column_name(&self, old: &str) -> Option<&str> {
        self.columns.iter().find(|(o, _)| o.name == old).map(|(_, n)| n.name.as_str())
    }

    /// Old column names translated to new ones; `None` when one of them is dropped.
    pub fn columns_named(&self, old: &[String]) -> Option<Vec<String>> {
        old.iter().map(|c| self.column_name(c).map(str::to_owned)).collect()
    }

    pub fn old_column(&self, new: &str) -> Option<&Column> {
        self.columns.iter().find(|(_, n)| n.name == new).map(|(o, _)| *o)
    }
}

fn match_columns<'a>(old: &'a Table, new: &'a Table, m: &Matching<'_>) -> Vec<(&'a Column, &'a Column)> {
    let mut partner: Vec<Option<&Column>> = new.columns.iter().map(|c| old.column(&c.name)).collect();
    let mut taken: BTreeSet<&str> = partner.iter().flatten().map(|c| c.name.as_str()).collect();
    for (i, c) in new.columns.iter().enumerate() {
        if partner[i].is_some() {
            continue;
        }
        let Some(from) = c.renamed_from.as_deref() else { continue };
        if let Some(o) = old.column(from)
            && new.column(from).is_none()
            && taken.insert(from)
        {
            partner[i] = Some(o);
        }
    }
    // A many-to-many join table has no field to put a hint on: its columns are named after the models it
    // joins, so renaming a model renames them. Each column is the key of one side, so the old and new
    // column in the same position that reference the same table are the same column.
    if is_join_table(old) && is_join_table(new) {
        for (i, c) in new.columns.iter().enumerate() {
            if partner[i].is_some() {
                continue;
            }
            let Some(o) = old.columns.get(i) else { continue };
            let target = |t: &Table, col: &str| {
                t.foreign_keys.iter().find(|f| f.columns == [col.to_owned()]).map(|f| f.ref_table.clone())
            };
            let old_target = target(old, &o.name).map(|r| m.table_name(&r).map_or(r.clone(), str::to_owned));
            if old_target.is_some() && old_target == target(new, &c.name) && taken.insert(o.name.as_str()) {
                partner[i] = Some(o);
            }
        }
    }
    new.columns.iter().zip(partner).filter_map(|(n, o)| o.map(|o| (o, n))).collect()
}

/// Two columns, both the primary key and each a foreign key: what `from_spec` makes of a many-to-many.
fn is_join_table(t: &Table) -> bool {
    t.columns.len() == 2
        && t.primary_key.len() == 2
        && t.columns.iter().zip(&t.primary_key).all(|(c, k)| &c.name == k)
        && t.columns.iter().all(|c| t.foreign_keys.iter().any(|f| f.columns == [c.name.clone()]))
}
