//! Table order: referenced tables first, so that PostgreSQL can resolve every `REFERENCES` as it reads
//! the DDL top to bottom. Ties (and cycles) are broken by name, so the order never depends on spec layout.

use std::collections::{BTreeMap, BTreeSet};

use super::schema::Table;

pub fn dependency_order(tables: Vec<Table>) -> Vec<Table> {
    let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    // table -> tables it references (self references and unknown tables do not constrain the order).
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in &tables {
        let entry = deps.entry(t.name.clone()).or_default();
        for fk in &t.foreign_keys {
            if fk.ref_table != t.name && names.contains(&fk.ref_table) {
                entry.insert(fk.ref_table.clone());
            }
        }
    }

    let mut by_name: BTreeMap<String, Table> = tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut out = Vec::with_capacity(by_name.len());
    while !deps.is_empty() {
        let next = deps
            .iter()
            .find(|(_, d)| d.is_empty())
            .map(|(n, _)| n.clone())
            // A reference cycle: take the first remaining table by name; `ddl` adds the forward
            // references afterwards where the dialect needs it.
            .or_else(|| deps.keys().next().cloned());
        let Some(next) = next else { break };
        deps.remove(&next);
        for d in deps.values_mut() {
            d.remove(&next);
        }
        if let Some(t) = by_name.remove(&next) {
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::schema::{ForeignKey, ReferentialAction};

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.to_owned(),
            columns: vec![],
            primary_key: vec![],
            foreign_keys: refs
                .iter()
                .map(|r| ForeignKey {
                    name: format!("fk_{name}_{r}"),
                    columns: vec![format!("{r}_id")],
                    ref_table: (*r).to_owned(),
                    ref_columns: vec!["id".to_owned()],
                    on_delete: ReferentialAction::Cascade,
                })
                .collect(),
            uniques: vec![],
            indexes: vec![],
            checks: vec![],
            renamed_from: None,
        }
    }

    fn names(tables: Vec<Table>) -> Vec<String> {
        dependency_order(tables).into_iter().map(|t| t.name).collect()
    }

    #[test]
    fn referenced_tables_come_first_ties_by_name() {
        let got = names(vec![
            table("articles_tags", &["articles", "tags"]),
            table("articles", &["users"]),
            table("tags", &[]),
            table("users", &[]),
            table("comments", &["comments", "articles", "users"]),
        ]);
        assert_eq!(got, ["tags", "users", "articles", "articles_tags", "comments"]);
    }

    #[test]
    fn cycles_are_broken_by_name() {
        let got = names(vec![table("b", &["a"]), table("a", &["b"]), table("c", &["a"])]);
        assert_eq!(got, ["a", "b", "c"]);
    }
}
