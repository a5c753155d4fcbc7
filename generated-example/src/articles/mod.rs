//! Use cases of the `articles` app.

mod comments;
mod create_article;
mod delete_article;
mod favorite;
mod feed;
mod get_article;
mod list_articles;
mod list_tags;
mod update_article;

use crate::api::articles::prelude::*;

/// The article with this slug, if any.
pub(crate) async fn by_slug(ctx: &Ctx, slug: &str) -> Result<Option<models::Article>, DbError> {
    models::Article::get_by_slug(ctx.db(), slug).await
}

/// One article as the caller sees it.
pub(crate) async fn article(ctx: &Ctx, row: &models::Article, caller: Option<&Caller>) -> Result<Article, DbError> {
    let mut loaded = Article::load(ctx.db(), std::slice::from_ref(row), caller).await?;
    loaded.pop().ok_or_else(|| DbError::NotFound)
}

/// Why a write that refers to the caller and an article failed its foreign key: the caller's account or
/// the article was deleted meanwhile.
pub(crate) async fn gone(ctx: &Ctx, caller: &Caller) -> Result<String, DbError> {
    Ok(match crate::core::caller_row(ctx, caller).await? {
        None => "the user of this token no longer exists".to_owned(),
        Some(_) => "the article no longer exists".to_owned(),
    })
}

/// Whether the caller wrote this article.
pub(crate) fn is_author(row: &models::Article, caller: &Caller) -> bool {
    caller.subject.parse::<i64>().is_ok_and(|id| id == row.author_id)
}

/// Slugs that would name another route under `/api/articles/` (`GET /api/articles/feed` is the feed), so
/// that an article with one could never be read, updated or deleted.
const RESERVED_SLUGS: &[&str] = &["feed"];

/// A URL-safe slug of a title: lowercase ASCII words joined by `-`; never a [reserved](RESERVED_SLUGS) one.
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
    if slug.is_empty() {
        "article".to_string()
    } else if RESERVED_SLUGS.contains(&slug) {
        format!("{slug}-1")
    } else {
        slug.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("How to train your dragon"), "how-to-train-your-dragon");
        assert_eq!(slugify("  Ünïcode & more!! "), "n-code-more");
        assert_eq!(slugify("!!!"), "article");
        assert_eq!(slugify("Feed!"), "feed-1");
        assert_eq!(slugify("Feed me"), "feed-me");
    }
}
