//! Response bodies. Field order and names follow the generated types, so both servers write the same
//! bytes; timestamps use chrono's own serialization, as the generated types do.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

/// An article; lists leave out the body, a single article has it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tag_list: Vec<String>,
    pub favorited: bool,
    pub favorites_count: i32,
    pub author: Profile,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub articles_count: i32,
}

#[derive(Serialize)]
pub struct SingleArticle {
    pub article: Article,
}

#[derive(Serialize)]
pub struct TagList {
    pub tags: Vec<String>,
}

#[derive(Serialize)]
pub struct User {
    pub email: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub token: String,
}

#[derive(Serialize)]
pub struct SingleUser {
    pub user: User,
}
