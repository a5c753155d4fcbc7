//! `GET /api/articles` and `GET /api/articles/{slug}`.
//!
//! An article is read in one statement: the author comes from a join, and the tags, the favorites count
//! and the caller's favorite and follow from correlated subqueries, so a page costs the same two
//! statements (the page and its total) whatever its size.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use sqlx::query::Query as SqlQuery;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};

use crate::AppState;
use crate::auth::MaybeCaller;
use crate::db::{Backend, with_pool};
use crate::error::ApiError;
use crate::json::{Article, ArticleList, Profile, SingleArticle};

const DEFAULT_LIMIT: i32 = 20;
const MAX_LIMIT: i32 = 100;

/// The model's ordering, newest first, with the id as a tie-break so that pages never overlap.
const ORDER: &str = "a.created_at DESC, a.id DESC";

pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<ArticleList>, ApiError> {
    let Query(pairs) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let params = ListParams::parse(&pairs)?;
    let caller_id = caller.and_then(|c| c.user_id);

    let mut binds = Vec::new();
    let filters = filters(&params, &mut binds);
    let count_sql = format!("SELECT count(*) FROM articles a{filters}");
    let count_binds = binds.len();
    binds.push(Param::Int(params.limit.into()));
    binds.push(Param::Int(params.offset.into()));
    let (limit, offset) = (binds.len() - 1, binds.len());
    let caller_param = caller_id.map(|id| {
        binds.push(Param::Int(id));
        binds.len()
    });
    let columns = columns(state.db.backend(), false, caller_param);
    // Page first, then join and compute: the subqueries run for the rows of the page only.
    let page_sql = format!(
        "SELECT {columns} FROM (\
            SELECT a.id, a.slug, a.title, a.description, a.author_id, a.created_at, a.updated_at \
            FROM articles a{filters} ORDER BY {ORDER} LIMIT ${limit} OFFSET ${offset}\
         ) a JOIN users u ON u.id = a.author_id ORDER BY {ORDER}"
    );

    let (total, articles) = with_pool!(&state.db, pool => {
        let total: i64 = bind(sqlx::query(&count_sql), &binds[..count_binds]).fetch_one(pool).await?.try_get(0)?;
        let rows = bind(sqlx::query(&page_sql), &binds).fetch_all(pool).await?;
        let articles = rows.iter().map(|row| article(row, false)).collect::<Result<Vec<_>, _>>()?;
        (total, articles)
    });
    Ok(Json(ArticleList { articles, articles_count: saturating_i32(total) }))
}

pub async fn get_one(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    MaybeCaller(caller): MaybeCaller,
) -> Result<Json<SingleArticle>, ApiError> {
    // A single `{slug}` segment fails to extract only when its percent-decoding is not UTF-8.
    let Path(slug) = path.map_err(|_| ApiError::BadRequest("a path parameter is not valid UTF-8".to_owned()))?;
    let caller_id = caller.and_then(|c| c.user_id);
    let columns = columns(state.db.backend(), true, caller_id.map(|_| 2));
    let sql = format!("SELECT {columns} FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1");
    let found = with_pool!(&state.db, pool => {
        let mut query = sqlx::query(&sql).bind(slug.as_str());
        if let Some(id) = caller_id {
            query = query.bind(id);
        }
        match query.fetch_optional(pool).await? {
            Some(row) => Some(article(&row, true)?),
            None => None,
        }
    });
    let article = found.ok_or_else(|| ApiError::NotFound(format!("no article with slug `{slug}`")))?;
    Ok(Json(SingleArticle { article }))
}

/// The query string of `GET /api/articles`, read by the generated server's rules: an empty value is no
/// value, a repeated one is an error, and every problem is reported at once.
struct ListParams<'q> {
    tag: Option<&'q str>,
    author: Option<&'q str>,
    favorited: Option<&'q str>,
    limit: i32,
    offset: i32,
}

impl<'q> ListParams<'q> {
    fn parse(pairs: &'q [(String, String)]) -> Result<ListParams<'q>, ApiError> {
        let mut errors = Vec::new();
        let tag = single(pairs, "tag", &mut errors);
        let author = single(pairs, "author", &mut errors);
        let favorited = single(pairs, "favorited", &mut errors);
        let limit = integer(pairs, "limit", &mut errors).unwrap_or(DEFAULT_LIMIT);
        let offset = integer(pairs, "offset", &mut errors).unwrap_or(0);
        if limit < 1 {
            errors.push("limit must be at least 1".to_owned());
        } else if limit > MAX_LIMIT {
            errors.push(format!("limit must be at most {MAX_LIMIT}"));
        }
        if offset < 0 {
            errors.push("offset must be at least 0".to_owned());
        }
        if errors.is_empty() {
            Ok(ListParams { tag, author, favorited, limit, offset })
        } else {
            Err(ApiError::Invalid(errors))
        }
    }
}

fn single<'q>(pairs: &'q [(String, String)], name: &str, errors: &mut Vec<String>) -> Option<&'q str> {
    let mut values = pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
    match (values.next(), values.next()) {
        (None, _) | (Some(""), None) => None,
        (Some(value), None) => Some(value),
        (Some(_), Some(_)) => {
            errors.push(format!("{name} must be given only once"));
            None
        }
    }
}

fn integer(pairs: &[(String, String)], name: &str, errors: &mut Vec<String>) -> Option<i32> {
    let text = single(pairs, name, errors)?;
    match text.trim().parse::<i32>() {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(match e.kind() {
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                    format!("{name} must be an integer from {} to {}", i32::MIN, i32::MAX)
                }
                _ => format!("{name} must be an integer"),
            });
            None
        }
    }
}

enum Param<'q> {
    Text(&'q str),
    Int(i64),
}

/// ` WHERE ...` for the filters given (empty without any), pushing their values onto `binds`.
fn filters<'q>(params: &ListParams<'q>, binds: &mut Vec<Param<'q>>) -> String {
    let mut conditions = Vec::new();
    if let Some(tag) = params.tag {
        binds.push(Param::Text(tag));
        conditions.push(format!(
            "a.id IN (SELECT l.article_id FROM articles_tags l JOIN tags t ON t.id = l.tag_id WHERE t.name = ${})",
            binds.len()
        ));
    }
    if let Some(author) = params.author {
        binds.push(Param::Text(author));
        conditions.push(format!("a.author_id IN (SELECT id FROM users WHERE username = ${})", binds.len()));
    }
    if let Some(favorited) = params.favorited {
        binds.push(Param::Text(favorited));
        conditions.push(format!(
            "a.id IN (SELECT f.article_id FROM articles_favorited_by f JOIN users fu ON fu.id = f.user_id \
             WHERE fu.username = ${})",
            binds.len()
        ));
    }
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

/// The select list of an article as the caller (the user id bound at `$caller`) sees it, over `a`
/// (articles) joined with `u` (its author).
fn columns(backend: Backend, body: bool, caller: Option<usize>) -> String {
    // The tags come as a JSON array so that one column type serves both backends.
    let tags = match backend {
        Backend::Postgres => "(SELECT coalesce(json_agg(t.name), '[]')::text",
        Backend::Sqlite => "(SELECT json_group_array(t.name)",
    };
    let (favorited, following) = match caller {
        Some(n) => (
            format!("EXISTS (SELECT 1 FROM articles_favorited_by f WHERE f.article_id = a.id AND f.user_id = ${n})"),
            format!(
                "EXISTS (SELECT 1 FROM users_following uf WHERE uf.user_id = ${n} AND uf.following_id = a.author_id)"
            ),
        ),
        None => ("FALSE".to_owned(), "FALSE".to_owned()),
    };
    format!(
        "a.slug, a.title, a.description, {body}a.created_at, a.updated_at, \
         {tags} FROM articles_tags l JOIN tags t ON t.id = l.tag_id WHERE l.article_id = a.id) AS tag_list, \
         {favorited} AS favorited, \
         (SELECT count(*) FROM articles_favorited_by f WHERE f.article_id = a.id) AS favorites_count, \
         u.username, u.bio, u.image, {following} AS following",
        body = if body { "a.body, " } else { "" },
    )
}

fn bind<'q, DB>(
    mut query: SqlQuery<'q, DB, <DB as Database>::Arguments<'q>>,
    params: &'q [Param<'q>],
) -> SqlQuery<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    &'q str: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(*text),
            Param::Int(n) => query.bind(*n),
        };
    }
    query
}

/// One row of [`columns`] as the response's article.
fn article<'r, R>(row: &'r R, body: bool) -> Result<Article, ApiError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    let tags: String = row.try_get("tag_list")?;
    let mut tag_list: Vec<String> = serde_json::from_str(&tags).map_err(|e| {
        eprintln!("tag list is not a JSON array of strings: {e}");
        ApiError::Internal
    })?;
    // Byte order, whatever the database's collation: the order the generated server gives.
    tag_list.sort_unstable();
    Ok(Article {
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        body: if body { Some(row.try_get("body")?) } else { None },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        tag_list,
        favorited: row.try_get("favorited")?,
        favorites_count: saturating_i32(row.try_get("favorites_count")?),
        author: Profile {
            username: row.try_get("username")?,
            bio: row.try_get("bio")?,
            image: row.try_get("image")?,
            following: row.try_get("following")?,
        },
    })
}

fn saturating_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
