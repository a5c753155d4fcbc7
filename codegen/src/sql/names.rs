//! Constraint and index names: derived from table and column names so that they are stable across runs
//! and meaningful in database error messages.

/// PostgreSQL silently truncates identifiers to 63 bytes, which could make two long names collide. The spec
/// owns the number: it rejects longer table and column names where they are written.
pub const MAX_IDENT_LEN: usize = charter_spec::MAX_IDENT_LEN;

/// `<prefix>_<table>_<col1>_<col2>[_<suffix>]`, shortened with a hash when it would exceed
/// [`MAX_IDENT_LEN`].
pub fn constraint_name(prefix: &str, table: &str, columns: &[String], suffix: Option<&str>) -> String {
    let mut name = format!("{prefix}_{table}");
    for c in columns {
        name.push('_');
        name.push_str(c);
    }
    if let Some(s) = suffix {
        name.push('_');
        name.push_str(s);
    }
    shorten(&name)
}

/// Keeps names within the limit; the hash of the full name keeps shortened names distinct.
pub fn shorten(name: &str) -> String {
    if name.len() <= MAX_IDENT_LEN {
        return name.to_owned();
    }
    let hash = format!("{:08x}", fnv1a(name.as_bytes()) as u32);
    let keep = MAX_IDENT_LEN - hash.len() - 1;
    let mut cut = keep;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}", &name[..cut])
}

/// The name PostgreSQL gives an object it names itself (`<table>_pkey`, `<table>_<column>_seq`): like its
/// `makeObjectName`, it cuts the longer of the two parts first until everything fits in 63 bytes.
pub fn pg_implicit_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX_IDENT_LEN.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    match name2 {
        Some(n) => format!("{}_{}_{label}", clip(name1, n1), clip(n, n2)),
        None => format!("{}_{label}", clip(name1, n1)),
    }
}

/// FNV-1a: tiny, stable across Rust versions and platforms (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        let cols = vec!["author_id".to_owned(), "created_at".to_owned()];
        assert_eq!(constraint_name("ix", "articles", &cols, None), "ix_articles_author_id_created_at");
        assert_eq!(
            constraint_name("ck", "users", &["username".to_owned()], Some("min_length")),
            "ck_users_username_min_length"
        );
    }

    #[test]
    fn long_names_are_shortened_distinctly() {
        let a = constraint_name("ix", &"t".repeat(40), &["a".repeat(40)], None);
        let b = constraint_name("ix", &"t".repeat(40), &["a".repeat(39)], None);
        assert_eq!(a.len(), MAX_IDENT_LEN);
        assert_ne!(a, b);
        assert_eq!(a, constraint_name("ix", &"t".repeat(40), &["a".repeat(40)], None));
    }

    #[test]
    fn postgres_implicit_names() {
        assert_eq!(pg_implicit_name("articles", None, "pkey"), "articles_pkey");
        assert_eq!(pg_implicit_name("articles", Some("id"), "seq"), "articles_id_seq");
        let long = "t".repeat(63);
        assert_eq!(pg_implicit_name(&long, None, "pkey"), format!("{}_pkey", "t".repeat(58)));
        assert_eq!(pg_implicit_name(&long, Some("id"), "seq"), format!("{}_id_seq", "t".repeat(56)));
        assert_eq!(pg_implicit_name(&format!("a{}", "é".repeat(31)), None, "pkey").len(), 62);
    }

    #[test]
    fn shortening_respects_char_boundaries() {
        let name = format!("ix_{}", "é".repeat(40));
        let short = shorten(&name);
        assert!(short.len() <= MAX_IDENT_LEN);
    }
}
