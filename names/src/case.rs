//! Case conversion, the one copy: names in the spec are snake_case or camelCase, Rust types PascalCase.

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

/// Converts `PascalCase` or `camelCase` to `snake_case`, keeping acronyms whole (`HTTPServer` is
/// `http_server`).
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

/// The inverse of [`pascal_case`] on snake_case names: a `_` before every capital but the first
/// (`GetXY` is `get_x_y`, where [`snake_case`] reads an acronym and gives `get_xy`).
pub fn snake_of_pascal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
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
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal_case("create_article"), "CreateArticle");
        assert_eq!(snake_case("tagList"), "tag_list");
        assert_eq!(snake_case("ArticleOut"), "article_out");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(camel_case("favorites_count"), "favoritesCount");
        assert_eq!(snake_of_pascal("GetXY"), "get_x_y");
        assert_eq!(snake_of_pascal(&pascal_case("list_v2_items")), "list_v2_items");
    }
}
