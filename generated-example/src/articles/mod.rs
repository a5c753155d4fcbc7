//! Use cases of the `articles` app.

mod create_article;
mod get_article;
mod list_articles;
mod list_tags;

/// A URL-safe slug of a title: lowercase ASCII words joined by `-`.
pub(crate) fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "article".to_string() } else { slug.chars().take(200).collect() }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("How to train your dragon"), "how-to-train-your-dragon");
        assert_eq!(slugify("  Ünïcode & more!! "), "n-code-more");
        assert_eq!(slugify("!!!"), "article");
    }
}
