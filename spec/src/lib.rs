//! Charter's spec language: YAML files in, a validated and located IR (or every diagnostic) out.
//!
//! Invariant: this crate depends on nothing of Rust code generation, SQL drivers or HTTP (no syn, quote, axum
//! or sqlx); of the generated code it knows only the names a spec must leave free (Rust keywords, prelude
//! names, the items generated from each spec name). Parsing never panics on any input; it collects every
//! problem it can find and returns them all.

mod diag;
pub mod ir;
mod load;
mod parse;
mod resolve;
mod source;
mod suggest;
mod yaml;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use ir::*;
pub use load::{load_dir, load_files};
pub use resolve::{MAX_IDENT_LEN, is_rust_keyword, is_snake_ident};
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use suggest::did_you_mean;

/// Converts `snake_case` or `camelCase` to `PascalCase`.
pub fn pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = true;
    for c in s.chars() {
        if c == '_' || c == '-' || c == ' ' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Converts `PascalCase` or `camelCase` to `snake_case`.
pub fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c == '-' || c == ' ' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// Converts `snake_case` to `camelCase`.
pub fn camel_case(s: &str) -> String {
    let p = pascal_case(s);
    let mut chars = p.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod case_tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal_case("create_article"), "CreateArticle");
        assert_eq!(snake_case("tagList"), "tag_list");
        assert_eq!(snake_case("ArticleOut"), "article_out");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(camel_case("favorites_count"), "favoritesCount");
    }
}
