//! Articles and tags: create, get, list, list tags.

use serde_json::{Value, json};

use crate::support::{
    RequestExt, TestApp, backends, expect_error, expect_error_starting, expect_json, expect_recent_timestamp,
    expect_unauthorized, take,
};

backends!(
    create_article_returns_the_article,
    create_article_gives_a_repeated_title_a_distinct_slug,
    create_article_requires_a_token,
    create_article_for_a_deleted_account_is_a_client_error,
    create_article_lists_every_invalid_field,
    create_article_lists_every_missing_field,
    get_article_by_slug,
    get_article_of_an_unknown_slug_is_a_404,
    list_articles_newest_first_with_filters,
    list_articles_pages_with_the_total_count,
    list_articles_rejects_invalid_paging,
    list_tags_returns_every_tag_once,
);

/// Jake's profile as others see it: nobody follows anybody in these scenarios.
fn profile(username: &str) -> Value {
    json!({"username": username, "bio": null, "image": null, "following": false})
}

/// Checks and removes `createdAt` and `updatedAt` (equal on a new article), returning `createdAt`.
fn without_timestamps(article: &mut Value) -> Value {
    let created_at = take(article, "createdAt");
    let updated_at = take(article, "updatedAt");
    expect_recent_timestamp(&created_at);
    assert_eq!(created_at, updated_at, "a new article was never updated");
    created_at
}

/// A list item: the article without its body.
fn list_item(article: &Value) -> Value {
    let mut item = article.clone();
    take(&mut item, "body");
    item
}

fn new_article(title: &str, description: &str, body: &str, tags: &[&str]) -> Value {
    json!({"article": {"title": title, "description": description, "body": body, "tagList": tags}})
}

async fn create_article_returns_the_article(app: TestApp) {
    // Registered through the API: the token `register` issues creates articles.
    let token = app.token_of("jake").await;
    let request = new_article(
        "How to train your dragon",
        "Ever wonder how?",
        "You have to believe",
        &["training", "dragons", "training"],
    );
    let response = app.post("/api/articles", &request).token(&token).send().await;
    let mut body = expect_json(&response, 201);
    let mut article = take(&mut body, "article");
    assert_eq!(body, json!({}), "the response holds only `article`");
    without_timestamps(&mut article);
    assert_eq!(
        article,
        json!({
            "slug": "how-to-train-your-dragon",
            "title": "How to train your dragon",
            "description": "Ever wonder how?",
            "body": "You have to believe",
            "tagList": ["dragons", "training"],
            "favorited": false,
            "favoritesCount": 0,
            "author": profile("jake"),
        })
    );

    // Without tags (absent or null), the list is empty.
    for (title, slug, tags) in [("No tags", "no-tags", None), ("Null tags", "null-tags", Some(Value::Null))] {
        let mut untagged = json!({"article": {"title": title, "description": "d", "body": "b"}});
        if let Some(tags) = tags {
            untagged["article"]["tagList"] = tags;
        }
        let response = app.post("/api/articles", &untagged).token(&token).send().await;
        let mut article = expect_json(&response, 201)["article"].clone();
        without_timestamps(&mut article);
        assert_eq!(
            article,
            json!({
                "slug": slug,
                "title": title,
                "description": "d",
                "body": "b",
                "tagList": [],
                "favorited": false,
                "favoritesCount": 0,
                "author": profile("jake"),
            })
        );
    }
}

async fn create_article_gives_a_repeated_title_a_distinct_slug(app: TestApp) {
    let token = app.seeded_user("jake").await;
    let first = app.create_article(&token, "Hello, World!", &[]).await;
    let second = app.create_article(&token, "Hello, World!", &[]).await;
    let third = app.create_article(&token, "hello world", &[]).await;
    let slugs: Vec<&str> = [&first, &second, &third].iter().map(|a| a["slug"].as_str().expect("a slug")).collect();
    assert_eq!(slugs[0], "hello-world");
    for slug in &slugs[1..] {
        assert!(slug.starts_with("hello-world-") && slug.len() > "hello-world-".len(), "slug `{slug}`");
    }
    assert!(slugs[1] != slugs[2], "slugs {slugs:?} are not distinct");
    // Each slug finds its own article.
    for (slug, article) in slugs.iter().zip([&first, &second, &third]) {
        let found = expect_json(&app.get(&format!("/api/articles/{slug}")).send().await, 200);
        assert_eq!(&found["article"], article);
    }
}

async fn create_article_requires_a_token(app: TestApp) {
    let request = new_article("Title", "Description", "Body", &[]);
    expect_unauthorized(&app.post("/api/articles", &request).send().await, "missing Authorization header");
    let response = app.post("/api/articles", &request).token("garbage").send().await;
    expect_unauthorized(&response, "the token is malformed");
    // Nothing was created.
    let list = expect_json(&app.get("/api/articles").send().await, 200);
    assert_eq!(list, json!({"articles": [], "articlesCount": 0}));
}

/// A well-signed token can outlive its user. `GET /api/user` and `PUT /api/user` answer 404 "the user of
/// this token no longer exists"; creating an article must not be a 500 either.
async fn create_article_for_a_deleted_account_is_a_client_error(app: TestApp) {
    let token = app.deleted_account_token().await;
    let request = new_article("Title", "Description", "Body", &[]);
    let response = app.post("/api/articles", &request).token(&token).send().await;
    let status = response.status.as_u16();
    assert!(status == 401 || status == 404, "expected 401 or 404, got {status} {}", response.text());
    expect_error_starting(&response, status, "");
}

async fn create_article_lists_every_invalid_field(app: TestApp) {
    let token = app.seeded_user("jake").await;
    let long_tag = "t".repeat(65);
    let request = new_article("", "", "", &["ok", "", &long_tag]);
    expect_error(
        &app.post("/api/articles", &request).token(&token).send().await,
        422,
        &[
            "article.title must be at least 1 character long",
            "article.description must be at least 1 character long",
            "article.body must be at least 1 character long",
            "article.tagList[1] must be at least 1 character long",
            "article.tagList[2] must be at most 64 characters long",
        ],
    );

    let tags: Vec<String> = (0..21).map(|i| format!("tag{i}")).collect();
    let request = json!({"article": {"title": "t".repeat(256), "description": "d", "body": "b", "tagList": tags}});
    expect_error(
        &app.post("/api/articles", &request).token(&token).send().await,
        422,
        &["article.title must be at most 255 characters long", "article.tagList must contain at most 20 items"],
    );

    let request = json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": ["a", 1]}});
    expect_error(
        &app.post("/api/articles", &request).token(&token).send().await,
        422,
        &["article.tagList[1] must be a string"],
    );

    // Nothing was created.
    let list = expect_json(&app.get("/api/articles").send().await, 200);
    assert_eq!(list, json!({"articles": [], "articlesCount": 0}));
}

async fn create_article_lists_every_missing_field(app: TestApp) {
    let token = app.seeded_user("jake").await;
    let request = json!({"article": {"tagList": ["x"]}});
    expect_error(
        &app.post("/api/articles", &request).token(&token).send().await,
        422,
        &["article.title is required", "article.description is required", "article.body is required"],
    );
}

async fn get_article_by_slug(app: TestApp) {
    let token = app.seeded_user("jake").await;
    let created = app.create_article(&token, "How to train your dragon", &["dragons"]).await;

    let anonymous = expect_json(&app.get("/api/articles/how-to-train-your-dragon").send().await, 200);
    assert_eq!(anonymous, json!({"article": created}));
    let mut article = anonymous["article"].clone();
    let created_at = without_timestamps(&mut article);
    assert_eq!(created_at, created["createdAt"]);

    let signed_in = app.get("/api/articles/how-to-train-your-dragon").token(&token).send().await;
    assert_eq!(expect_json(&signed_in, 200), json!({"article": created}));

    // auth is optional, but a token that is present must be valid.
    let bad = app.get("/api/articles/how-to-train-your-dragon").token("garbage").send().await;
    expect_unauthorized(&bad, "the token is malformed");
}

async fn get_article_of_an_unknown_slug_is_a_404(app: TestApp) {
    expect_error(
        &app.get("/api/articles/no-such-article").send().await,
        404,
        &["no article with slug `no-such-article`"],
    );
}

async fn list_articles_newest_first_with_filters(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let a1 = app.create_article(&jake, "First", &["dragons"]).await;
    let a2 = app.create_article(&jane, "Second", &["training", "dragons"]).await;
    let a3 = app.create_article(&jake, "Third", &[]).await;
    let items = |articles: &[&Value]| articles.iter().map(|a| list_item(a)).collect::<Vec<_>>();
    let list = |query: &'static str| {
        let app = &app;
        async move { expect_json(&app.get(&format!("/api/articles{query}")).send().await, 200) }
    };

    let all = list("").await;
    assert_eq!(all, json!({"articles": items(&[&a3, &a2, &a1]), "articlesCount": 3}));
    for item in all["articles"].as_array().expect("a list") {
        assert!(item.get("body").is_none(), "a list item has a body: {item}");
        expect_recent_timestamp(&item["createdAt"]);
    }
    // With a token, the same list (nobody follows or favorites anybody).
    let signed_in = expect_json(&app.get("/api/articles").token(&jane).send().await, 200);
    assert_eq!(signed_in, all);

    assert_eq!(list("?tag=dragons").await, json!({"articles": items(&[&a2, &a1]), "articlesCount": 2}));
    assert_eq!(list("?tag=training").await, json!({"articles": items(&[&a2]), "articlesCount": 1}));
    assert_eq!(list("?author=jake").await, json!({"articles": items(&[&a3, &a1]), "articlesCount": 2}));
    assert_eq!(list("?author=jane").await, json!({"articles": items(&[&a2]), "articlesCount": 1}));
    assert_eq!(list("?tag=dragons&author=jake").await, json!({"articles": items(&[&a1]), "articlesCount": 1}));
    assert_eq!(list("?tag=training&author=jake").await, json!({"articles": [], "articlesCount": 0}));
    assert_eq!(list("?tag=nothing").await, json!({"articles": [], "articlesCount": 0}));
    assert_eq!(list("?author=nobody").await, json!({"articles": [], "articlesCount": 0}));
    // Empty values are absent values.
    assert_eq!(list("?tag=&author=").await, all);
}

async fn list_articles_pages_with_the_total_count(app: TestApp) {
    let token = app.seeded_user("jake").await;
    let mut created = Vec::new();
    for title in ["One", "Two", "Three", "Four", "Five"] {
        created.push(list_item(&app.create_article(&token, title, &["paging"]).await));
    }
    created.reverse();
    let page = |query: String| {
        let app = &app;
        async move { expect_json(&app.get(&format!("/api/articles?{query}")).send().await, 200) }
    };
    for (limit, offset) in [(2, 0), (2, 2), (2, 4), (3, 1), (5, 0), (100, 0), (1, 4), (2, 5), (2, 100)] {
        let expected: Vec<Value> = created.iter().skip(offset).take(limit).cloned().collect();
        assert_eq!(
            page(format!("limit={limit}&offset={offset}")).await,
            json!({"articles": expected, "articlesCount": 5}),
            "limit={limit}&offset={offset}"
        );
    }
    // Paging combines with filters; the count is of every match.
    assert_eq!(
        page("tag=paging&author=jake&limit=1&offset=1".to_owned()).await,
        json!({"articles": [created[1]], "articlesCount": 5})
    );
    // The default page is 20 from the start.
    assert_eq!(page(String::new()).await, json!({"articles": created, "articlesCount": 5}));
}

async fn list_articles_rejects_invalid_paging(app: TestApp) {
    let get = |query: &'static str| {
        let app = &app;
        async move { app.get(&format!("/api/articles?{query}")).send().await }
    };
    expect_error(&get("limit=abc").await, 422, &["limit must be an integer"]);
    expect_error(&get("limit=1.5").await, 422, &["limit must be an integer"]);
    // Beyond the wire type's range: the message may name that range or the spec's bound.
    expect_error_starting(&get("limit=99999999999").await, 422, "limit must be ");
    expect_error(&get("limit=0").await, 422, &["limit must be at least 1"]);
    expect_error(&get("limit=1000").await, 422, &["limit must be at most 100"]);
    expect_error(&get("offset=-1").await, 422, &["offset must be at least 0"]);
    expect_error(&get("limit=0&offset=-1").await, 422, &["limit must be at least 1", "offset must be at least 0"]);
    expect_error(&get("limit=1&limit=2").await, 422, &["limit must be given only once"]);
    // auth is optional, but a token that is present must be valid.
    expect_unauthorized(&app.get("/api/articles").token("garbage").send().await, "the token is malformed");
}

async fn list_tags_returns_every_tag_once(app: TestApp) {
    assert_eq!(expect_json(&app.get("/api/tags").send().await, 200), json!({"tags": []}));
    let token = app.seeded_user("jake").await;
    app.create_article(&token, "First", &["dragons", "training"]).await;
    app.create_article(&token, "Second", &["zebras", "dragons"]).await;
    let tags = expect_json(&app.get("/api/tags").send().await, 200);
    assert_eq!(tags, json!({"tags": ["dragons", "training", "zebras"]}));
}
