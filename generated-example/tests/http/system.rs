//! Routes every generated server has, and what happens off the API's routes.

use serde_json::{Value, json};

use crate::support::{RequestExt, TestApp, backends, expect_error, expect_json};

backends!(
    health_and_readiness,
    openapi_document_lists_every_operation,
    docs_page,
    unknown_route_is_a_404,
    no_trailing_slash_variants,
    wrong_method_is_a_405
);

async fn health_and_readiness(app: TestApp) {
    let health = app.get("/healthz").send().await;
    assert_eq!(expect_json(&health, 200), json!({"status": "ok"}));
    assert!(health.header("x-request-id").is_some_and(|id| !id.is_empty()), "no request id: {:?}", health.headers);
    assert_eq!(expect_json(&app.get("/readyz").send().await, 200), json!({"status": "ok"}));
}

async fn openapi_document_lists_every_operation(app: TestApp) {
    let document = expect_json(&app.get("/openapi.json").send().await, 200);
    assert_eq!(document["openapi"], "3.0.3");
    assert_eq!(document["info"]["title"], "Conduit");
    let mut operations: Vec<&str> = document["paths"]
        .as_object()
        .expect("paths is an object")
        .values()
        .flat_map(|item| item.as_object().expect("a path item is an object").values())
        .filter_map(|operation| operation.get("operationId").and_then(Value::as_str))
        .collect();
    operations.sort_unstable();
    let yaml = app.get("/openapi.yaml").send().await;
    assert_eq!(yaml.status.as_u16(), 200);
    assert_eq!(yaml.header("content-type"), Some("application/yaml"));
    assert!(yaml.text().starts_with("openapi: "), "{}", yaml.text());
    assert!(yaml.text().contains("operationId: create_article\n"), "{}", yaml.text());
    assert_eq!(
        operations,
        [
            "add_comment",
            "create_article",
            "current_user",
            "delete_article",
            "delete_comment",
            "favorite_article",
            "feed",
            "follow_user",
            "get_article",
            "get_profile",
            "list_articles",
            "list_comments",
            "list_tags",
            "login",
            "register",
            "unfavorite_article",
            "unfollow_user",
            "update_article",
            "update_user",
        ]
    );
}

async fn docs_page(app: TestApp) {
    let redirect = app.get("/docs").send().await;
    assert!(redirect.status.is_redirection(), "{}", redirect.status);
    assert_eq!(redirect.header("location"), Some("docs/"));

    let page = app.get("/docs/").send().await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text());
    assert!(page.header("content-type").unwrap_or("").starts_with("text/html"), "{:?}", page.headers);
    assert!(page.text().to_ascii_lowercase().contains("<html"), "not HTML: {}", page.text());
}

async fn unknown_route_is_a_404(app: TestApp) {
    expect_error(&app.get("/api/nope").send().await, 404, &["no route for GET /api/nope"]);
}

/// Every route has one spelling: the same path with a trailing slash is no route at all, not a redirect
/// nor a second route.
async fn no_trailing_slash_variants(app: TestApp) {
    let token = app.seeded_user("jake").await;
    app.seeded_user("jane").await;
    app.create_article(&token, "Title", &[]).await;
    for (method, path) in [
        ("GET", "/api/articles/"),
        ("POST", "/api/articles/"),
        ("GET", "/api/articles/title/"),
        ("PUT", "/api/articles/title/"),
        ("DELETE", "/api/articles/title/"),
        ("GET", "/api/articles/feed/"),
        ("POST", "/api/articles/title/favorite/"),
        ("DELETE", "/api/articles/title/favorite/"),
        ("GET", "/api/profiles/jane/"),
        ("POST", "/api/profiles/jane/follow/"),
        ("DELETE", "/api/profiles/jane/follow/"),
        ("GET", "/api/tags/"),
        ("GET", "/api/user/"),
        ("POST", "/api/users/"),
        ("POST", "/api/users/login/"),
    ] {
        let response = app.request(method, path).token(&token).send().await;
        expect_error(&response, 404, &[&format!("no route for {method} {path}")]);
    }
    // Nothing happened on the way: the article is there and unfavorited, jane unfollowed.
    let article = expect_json(&app.get("/api/articles/title").token(&token).send().await, 200);
    assert_eq!(article["article"]["favoritesCount"], 0);
    let jane = expect_json(&app.get("/api/profiles/jane").token(&token).send().await, 200);
    assert_eq!(jane["profile"]["following"], false);
}

async fn wrong_method_is_a_405(app: TestApp) {
    expect_error(&app.request("DELETE", "/api/user").send().await, 405, &["DELETE is not allowed on this path"]);
}
