//! Constraint and index names: derived from table and column names so that they are stable across runs
//! and meaningful in database error messages.

/// PostgreSQL silently truncates identifiers to 63 bytes, which could make two long names collide.
pub const MAX_IDENT_LEN: usize = 63;

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
    fn shortening_respects_char_boundaries() {
        let name = format!("ix_{}", "é".repeat(40));
        let short = shorten(&name);
        assert!(short.len() <= MAX_IDENT_LEN);
    }
}
