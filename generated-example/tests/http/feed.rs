//! The feed: articles by the authors the caller follows, newest first, paged with the total count.

use serde_json::{Value, json};

use crate::support::{
    RequestExt, TestApp, backends, expect_error, expect_error_starting, expect_json, expect_unauthorized, list_item,
    profile,
};

backends!(
    feed_lists_articles_of_followed_authors_newest_first,
    feed_pages_with_the_total_count,
    feed_follows_follows_and_unfollows,
    feed_shows_favorites_as_the_caller_sees_them,
    feed_of_a_user_who_follows_nobody_is_empty,
    feed_requires_a_token,
    feed_of_a_deleted_account_is_a_404,
    feed_rejects_invalid_paging,
);

/// A list item as a follower of its author sees it.
fn followed(article: &Value) -> Value {
    let mut item = list_item(article);
    item["author"]["following"] = json!(true);
    item
}

async fn feed(app: &TestApp, token: &str, query: &str) -> Value {
    expect_json(&app.get(&format!("/api/articles/feed{query}")).token(token).send().await, 200)
}

async fn feed_lists_articles_of_followed_authors_newest_first(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    let alice = app.seeded_user("alice").await;
    let jake1 = app.create_article(&jake, "Jake one", &["dragons"]).await;
    let jane1 = app.create_article(&jane, "Jane one", &[]).await;
    app.create_article(&bob, "Bob one", &["dragons"]).await;
    let jake2 = app.create_article(&jake, "Jake two", &["training", "dragons"]).await;
    app.create_article(&alice, "Alice one", &[]).await;
    let jane2 = app.create_article(&jane, "Jane two", &[]).await;
    app.follow(&alice, "jake").await;
    app.follow(&alice, "jane").await;
    // Others' follows are not alice's.
    app.follow(&bob, "alice").await;

    let body = feed(&app, &alice, "").await;
    assert_eq!(
        body,
        json!({
            "articles": [followed(&jane2), followed(&jake2), followed(&jane1), followed(&jake1)],
            "articlesCount": 4,
        })
    );
    // List items: no body, the author's profile with `following` as alice sees it.
    for item in body["articles"].as_array().expect("a list") {
        assert!(item.get("body").is_none(), "a feed item has a body: {item}");
        assert_eq!(item["author"]["following"], true);
    }
    // Bob's feed has alice's article only; jake's and jane's are empty.
    let bobs = feed(&app, &bob, "").await;
    assert_eq!(bobs["articlesCount"], 1);
    assert_eq!(bobs["articles"][0]["title"], "Alice one");
    assert_eq!(bobs["articles"][0]["author"], profile("alice", true));
    for token in [&jake, &jane] {
        assert_eq!(feed(&app, token, "").await, json!({"articles": [], "articlesCount": 0}));
    }
}

async fn feed_pages_with_the_total_count(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let bob = app.seeded_user("bob").await;
    let alice = app.seeded_user("alice").await;
    let mut created = Vec::new();
    for title in ["One", "Two", "Three", "Four", "Five"] {
        created.push(followed(&app.create_article(&jake, title, &[]).await));
        // Interleaved with articles of someone alice does not follow.
        app.create_article(&bob, &format!("Bob's {title}"), &[]).await;
    }
    created.reverse();
    app.follow(&alice, "jake").await;

    for (limit, offset) in [(2, 0), (2, 2), (2, 4), (3, 1), (5, 0), (100, 0), (1, 4), (2, 5), (2, 100)] {
        let expected: Vec<Value> = created.iter().skip(offset).take(limit).cloned().collect();
        assert_eq!(
            feed(&app, &alice, &format!("?limit={limit}&offset={offset}")).await,
            json!({"articles": expected, "articlesCount": 5}),
            "limit={limit}&offset={offset}"
        );
    }
    // The default page is 20 from the start.
    assert_eq!(feed(&app, &alice, "").await, json!({"articles": created, "articlesCount": 5}));
}

async fn feed_follows_follows_and_unfollows(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let alice = app.seeded_user("alice").await;
    let jakes = app.create_article(&jake, "Jake's", &[]).await;
    let janes = app.create_article(&jane, "Jane's", &[]).await;
    assert_eq!(feed(&app, &alice, "").await, json!({"articles": [], "articlesCount": 0}));

    app.follow(&alice, "jane").await;
    assert_eq!(feed(&app, &alice, "").await, json!({"articles": [followed(&janes)], "articlesCount": 1}));
    app.follow(&alice, "jake").await;
    let both = json!({"articles": [followed(&janes), followed(&jakes)], "articlesCount": 2});
    assert_eq!(feed(&app, &alice, "").await, both);
    // Following twice does not list anything twice.
    app.follow(&alice, "jake").await;
    assert_eq!(feed(&app, &alice, "").await, both);

    let response = app.delete("/api/profiles/jane/follow").token(&alice).send().await;
    expect_json(&response, 200);
    assert_eq!(feed(&app, &alice, "").await, json!({"articles": [followed(&jakes)], "articlesCount": 1}));

    // A new article of a followed author comes first; a deleted one leaves.
    let newer = app.create_article(&jake, "Jake's newer", &[]).await;
    let expected = json!({"articles": [followed(&newer), followed(&jakes)], "articlesCount": 2});
    assert_eq!(feed(&app, &alice, "").await, expected);
    assert_eq!(app.delete("/api/articles/jake-s").token(&jake).send().await.status.as_u16(), 204);
    assert_eq!(feed(&app, &alice, "").await, json!({"articles": [followed(&newer)], "articlesCount": 1}));
}

async fn feed_shows_favorites_as_the_caller_sees_them(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let alice = app.seeded_user("alice").await;
    app.create_article(&jake, "Liked", &["x"]).await;
    app.create_article(&jake, "Unliked", &["y"]).await;
    app.follow(&alice, "jake").await;
    app.follow(&jane, "jake").await;
    app.favorite(&alice, "liked").await;
    app.favorite(&jane, "liked").await;
    app.favorite(&jane, "unliked").await;

    let alices = feed(&app, &alice, "").await;
    let flags: Vec<(&Value, &Value, &Value)> = alices["articles"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| (&a["slug"], &a["favorited"], &a["favoritesCount"]))
        .collect();
    assert_eq!(flags, [(&json!("unliked"), &json!(false), &json!(1)), (&json!("liked"), &json!(true), &json!(2))]);
    let janes = feed(&app, &jane, "").await;
    assert!(janes["articles"].as_array().expect("a list").iter().all(|a| a["favorited"] == true), "{janes}");
}

async fn feed_of_a_user_who_follows_nobody_is_empty(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Own article", &[]).await;
    // Not even one's own articles.
    assert_eq!(feed(&app, &jake, "").await, json!({"articles": [], "articlesCount": 0}));
}

async fn feed_requires_a_token(app: TestApp) {
    expect_unauthorized(&app.get("/api/articles/feed").send().await, "missing Authorization header");
    expect_unauthorized(&app.get("/api/articles/feed").token("garbage").send().await, "the token is malformed");
}

async fn feed_of_a_deleted_account_is_a_404(app: TestApp) {
    let ghost = app.deleted_account_token().await;
    let response = app.get("/api/articles/feed").token(&ghost).send().await;
    expect_error(&response, 404, &["the user of this token no longer exists"]);
}

async fn feed_rejects_invalid_paging(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let get = |query: &'static str| {
        let (app, jake) = (&app, &jake);
        async move { app.get(&format!("/api/articles/feed?{query}")).token(jake).send().await }
    };
    expect_error(&get("limit=abc").await, 422, &["limit must be an integer"]);
    expect_error_starting(&get("limit=99999999999").await, 422, "limit must be ");
    expect_error(&get("limit=0").await, 422, &["limit must be at least 1"]);
    expect_error(&get("limit=101").await, 422, &["limit must be at most 100"]);
    expect_error(&get("offset=-1").await, 422, &["offset must be at least 0"]);
    expect_error(&get("limit=0&offset=-1").await, 422, &["limit must be at least 1", "offset must be at least 0"]);
}
