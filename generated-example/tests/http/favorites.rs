//! Favorites: favorite and unfavorite an article, and the articles list filtered by who favorited them.

use serde_json::{Value, json};

use crate::support::{
    RequestExt, TestApp, backends, expect_error, expect_json, expect_unauthorized, list_item, profile,
};

backends!(
    favorite_returns_the_article_as_the_caller_sees_it,
    favorite_counts_every_user_and_shows_each_their_own,
    favorite_and_unfavorite_are_idempotent,
    unfavorite_removes_only_the_callers_own_favorite,
    favorite_and_unfavorite_require_a_token,
    favorite_and_unfavorite_of_an_unknown_slug_are_404s,
    favorite_for_a_deleted_account_is_a_404,
    unfavorite_for_a_deleted_account_is_a_404,
    favorite_and_unfavorite_accept_a_bodyless_json_request,
    list_articles_filtered_by_favorited,
);

fn favorite_path(slug: &str) -> String {
    format!("/api/articles/{slug}/favorite")
}

/// `article` as a caller with this `favorited` flag sees it, when `count` users favorited it.
fn seen(article: &Value, favorited: bool, count: u64) -> Value {
    let mut article = article.clone();
    article["favorited"] = json!(favorited);
    article["favoritesCount"] = json!(count);
    article
}

async fn favorite_returns_the_article_as_the_caller_sees_it(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let created = app.create_article(&jake, "How to train your dragon", &["dragons", "training"]).await;

    let response = app.request("POST", &favorite_path("how-to-train-your-dragon")).token(&jane).send().await;
    let favorited = expect_json(&response, 200);
    // The created article but for the two fields: favoriting changes nothing else, `updatedAt` included.
    assert_eq!(favorited, json!({"article": seen(&created, true, 1)}));
    // Jane does not follow the author by favoriting.
    assert_eq!(favorited["article"]["author"], profile("jake", false));

    // Stored: jane sees her favorite; the author and an anonymous reader see the count only.
    assert_eq!(app.article("how-to-train-your-dragon", Some(&jane)).await, seen(&created, true, 1));
    assert_eq!(app.article("how-to-train-your-dragon", Some(&jake)).await, seen(&created, false, 1));
    assert_eq!(app.article("how-to-train-your-dragon", None).await, seen(&created, false, 1));

    let response = app.delete(&favorite_path("how-to-train-your-dragon")).token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, false, 0)}));
    assert_eq!(app.article("how-to-train-your-dragon", Some(&jane)).await, created);
    assert_eq!(app.article("how-to-train-your-dragon", None).await, created);

    // Authors may favorite their own articles.
    assert_eq!(app.favorite(&jake, "how-to-train-your-dragon").await, seen(&created, true, 1));
}

async fn favorite_counts_every_user_and_shows_each_their_own(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    let alice = app.seeded_user("alice").await;
    let first = app.create_article(&jake, "First", &["a"]).await;
    let second = app.create_article(&jake, "Second", &["b"]).await;
    app.favorite(&jane, "first").await;
    assert_eq!(app.favorite(&bob, "first").await, seen(&first, true, 2));
    app.favorite(&bob, "second").await;

    for (token, first_seen, second_seen) in [
        (Some(&jane), seen(&first, true, 2), seen(&second, false, 1)),
        (Some(&bob), seen(&first, true, 2), seen(&second, true, 1)),
        (Some(&alice), seen(&first, false, 2), seen(&second, false, 1)),
        (None, seen(&first, false, 2), seen(&second, false, 1)),
    ] {
        let token = token.map(String::as_str);
        assert_eq!(app.article("first", token).await, first_seen);
        assert_eq!(app.article("second", token).await, second_seen);
        // Lists show the same, item by item.
        let mut request = app.get("/api/articles");
        if let Some(token) = token {
            request = request.token(token);
        }
        let list = expect_json(&request.send().await, 200);
        assert_eq!(list, json!({"articles": [list_item(&second_seen), list_item(&first_seen)], "articlesCount": 2}));
    }
}

async fn favorite_and_unfavorite_are_idempotent(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let created = app.create_article(&jake, "Title", &[]).await;
    for _ in 0..2 {
        assert_eq!(app.favorite(&jane, "title").await, seen(&created, true, 1));
    }
    assert_eq!(app.article("title", None).await, seen(&created, false, 1));
    // Favoriting twice made one favorite: one unfavorite undoes it, a second changes nothing.
    for _ in 0..2 {
        let response = app.delete(&favorite_path("title")).token(&jane).send().await;
        assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, false, 0)}));
    }
    assert_eq!(app.article("title", Some(&jane)).await, created);
    // Unfavoriting what one never favorited is no error either.
    let response = app.delete(&favorite_path("title")).token(&jake).send().await;
    assert_eq!(expect_json(&response, 200), json!({"article": created}));
}

/// One user's token never changes another's data.
async fn unfavorite_removes_only_the_callers_own_favorite(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    let created = app.create_article(&jake, "Title", &[]).await;
    app.favorite(&jane, "title").await;
    app.favorite(&bob, "title").await;

    let response = app.delete(&favorite_path("title")).token(&bob).send().await;
    assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, false, 1)}));
    assert_eq!(app.article("title", Some(&jane)).await, seen(&created, true, 1));
    // The author cannot take readers' favorites away either.
    let response = app.delete(&favorite_path("title")).token(&jake).send().await;
    assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, false, 1)}));
    assert_eq!(app.article("title", Some(&jane)).await, seen(&created, true, 1));
    let list = expect_json(&app.get("/api/articles?favorited=jane").send().await, 200);
    assert_eq!(list, json!({"articles": [list_item(&seen(&created, false, 1))], "articlesCount": 1}));
}

async fn favorite_and_unfavorite_require_a_token(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let created = app.create_article(&jake, "Title", &[]).await;
    app.favorite(&jane, "title").await;
    for method in ["POST", "DELETE"] {
        let response = app.request(method, &favorite_path("title")).send().await;
        expect_unauthorized(&response, "missing Authorization header");
        let response = app.request(method, &favorite_path("title")).token("garbage").send().await;
        expect_unauthorized(&response, "the token is malformed");
    }
    // Nothing changed.
    assert_eq!(app.article("title", Some(&jane)).await, seen(&created, true, 1));
}

async fn favorite_and_unfavorite_of_an_unknown_slug_are_404s(app: TestApp) {
    let jane = app.seeded_user("jane").await;
    for method in ["POST", "DELETE"] {
        let response = app.request(method, &favorite_path("no-such-article")).token(&jane).send().await;
        expect_error(&response, 404, &["no article with slug `no-such-article`"]);
    }
}

async fn favorite_for_a_deleted_account_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let created = app.create_article(&jake, "Title", &[]).await;
    let ghost = app.deleted_account_token().await;
    let response = app.request("POST", &favorite_path("title")).token(&ghost).send().await;
    expect_error(&response, 404, &["the user of this token no longer exists"]);
    assert_eq!(app.article("title", None).await, created);
}

async fn unfavorite_for_a_deleted_account_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let created = app.create_article(&jake, "Title", &[]).await;
    let ghost = app.deleted_account_token().await;
    let response = app.delete(&favorite_path("title")).token(&ghost).send().await;
    expect_error(&response, 404, &["the user of this token no longer exists"]);
    assert_eq!(app.article("title", None).await, created);
}

/// Clients often send `Content-Type: application/json` on every request, with an empty body on the
/// bodyless ones; a body on them is ignored.
async fn favorite_and_unfavorite_accept_a_bodyless_json_request(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let created = app.create_article(&jake, "Title", &[]).await;
    let response = app.post_raw(&favorite_path("title"), "application/json", "").token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, true, 1)}));
    let response = app
        .delete(&favorite_path("title"))
        .header("content-type", "application/json")
        .body("")
        .token(&jane)
        .send()
        .await;
    assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, false, 0)}));
    let response = app.post_raw(&favorite_path("title"), "application/json", "{}").token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"article": seen(&created, true, 1)}));
}

async fn list_articles_filtered_by_favorited(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    let a1 = app.create_article(&jake, "First", &["dragons"]).await;
    let a2 = app.create_article(&jane, "Second", &["dragons"]).await;
    let a3 = app.create_article(&jake, "Third", &["training"]).await;
    app.create_article(&bob, "Fourth", &["dragons"]).await;
    for slug in ["first", "third"] {
        app.favorite(&jane, slug).await;
    }
    for slug in ["first", "second"] {
        app.favorite(&bob, slug).await;
    }
    let (a1, a2, a3) = (seen(&a1, false, 2), seen(&a2, false, 1), seen(&a3, false, 1));
    let items = |articles: &[&Value]| articles.iter().map(|a| list_item(a)).collect::<Vec<_>>();
    let list = |query: &'static str, token: Option<&'static str>| {
        let app = &app;
        let token = token.map(|name| if name == "jane" { jane.clone() } else { bob.clone() });
        async move {
            let mut request = app.get(&format!("/api/articles{query}"));
            if let Some(token) = &token {
                request = request.token(token);
            }
            expect_json(&request.send().await, 200)
        }
    };

    assert_eq!(list("?favorited=jane", None).await, json!({"articles": items(&[&a3, &a1]), "articlesCount": 2}));
    assert_eq!(list("?favorited=bob", None).await, json!({"articles": items(&[&a2, &a1]), "articlesCount": 2}));
    assert_eq!(list("?favorited=jake", None).await, json!({"articles": [], "articlesCount": 0}));
    assert_eq!(list("?favorited=nobody", None).await, json!({"articles": [], "articlesCount": 0}));
    // Combined with the other filters and with paging; the count is of every match.
    let both = list("?favorited=jane&tag=dragons", None).await;
    assert_eq!(both, json!({"articles": items(&[&a1]), "articlesCount": 1}));
    let both = list("?favorited=bob&author=jane", None).await;
    assert_eq!(both, json!({"articles": items(&[&a2]), "articlesCount": 1}));
    let paged = list("?favorited=jane&limit=1&offset=1", None).await;
    assert_eq!(paged, json!({"articles": items(&[&a1]), "articlesCount": 2}));
    // As the filtering user sees it: each item is favorited by them.
    let janes = list("?favorited=jane", Some("jane")).await;
    assert_eq!(janes, json!({"articles": items(&[&seen(&a3, true, 1), &seen(&a1, true, 2)]), "articlesCount": 2}));
    // As another user sees it: their own favorites only.
    let bobs_view = list("?favorited=jane", Some("bob")).await;
    assert_eq!(bobs_view, json!({"articles": items(&[&a3, &seen(&a1, true, 2)]), "articlesCount": 2}));
    // An empty value is not an absent one.
    expect_error(&app.get("/api/articles?favorited=").send().await, 422, &["favorited must not be empty"]);
}
