//! Migration descriptions (the part of the file name after the version): the user's `--name`, checked,
//! or one derived from what the migration does, e.g. `add_articles_views`.

use super::error::MigrationError;
use crate::sql::diff::Op;

/// sqlx reads the description from the file name; longer names only get unwieldy.
const MAX_LEN: usize = 64;

/// `Add tags` -> `add_tags`; anything else than letters, digits, `_`, `-` and spaces is refused rather
/// than guessed at.
pub(super) fn from_name(name: &str) -> Result<String, MigrationError> {
    let d: String =
        name.trim().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() }).collect();
    let ok = !d.is_empty() && d.len() <= MAX_LEN && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok { Ok(d) } else { Err(MigrationError::Name { name: name.to_owned() }) }
}

/// Named after the table and column steps (constraint and index steps only when there is nothing
/// else), as many as fit, then `_and_more`.
pub(super) fn from_ops(ops: &[Op]) -> String {
    let mut main: Vec<String> = ops.iter().filter_map(|op| fragment(op, false)).collect();
    if main.is_empty() {
        main = ops.iter().filter_map(|op| fragment(op, true)).collect();
    }
    main.dedup();
    const AND_MORE: &str = "_and_more";
    let mut out = String::new();
    for (i, f) in main.iter().enumerate() {
        let more = if i + 1 < main.len() { AND_MORE.len() } else { 0 };
        if out.is_empty() {
            if f.len() + more <= MAX_LEN {
                out.push_str(f);
                continue;
            }
            // One step with long names: cut it, at a `_` if there is one (fragments are ASCII).
            let cut = &f[..MAX_LEN - more];
            out.push_str(cut.rsplit_once('_').map_or(cut, |(head, _)| head));
            if more > 0 {
                out.push_str(AND_MORE);
            }
            break;
        }
        if out.len() + 1 + f.len() + more > MAX_LEN {
            // Room for this was kept when the previous fragment went in.
            out.push_str(AND_MORE);
            break;
        }
        out.push('_');
        out.push_str(f);
    }
    if out.is_empty() { "changes".to_owned() } else { out }
}

fn fragment(op: &Op, constraints: bool) -> Option<String> {
    let parts: Vec<&str> = match (op, constraints) {
        (Op::CreateTable { table }, false) => vec!["create", &table.name],
        (Op::DropTable { table }, false) => vec!["drop", &table.name],
        (Op::RenameTable { from, to }, false) => vec!["rename", from, "to", to],
        (Op::AddColumn { table, column }, false) => vec!["add", table, &column.name],
        (Op::DropColumn { table, column }, false) => vec!["drop", table, &column.name],
        (Op::RenameColumn { table, from, to }, false) => vec!["rename", table, from, "to", to],
        (Op::AlterColumn { table, to, .. }, false) => vec!["alter", table, &to.name],
        (Op::ChangePrimaryKey { table, .. }, false) => vec!["alter", table, "key"],
        (Op::AddUnique { unique, .. }, true) => vec!["add", &unique.name],
        (Op::DropUnique { unique, .. }, true) => vec!["drop", &unique.name],
        (Op::AddCheck { check, .. }, true) => vec!["add", &check.name],
        (Op::DropCheck { check, .. }, true) => vec!["drop", &check.name],
        (Op::AlterCheck { to, .. }, true) => vec!["alter", &to.name],
        (Op::AddForeignKey { fk, .. }, true) => vec!["add", &fk.name],
        (Op::DropForeignKey { fk, .. }, true) => vec!["drop", &fk.name],
        (Op::AlterForeignKey { to, .. }, true) => vec!["alter", &to.name],
        (Op::AddIndex { index, .. }, true) => vec!["add", &index.name],
        (Op::DropIndex { index, .. }, true) => vec!["drop", &index.name],
        (Op::RenameConstraint { to, .. }, true) => vec!["rename", to],
        (Op::RenameIndex { to, .. }, true) => vec!["rename", &to.name],
        (Op::RenameUniqueIndex { to, .. }, true) => vec!["rename", &to.name],
        _ => return None,
    };
    let s = sanitize(&parts.join("_"));
    (!s.is_empty()).then_some(s)
}

/// Lowercase ASCII letters, digits and single `_`: table names may hold anything a quoted identifier can.
fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' };
        if c != '_' || !out.ends_with('_') {
            out.push(c);
        }
    }
    out.trim_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::schema::{Column, ColumnType, Index};

    fn col(name: &str) -> Column {
        Column {
            name: name.into(),
            ty: ColumnType::Int,
            nullable: true,
            default: None,
            auto_increment: false,
            renamed_from: None,
            backfill: None,
        }
    }

    #[test]
    fn names() {
        assert_eq!(from_name("Add tags").ok(), Some("add_tags".to_owned()));
        assert_eq!(from_name("add-tags").ok(), Some("add_tags".to_owned()));
        assert!(from_name("").is_err());
        assert!(from_name("../evil").is_err());
        assert!(from_name("a.b").is_err());
        assert!(from_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn derived_from_the_steps() {
        let add = |t: &str, c: &str| Op::AddColumn { table: t.into(), column: col(c) };
        let index = Op::AddIndex {
            table: "articles".into(),
            index: Index { name: "ix_articles_views".into(), columns: vec!["views".into()] },
        };
        assert_eq!(from_ops(&[add("articles", "views"), index.clone()]), "add_articles_views");
        assert_eq!(from_ops(&[index]), "add_ix_articles_views");
        assert_eq!(
            from_ops(&[Op::RenameColumn { table: "Weird Table".into(), from: "a\"b".into(), to: "é".into() }]),
            "rename_weird_table_a_b_to"
        );
        let many: Vec<Op> = (0..10).map(|i| add("articles", &format!("column_{i}"))).collect();
        let name = from_ops(&many);
        assert!(name.starts_with("add_articles_column_0_add_articles_column_1_"), "{name}");
        assert!(name.ends_with("_and_more") && name.len() <= MAX_LEN, "{name}");
        assert_eq!(from_ops(&[add(&"t".repeat(40), &"c".repeat(40))]), format!("add_{}", "t".repeat(40)));
        assert_eq!(from_ops(&[]), "changes");
        assert!(from_name(&from_ops(&many)).is_ok());
    }
}
