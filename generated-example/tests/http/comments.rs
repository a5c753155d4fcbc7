//! Comments: list an article's comments, add one, delete one (its author only), and the comments going
//! with their article.

use std::io::Write;

use conduit_example::api::articles::models;
use serde_json::{Value, json};

use crate::support::{
    RequestExt, TestApp, backends, expect_error, expect_error_starting, expect_json, expect_recent_timestamp,
    expect_unauthorized, foreign_token, profile, take,
};

backends!(
    add_comment_returns_the_comment,
    list_comments_oldest_first_as_the_caller_sees_them,
    list_comments_of_an_unknown_article_is_a_404,
    list_comments_rejects_an_invalid_token,
    add_comment_requires_a_token,
    add_comment_to_an_unknown_article_is_a_404,
    add_comment_for_a_deleted_account_is_a_404,
    add_comment_lists_every_invalid_field,
    add_comment_ignores_fields_the_client_cannot_set,
    add_comment_rejects_a_missing_or_malformed_body,
    delete_comment_by_its_author_removes_it,
    delete_comment_by_another_user_is_a_403_and_changes_nothing,
    delete_comment_of_an_unknown_id_is_a_404,
    delete_comment_of_another_articles_comment_is_a_404,
    delete_comment_requires_a_token,
    delete_comment_rejects_an_id_that_is_not_an_integer,
    delete_comment_accepts_a_bodyless_json_request,
    delete_article_removes_its_comments,
    a_list_of_comments_costs_the_same_statements_whatever_its_length,
);

fn comments_path(slug: &str) -> String {
    format!("/api/articles/{slug}/comments")
}

fn comment_path(slug: &str, id: i64) -> String {
    format!("/api/articles/{slug}/comments/{id}")
}

/// The `id` of a `comment` object: a JSON integer.
fn id_of(comment: &Value) -> i64 {
    assert!(comment["id"].is_i64(), "the id is not an integer: {comment}");
    comment["id"].as_i64().expect("an integer id")
}

/// Adds a comment through the API as the owner of `token`; returns the `comment` object.
async fn add_comment(app: &TestApp, token: &str, slug: &str, body: &str) -> Value {
    let response = app.post(&comments_path(slug), &json!({"comment": {"body": body}})).token(token).send().await;
    expect_json(&response, 200)["comment"].clone()
}

/// The response to listing the comments of `slug` as the owner of `token` (or, with `None`, anybody).
async fn list_comments(app: &TestApp, slug: &str, token: Option<&str>) -> Value {
    let mut request = app.get(&comments_path(slug));
    if let Some(token) = token {
        request = request.token(token);
    }
    expect_json(&request.send().await, 200)
}

/// `comment` as a caller who does (or does not) follow its author sees it.
fn seen(comment: &Value, following: bool) -> Value {
    let mut comment = comment.clone();
    comment["author"]["following"] = json!(following);
    comment
}

/// Every comment row in the database, of any article.
async fn stored_comments(app: &TestApp) -> Vec<models::Comment> {
    let every = models::CommentFilter::default();
    let (rows, total) = models::Comment::page(app.db(), &every, i64::MAX, 0).await.expect("the comments should load");
    assert_eq!(total, rows.len() as i64);
    rows
}

/// Asserts a 204 with an empty body.
fn expect_no_content(response: &charter_runtime::testing::TestResponse) {
    assert_eq!(response.status.as_u16(), 204, "{} {}", response.status, response.text());
    assert!(response.body.is_empty(), "a 204 has no body: {}", response.text());
}

async fn add_comment_returns_the_comment(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let changes = json!({"user": {"bio": "I like to skateboard", "image": "https://example.com/jane.png"}});
    expect_json(&app.put("/api/user", &changes).token(&jane).send().await, 200);
    app.create_article(&jake, "How to train your dragon", &["dragons"]).await;
    let article = app.article("how-to-train-your-dragon", None).await;
    // Jane follows the article's author; her own comment's author is herself, whom nobody follows.
    app.follow(&jane, "jake").await;

    let request = json!({"comment": {"body": "Thank you so much!"}});
    let response = app.post(&comments_path("how-to-train-your-dragon"), &request).token(&jane).send().await;
    let mut body = expect_json(&response, 200);
    let comment = take(&mut body, "comment");
    assert_eq!(body, json!({}), "the response holds only `comment`");
    // Exactly the contract's fields.
    let mut keys: Vec<&str> = comment.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["author", "body", "createdAt", "id", "updatedAt"]);

    let mut rest = comment.clone();
    let id = take(&mut rest, "id");
    assert!(id.as_i64().is_some_and(|id| id > 0), "the id is not a positive integer: {id}");
    let created_at = take(&mut rest, "createdAt");
    let updated_at = take(&mut rest, "updatedAt");
    expect_recent_timestamp(&created_at);
    expect_recent_timestamp(&updated_at);
    assert_eq!(created_at, updated_at, "a new comment was never updated");
    assert_eq!(
        rest,
        json!({
            "body": "Thank you so much!",
            "author": {
                "username": "jane",
                "bio": "I like to skateboard",
                "image": "https://example.com/jane.png",
                "following": false,
            },
        })
    );

    // Stored as returned.
    let listed = json!({"comments": [comment]});
    assert_eq!(list_comments(&app, "how-to-train-your-dragon", None).await, listed);
    assert_eq!(list_comments(&app, "how-to-train-your-dragon", Some(&jane)).await, listed);

    // The same body again is another comment, with a larger id; the author may comment too.
    let again = add_comment(&app, &jane, "how-to-train-your-dragon", "Thank you so much!").await;
    assert!(id_of(&again) > id_of(&comment), "ids grow: {again} after {comment}");
    assert_eq!(again["body"], "Thank you so much!");
    let own = add_comment(&app, &jake, "how-to-train-your-dragon", "You are welcome").await;
    assert_eq!(own["author"], profile("jake", false));
    assert_eq!(
        list_comments(&app, "how-to-train-your-dragon", None).await["comments"].as_array().map(Vec::len),
        Some(3)
    );

    // Commenting changes nothing of the article, `updatedAt` included.
    assert_eq!(app.article("how-to-train-your-dragon", None).await, article);
}

async fn list_comments_oldest_first_as_the_caller_sees_them(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    let alice = app.seeded_user("alice").await;
    app.create_article(&jake, "Dragons", &[]).await;
    app.create_article(&jake, "Other", &[]).await;
    // No comments yet: an empty list, for anybody.
    assert_eq!(list_comments(&app, "dragons", None).await, json!({"comments": []}));
    assert_eq!(list_comments(&app, "dragons", Some(&alice)).await, json!({"comments": []}));

    let c1 = add_comment(&app, &jane, "dragons", "First!").await;
    let c2 = add_comment(&app, &bob, "dragons", "Second").await;
    let elsewhere = add_comment(&app, &jane, "other", "Elsewhere").await;
    let c3 = add_comment(&app, &jake, "dragons", "Thanks, both").await;
    let c4 = add_comment(&app, &jane, "dragons", "You're welcome").await;
    let ids: Vec<i64> = [&c1, &c2, &elsewhere, &c3, &c4].iter().map(|c| id_of(c)).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow in creation order: {ids:?}");

    app.follow(&alice, "jane").await;
    app.follow(&alice, "jake").await;
    app.follow(&jane, "bob").await;

    // Anybody: the comments as they were returned (nobody follows themselves), oldest first.
    let anonymous = list_comments(&app, "dragons", None).await;
    assert_eq!(anonymous, json!({"comments": [c1, c2, c3, c4]}));
    let stamps: Vec<_> = anonymous["comments"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| expect_recent_timestamp(&c["createdAt"]))
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "oldest first: {stamps:?}");
    // Each caller sees `following` of each author as they follow them.
    assert_eq!(
        list_comments(&app, "dragons", Some(&alice)).await,
        json!({"comments": [seen(&c1, true), c2, seen(&c3, true), seen(&c4, true)]})
    );
    assert_eq!(list_comments(&app, "dragons", Some(&jane)).await, json!({"comments": [c1, seen(&c2, true), c3, c4]}));
    assert_eq!(list_comments(&app, "dragons", Some(&bob)).await, json!({"comments": [c1, c2, c3, c4]}));
    // Another article's comments are its own.
    assert_eq!(list_comments(&app, "other", None).await, json!({"comments": [elsewhere]}));
    assert_eq!(list_comments(&app, "other", Some(&alice)).await, json!({"comments": [seen(&elsewhere, true)]}));
}

async fn list_comments_of_an_unknown_article_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let unknown = app.get(&comments_path("no-such-article")).send().await;
    expect_error(&unknown, 404, &["no article with slug `no-such-article`"]);
    let unknown = app.get(&comments_path("no-such-article")).token(&jake).send().await;
    expect_error(&unknown, 404, &["no article with slug `no-such-article`"]);
}

async fn list_comments_rejects_an_invalid_token(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    add_comment(&app, &jake, "title", "A comment").await;
    // auth is optional, but a token that is present must be valid.
    let response = app.get(&comments_path("title")).token("garbage").send().await;
    expect_unauthorized(&response, "the token is malformed");
    let response = app.get(&comments_path("title")).token(&foreign_token("1")).send().await;
    expect_unauthorized(&response, "the token signature is invalid");
}

async fn add_comment_requires_a_token(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let request = json!({"comment": {"body": "Anonymous words"}});
    let path = comments_path("title");
    expect_unauthorized(&app.post(&path, &request).send().await, "missing Authorization header");
    expect_unauthorized(&app.post(&path, &request).token("garbage").send().await, "the token is malformed");
    let foreign = app.post(&path, &request).token(&foreign_token("1")).send().await;
    expect_unauthorized(&foreign, "the token signature is invalid");
    let expired = app.post(&path, &request).token(&app.sign("1", -3600)).send().await;
    expect_unauthorized(&expired, "the token has expired");
    // Nothing was added.
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": []}));
}

async fn add_comment_to_an_unknown_article_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let request = json!({"comment": {"body": "Hello?"}});
    let response = app.post(&comments_path("no-such-article"), &request).token(&jake).send().await;
    expect_error(&response, 404, &["no article with slug `no-such-article`"]);
    assert!(stored_comments(&app).await.is_empty(), "a comment was stored");
}

async fn add_comment_for_a_deleted_account_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let ghost = app.deleted_account_token().await;
    let request = json!({"comment": {"body": "Boo"}});
    let response = app.post(&comments_path("title"), &request).token(&ghost).send().await;
    expect_error(&response, 404, &["the user of this token no longer exists"]);
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": []}));
}

async fn add_comment_lists_every_invalid_field(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let post = |body: Value| {
        let (app, jake) = (&app, &jake);
        async move { app.post(&comments_path("title"), &body).token(jake).send().await }
    };

    let empty = ["comment.body must be at least 1 character long"];
    expect_error(&post(json!({"comment": {"body": ""}})).await, 422, &empty);
    let long = post(json!({"comment": {"body": "b".repeat(10_001)}})).await;
    expect_error(&long, 422, &["comment.body must be at most 10000 characters long"]);
    expect_error(&post(json!({"comment": {"body": 7}})).await, 422, &["comment.body must be a string"]);
    expect_error(&post(json!({"comment": {"body": ["b"]}})).await, 422, &["comment.body must be a string"]);
    expect_error(&post(json!({"comment": {"body": null}})).await, 422, &["comment.body is required"]);
    expect_error(&post(json!({"comment": {}})).await, 422, &["comment.body is required"]);
    expect_error(&post(json!({"comment": {"text": "b"}})).await, 422, &["comment.body is required"]);
    expect_error(&post(json!({})).await, 422, &["comment is required"]);
    expect_error(&post(json!({"comment": null})).await, 422, &["comment is required"]);
    expect_error(&post(json!({"comment": "b"})).await, 422, &["comment must be an object"]);
    expect_error(&post(json!({"comment": ["b"]})).await, 422, &["comment must be an object"]);
    expect_error(&post(json!("b")).await, 422, &["must be an object"]);
    let twice = r#"{"comment": {"body": "one", "body": "two"}}"#;
    let response = app.post_raw(&comments_path("title"), "application/json", twice).token(&jake).send().await;
    expect_error(&response, 422, &["comment.body must be given only once"]);

    // Nothing was added; the longest body allowed is.
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": []}));
    let longest = add_comment(&app, &jake, "title", &"b".repeat(10_000)).await;
    assert_eq!(longest["body"].as_str().map(str::len), Some(10_000));
    // A body of one character (not one byte) is long enough.
    assert_eq!(add_comment(&app, &jake, "title", "é").await["body"], "é");
}

/// The id, author and timestamps are the server's: fields the contract's `NewComment` does not have are
/// ignored, not applied.
async fn add_comment_ignores_fields_the_client_cannot_set(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.seeded_user("jane").await;
    app.create_article(&jake, "Title", &[]).await;
    let sneaky = json!({"comment": {
        "body": "Honest words",
        "id": 4242,
        "author": {"username": "jane", "bio": null, "image": null, "following": true},
        "createdAt": "2001-01-01T00:00:00.000Z",
        "updatedAt": "2001-01-01T00:00:00.000Z",
    }});
    let response = app.post(&comments_path("title"), &sneaky).token(&jake).send().await;
    let comment = expect_json(&response, 200)["comment"].clone();
    assert_ne!(id_of(&comment), 4242);
    assert_eq!(comment["body"], "Honest words");
    assert_eq!(comment["author"], profile("jake", false));
    expect_recent_timestamp(&comment["createdAt"]);
    expect_recent_timestamp(&comment["updatedAt"]);
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [comment]}));
}

async fn add_comment_rejects_a_missing_or_malformed_body(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let path = comments_path("title");

    // A bodyless POST, with or without a JSON Content-Type: the body is required.
    let empty = app.post_raw(&path, "application/json", "").token(&jake).send().await;
    expect_error(&empty, 400, &["the request body is empty; expected a JSON document"]);
    let bare = app.request("POST", &path).token(&jake).send().await;
    expect_error(&bare, 400, &["the request body is empty; expected a JSON document"]);
    let truncated = app.post_raw(&path, "application/json", r#"{"comment": {"body": "#).token(&jake).send().await;
    expect_error_starting(&truncated, 400, "the request body is not valid JSON: ");
    let trailing = app.post_raw(&path, "application/json", r#"{"comment": {"body": "b"}} {"#).token(&jake).send().await;
    expect_error_starting(&trailing, 400, "the request body is not valid JSON: ");
    let body = json!({"comment": {"body": "b"}}).to_string();
    let text = app.post_raw(&path, "text/plain", &body).token(&jake).send().await;
    expect_error(&text, 415, &["Content-Type must be application/json, not `text/plain`"]);
    let untyped = app.request("POST", &path).body(body.clone()).token(&jake).send().await;
    expect_error(&untyped, 415, &["Content-Type must be application/json"]);

    // Nothing was added; a JSON type with parameters is JSON.
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": []}));
    let charset = app.post_raw(&path, "application/json; charset=utf-8", &body).token(&jake).send().await;
    assert_eq!(expect_json(&charset, 200)["comment"]["body"], "b");
}

async fn delete_comment_by_its_author_removes_it(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    app.create_article(&jake, "Title", &[]).await;
    let first = add_comment(&app, &jane, "title", "First").await;
    let doomed = add_comment(&app, &jane, "title", "Regrettable").await;
    let last = add_comment(&app, &jake, "title", "Last").await;

    expect_no_content(&app.delete(&comment_path("title", id_of(&doomed))).token(&jane).send().await);
    // Gone; the others stay, in order.
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [first, last]}));
    let ids: Vec<i64> = stored_comments(&app).await.iter().map(|c| c.id).collect();
    assert_eq!(ids, [id_of(&first), id_of(&last)]);

    // Deleting it again finds nothing.
    let again = app.delete(&comment_path("title", id_of(&doomed))).token(&jane).send().await;
    expect_error(&again, 404, &[format!("no comment {} on article `title`", id_of(&doomed)).as_str()]);

    // The article's author deletes their own comment the same way; the article stays.
    expect_no_content(&app.delete(&comment_path("title", id_of(&last))).token(&jake).send().await);
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [first]}));
    assert_eq!(app.article("title", None).await["slug"], "title");
}

async fn delete_comment_by_another_user_is_a_403_and_changes_nothing(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    app.create_article(&jake, "Title", &[]).await;
    let comment = add_comment(&app, &bob, "title", "Mine").await;
    let path = comment_path("title", id_of(&comment));

    // Another reader, the article's author, and a deleted account alike.
    for token in [&jane, &jake, &app.deleted_account_token().await] {
        let response = app.delete(&path).token(token).send().await;
        expect_error(&response, 403, &["only the author may delete this comment"]);
    }
    // Still listed, unchanged.
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [comment]}));
    // Its author may.
    expect_no_content(&app.delete(&path).token(&bob).send().await);
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": []}));
}

async fn delete_comment_of_an_unknown_id_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let comment = add_comment(&app, &jake, "title", "Kept").await;
    let id = id_of(&comment);
    for unknown in [id + 1000, 0, -1, i64::MAX] {
        let response = app.delete(&comment_path("title", unknown)).token(&jake).send().await;
        expect_error(&response, 404, &[format!("no comment {unknown} on article `title`").as_str()]);
    }
    // The comment's own id under an unknown article.
    let response = app.delete(&comment_path("no-such-article", id)).token(&jake).send().await;
    expect_error(&response, 404, &[format!("no comment {id} on article `no-such-article`").as_str()]);
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [comment]}));
}

/// A comment is deleted under its own article only: under another, its id names no comment, for its author
/// (no 204) and for anybody else (no 403 telling that it exists elsewhere).
async fn delete_comment_of_another_articles_comment_is_a_404(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    app.create_article(&jake, "Mine", &[]).await;
    app.create_article(&jane, "Hers", &[]).await;
    let janes = add_comment(&app, &jane, "hers", "On her article").await;
    let id = id_of(&janes);

    for token in [&jane, &jake] {
        let response = app.delete(&comment_path("mine", id)).token(token).send().await;
        expect_error(&response, 404, &[format!("no comment {id} on article `mine`").as_str()]);
    }
    assert_eq!(list_comments(&app, "hers", None).await, json!({"comments": [janes]}));
    assert_eq!(list_comments(&app, "mine", None).await, json!({"comments": []}));
}

async fn delete_comment_requires_a_token(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let comment = add_comment(&app, &jake, "title", "Kept").await;
    let path = comment_path("title", id_of(&comment));
    expect_unauthorized(&app.delete(&path).send().await, "missing Authorization header");
    expect_unauthorized(&app.delete(&path).token("garbage").send().await, "the token is malformed");
    expect_unauthorized(&app.delete(&path).token(&foreign_token("1")).send().await, "the token signature is invalid");
    expect_unauthorized(&app.delete(&path).token(&app.sign("1", -3600)).send().await, "the token has expired");
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [comment]}));
}

async fn delete_comment_rejects_an_id_that_is_not_an_integer(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let comment = add_comment(&app, &jake, "title", "Kept").await;
    let delete = |id: &'static str| {
        let (app, jake) = (&app, &jake);
        async move { app.delete(&format!("/api/articles/title/comments/{id}")).token(jake).send().await }
    };
    for id in ["abc", "1.5", "1e3", "%20", "0x10", "one"] {
        expect_error(&delete(id).await, 422, &["id must be an integer"]);
    }
    // Beyond the type's range: the message may name that range.
    expect_error_starting(&delete("9223372036854775808").await, 422, "id must be ");
    expect_error_starting(&delete("99999999999999999999999").await, 422, "id must be ");
    // The comment is still there.
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": [comment]}));
}

/// Clients often send `Content-Type: application/json` on every request, with an empty body on the
/// bodyless ones.
async fn delete_comment_accepts_a_bodyless_json_request(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    app.create_article(&jake, "Title", &[]).await;
    let comment = add_comment(&app, &jake, "title", "Doomed").await;
    let response = app
        .delete(&comment_path("title", id_of(&comment)))
        .header("content-type", "application/json")
        .body("")
        .token(&jake)
        .send()
        .await;
    expect_no_content(&response);
    assert_eq!(list_comments(&app, "title", None).await, json!({"comments": []}));
}

async fn delete_article_removes_its_comments(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    app.create_article(&jake, "Kept", &[]).await;
    app.create_article(&jake, "Doomed", &[]).await;
    let kept = add_comment(&app, &jane, "kept", "Stays").await;
    let doomed =
        [add_comment(&app, &jane, "doomed", "Goes").await, add_comment(&app, &jake, "doomed", "Goes too").await];

    let response = app.delete("/api/articles/doomed").token(&jake).send().await;
    expect_no_content(&response);
    let gone = app.get(&comments_path("doomed")).send().await;
    expect_error(&gone, 404, &["no article with slug `doomed`"]);
    // The rows went with the article; the other article's comment stays.
    let ids: Vec<i64> = stored_comments(&app).await.iter().map(|c| c.id).collect();
    assert_eq!(ids, [id_of(&kept)]);
    for comment in &doomed {
        let row = models::Comment::get(app.db(), id_of(comment)).await.expect("the query should run");
        assert_eq!(row, None, "comment {comment} outlived its article");
    }
    assert_eq!(list_comments(&app, "kept", None).await, json!({"comments": [kept]}));

    // A new article under the same slug starts without comments, and the old ids name none of its own.
    app.create_article(&jake, "Doomed", &[]).await;
    assert_eq!(list_comments(&app, "doomed", None).await, json!({"comments": []}));
    for comment in &doomed {
        let id = id_of(comment);
        let response = app.delete(&comment_path("doomed", id)).token(&jane).send().await;
        expect_error(&response, 404, &[format!("no comment {id} on article `doomed`").as_str()]);
    }
    // New comments get new ids.
    let fresh = add_comment(&app, &jane, "doomed", "Fresh").await;
    assert!(doomed.iter().all(|c| id_of(c) < id_of(&fresh)), "an id was reused: {fresh}");
}

/// No N+1: listing comments loads their authors' profiles (with `following` as the caller sees it) in a
/// fixed number of statements, whatever the number of comments and authors.
async fn a_list_of_comments_costs_the_same_statements_whatever_its_length(app: TestApp) {
    let authors = [
        app.seeded_user("jake").await,
        app.seeded_user("jane").await,
        app.seeded_user("bob").await,
        app.seeded_user("carl").await,
    ];
    let alice = app.seeded_user("alice").await;
    app.create_article(&authors[0], "Quiet", &[]).await;
    app.create_article(&authors[0], "Busy", &[]).await;
    add_comment(&app, &authors[1], "quiet", "Alone").await;
    for i in 0..12 {
        add_comment(&app, &authors[i % 4], "busy", &format!("Comment {i}")).await;
    }
    app.follow(&alice, "jane").await;
    app.follow(&alice, "bob").await;

    let mut report = format!("\n*** statements per comment list on {:?} (1 comment / 12 comments):\n", app.backend());
    for (what, token) in [("signed in", Some(alice.as_str())), ("anonymous", None)] {
        let mut counts = Vec::new();
        for (slug, length) in [("quiet", 1), ("busy", 12)] {
            let (body, statements) = charter_runtime::db::count_statements(list_comments(&app, slug, token)).await;
            let comments = body["comments"].as_array().expect("a list");
            assert_eq!(comments.len(), length, "{what}: every comment of `{slug}`");
            if length == 12 {
                let following = comments.iter().filter(|c| c["author"]["following"] == true).count();
                assert_eq!(following, if token.is_some() { 6 } else { 0 }, "{what}: `following` of every author");
                let mut names: Vec<&str> = comments.iter().filter_map(|c| c["author"]["username"].as_str()).collect();
                names.sort_unstable();
                names.dedup();
                assert_eq!(names, ["bob", "carl", "jake", "jane"], "{what}: every author");
            }
            counts.push(statements);
        }
        report.push_str(&format!("***   {what}: {} / {}\n", counts[0], counts[1]));
        assert!(counts[0] > 0, "{what}: no statement was counted: is the request served on another task?");
        assert_eq!(counts[0], counts[1], "{what}: the statement count grows with the list");
        // The article by slug, its comments, and one statement for all authors with `following`; and the
        // session check for a signed-in caller (`auth.invalidated_by`).
        let budget = if token.is_some() { 4 } else { 3 };
        assert!(counts[0] <= budget, "{what}: {} statements, over the budget of {budget}", counts[0]);
    }
    // Shown whether or not the test harness captures output.
    let _ = std::io::stderr().write_all(report.as_bytes());
}
