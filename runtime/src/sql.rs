//! SQL text helpers for generated queries.

use std::fmt::Write;

use crate::db::Backend;

/// `$start, $start+1, ...` for `count` parameters: the inside of an `IN (...)` list.
pub fn placeholders(start: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    for n in start..start + count {
        if n > start {
            out.push_str(", ");
        }
        let _ = write!(out, "${n}");
    }
    out
}

/// `expr` with the ASCII letters `A`-`Z` folded to `a`-`z` and nothing else changed, as a unique index of a
/// `unique: case_insensitive` field folds its values (the generator writes the same text: lookups must
/// repeat the index's expression to use it). SQLite's built-in `lower()` folds ASCII only; PostgreSQL's
/// does under the "C" collation, whatever the database's locale.
pub fn fold_case(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("lower({expr})"),
        Backend::Postgres => format!("lower({expr} COLLATE \"C\")"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders() {
        assert_eq!(super::placeholders(1, 3), "$1, $2, $3");
        assert_eq!(super::placeholders(4, 1), "$4");
        assert_eq!(super::placeholders(1, 0), "");
    }
}
