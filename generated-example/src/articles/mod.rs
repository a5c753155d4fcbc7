//! Use cases of the `articles` app.

mod create_article;
mod get_article;
mod list_articles;
mod list_tags;

use std::collections::{BTreeMap, BTreeSet};

use charter_runtime::{Caller, Ctx, DbError};

use crate::api::articles::models;
use crate::api::core::{self, Profile};

/// What an article response adds to its row: tags, favorites, and the author's profile.
pub(crate) struct Related {
    pub tag_list: Vec<String>,
    pub favorited: bool,
    pub favorites_count: i32,
    pub author: Profile,
}

/// Loads the related data of many articles with a fixed number of queries (authors, tag links, tags,
/// favorite links, the caller's follows): never one query per article.
pub(crate) async fn load_related(
    ctx: &Ctx,
    rows: &[models::Article],
    caller: Option<&Caller>,
) -> Result<Vec<Related>, DbError> {
    let db = ctx.db();
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let author_ids: Vec<i64> = rows.iter().map(|a| a.author_id).collect::<BTreeSet<_>>().into_iter().collect();
    let authors: BTreeMap<i64, core::models::User> =
        core::models::User::get_many(db, &author_ids).await?.into_iter().map(|u| (u.id, u)).collect();

    let tag_links = models::Article::tags_keys(db, &ids).await?;
    let tag_ids: Vec<i64> = tag_links.iter().map(|(_, t)| *t).collect::<BTreeSet<_>>().into_iter().collect();
    let tags: BTreeMap<i64, String> =
        models::Tag::get_many(db, &tag_ids).await?.into_iter().map(|t| (t.id, t.name)).collect();

    let favorites = models::Article::favorited_by_keys(db, &ids).await?;
    let caller_id = caller.and_then(|c| c.subject.parse::<i64>().ok());
    let followed: BTreeSet<i64> = match caller_id {
        Some(id) => core::models::User::following_keys(db, &[id]).await?.into_iter().map(|(_, f)| f).collect(),
        None => BTreeSet::new(),
    };

    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut tag_list: Vec<String> =
            tag_links.iter().filter(|(a, _)| *a == row.id).filter_map(|(_, t)| tags.get(t).cloned()).collect();
        tag_list.sort();
        let fans = favorites.iter().filter(|(a, _)| *a == row.id);
        let favorites_count = fans.clone().count() as i32;
        let favorited = caller_id.is_some_and(|me| fans.clone().any(|(_, u)| *u == me));
        let author = match authors.get(&row.author_id) {
            Some(u) => Profile::from_model(u, followed.contains(&u.id)),
            None => return Err(DbError::Decode(format!("article {} has no author {}", row.id, row.author_id).into())),
        };
        out.push(Related { tag_list, favorited, favorites_count, author });
    }
    Ok(out)
}

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
