//! Profiles: get a profile, follow and unfollow.

use serde_json::{Value, json};

use crate::support::{RequestExt, TestApp, backends, expect_error, expect_json, expect_unauthorized, profile, take};

backends!(
    get_profile_returns_the_profile,
    get_profile_shows_following_as_the_caller_sees_it,
    get_profile_of_an_unknown_user_is_a_404,
    get_profile_rejects_a_path_that_is_not_utf8,
    get_profile_rejects_an_invalid_token,
    follow_and_unfollow_return_the_profile,
    follow_and_unfollow_are_idempotent,
    follow_and_unfollow_require_a_token,
    follow_and_unfollow_of_an_unknown_user_are_404s,
    follow_yourself_is_a_400,
    follow_and_unfollow_for_a_deleted_account_are_404s,
    follow_changes_only_the_callers_own_following,
    follow_and_unfollow_accept_a_bodyless_json_request,
);

/// The profile of `username` as the owner of `token` (or, with `None`, anybody) sees it.
async fn get_profile(app: &TestApp, username: &str, token: Option<&str>) -> Value {
    let mut request = app.get(&format!("/api/profiles/{username}"));
    if let Some(token) = token {
        request = request.token(token);
    }
    expect_json(&request.send().await, 200)
}

fn follow_path(username: &str) -> String {
    format!("/api/profiles/{username}/follow")
}

async fn get_profile_returns_the_profile(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    // A profile with neither bio nor image: both are `null`, and present.
    assert_eq!(get_profile(&app, "jake", None).await, json!({"profile": profile("jake", false)}));

    let changes =
        json!({"user": {"bio": "I work at statefarm", "image": "https://api.realworld.io/images/smiley.png"}});
    expect_json(&app.put("/api/user", &changes).token(&jake).send().await, 200);
    let mut body = get_profile(&app, "jake", None).await;
    let profile = take(&mut body, "profile");
    assert_eq!(body, json!({}), "the response holds only `profile`");
    assert_eq!(
        profile,
        json!({
            "username": "jake",
            "bio": "I work at statefarm",
            "image": "https://api.realworld.io/images/smiley.png",
            "following": false,
        })
    );
    // Exactly the contract's fields: no email, no token, no password hash, no id.
    let mut keys: Vec<&str> = profile.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["bio", "following", "image", "username"]);

    // One's own profile, signed in: nobody follows themselves.
    assert_eq!(get_profile(&app, "jake", Some(&jake)).await["profile"], profile);
}

async fn get_profile_shows_following_as_the_caller_sees_it(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    app.follow(&jane, "jake").await;

    assert_eq!(get_profile(&app, "jake", Some(&jane)).await, json!({"profile": profile("jake", true)}));
    assert_eq!(get_profile(&app, "jake", Some(&bob)).await, json!({"profile": profile("jake", false)}));
    assert_eq!(get_profile(&app, "jake", None).await, json!({"profile": profile("jake", false)}));
    // Following is one way: jake does not follow jane back.
    assert_eq!(get_profile(&app, "jane", Some(&jake)).await, json!({"profile": profile("jane", false)}));
}

async fn get_profile_of_an_unknown_user_is_a_404(app: TestApp) {
    expect_error(&app.get("/api/profiles/nobody").send().await, 404, &["no user named `nobody`"]);
    let token = app.seeded_user("jake").await;
    expect_error(&app.get("/api/profiles/nobody").token(&token).send().await, 404, &["no user named `nobody`"]);
    // Usernames are unique case-insensitively (`unique: case_insensitive`), so any spelling finds jake.
    let jake = expect_json(&app.get("/api/profiles/JAKE").send().await, 200);
    assert_eq!(jake["profile"]["username"], "jake");
}

/// A percent-escape that decodes to invalid UTF-8 is the client's mistake: a 400 in the envelope.
async fn get_profile_rejects_a_path_that_is_not_utf8(app: TestApp) {
    expect_error(&app.get("/api/profiles/%FF").send().await, 400, &["a path parameter is not valid UTF-8"]);
    // The same on a route with a body.
    let token = app.seeded_user("jake").await;
    let response = app.post("/api/profiles/%FF/follow", &serde_json::json!({})).token(&token).send().await;
    expect_error(&response, 400, &["a path parameter is not valid UTF-8"]);
}

async fn get_profile_rejects_an_invalid_token(app: TestApp) {
    app.seeded_user("jake").await;
    // auth is optional, but a token that is present must be valid.
    expect_unauthorized(&app.get("/api/profiles/jake").token("garbage").send().await, "the token is malformed");
}

async fn follow_and_unfollow_return_the_profile(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let changes = json!({"user": {"bio": "I like to skateboard"}});
    expect_json(&app.put("/api/user", &changes).token(&jake).send().await, 200);
    let jakes = |following: bool| json!({"profile": {"username": "jake", "bio": "I like to skateboard", "image": null, "following": following}});

    let followed = app.request("POST", &follow_path("jake")).token(&jane).send().await;
    assert_eq!(expect_json(&followed, 200), jakes(true));
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await, jakes(true));
    assert_eq!(get_profile(&app, "jake", None).await, jakes(false));

    let unfollowed = app.delete(&follow_path("jake")).token(&jane).send().await;
    assert_eq!(expect_json(&unfollowed, 200), jakes(false));
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await, jakes(false));

    // Unfollowing someone one never followed is no error.
    let bob = app.seeded_user("bob").await;
    assert_eq!(expect_json(&app.delete(&follow_path("jake")).token(&bob).send().await, 200), jakes(false));
}

async fn follow_and_unfollow_are_idempotent(app: TestApp) {
    app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    for _ in 0..2 {
        assert_eq!(app.follow(&jane, "jake").await, profile("jake", true));
    }
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await, json!({"profile": profile("jake", true)}));
    // Following twice made one link: one unfollow undoes it.
    let response = app.delete(&follow_path("jake")).token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", false)}));
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await, json!({"profile": profile("jake", false)}));
    let response = app.delete(&follow_path("jake")).token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", false)}));
    // And following again works.
    assert_eq!(app.follow(&jane, "jake").await, profile("jake", true));
}

async fn follow_and_unfollow_require_a_token(app: TestApp) {
    app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    for method in ["POST", "DELETE"] {
        let response = app.request(method, &follow_path("jake")).send().await;
        expect_unauthorized(&response, "missing Authorization header");
        let response = app.request(method, &follow_path("jake")).token("garbage").send().await;
        expect_unauthorized(&response, "the token is malformed");
    }
    // A rejected unfollow leaves a follow in place, and a rejected follow adds none.
    app.follow(&jane, "jake").await;
    let response = app.delete(&follow_path("jake")).token("garbage").send().await;
    expect_unauthorized(&response, "the token is malformed");
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await["profile"]["following"], true);
}

async fn follow_and_unfollow_of_an_unknown_user_are_404s(app: TestApp) {
    let jane = app.seeded_user("jane").await;
    for method in ["POST", "DELETE"] {
        let response = app.request(method, &follow_path("nobody")).token(&jane).send().await;
        expect_error(&response, 404, &["no user named `nobody`"]);
    }
}

async fn follow_yourself_is_a_400(app: TestApp) {
    let jake = app.seeded_user("jake").await;
    let response = app.request("POST", &follow_path("jake")).token(&jake).send().await;
    expect_error(&response, 400, &["you cannot follow yourself"]);
    assert_eq!(get_profile(&app, "jake", Some(&jake)).await, json!({"profile": profile("jake", false)}));
    // Unfollowing oneself changes nothing, and is no error.
    let response = app.delete(&follow_path("jake")).token(&jake).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", false)}));
}

async fn follow_and_unfollow_for_a_deleted_account_are_404s(app: TestApp) {
    app.seeded_user("jake").await;
    let ghost = app.deleted_account_token().await;
    for method in ["POST", "DELETE"] {
        let response = app.request(method, &follow_path("jake")).token(&ghost).send().await;
        expect_error(&response, 404, &["the user of this token no longer exists"]);
    }
}

/// One user's token never changes another's data: following is the caller's own, and so is unfollowing.
async fn follow_changes_only_the_callers_own_following(app: TestApp) {
    app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let bob = app.seeded_user("bob").await;
    app.follow(&jane, "jake").await;
    assert_eq!(get_profile(&app, "jake", Some(&bob)).await["profile"]["following"], false);

    // Bob unfollowing jake does not unfollow jane's follow.
    let response = app.delete(&follow_path("jake")).token(&bob).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", false)}));
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await["profile"]["following"], true);

    // Bob following jake is bob's; jane unfollowing leaves bob's.
    app.follow(&bob, "jake").await;
    let response = app.delete(&follow_path("jake")).token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", false)}));
    assert_eq!(get_profile(&app, "jake", Some(&bob)).await["profile"]["following"], true);
    assert_eq!(get_profile(&app, "jake", Some(&jane)).await["profile"]["following"], false);
}

/// Clients often send `Content-Type: application/json` on every request, with an empty body on the
/// bodyless ones; a body on them is ignored.
async fn follow_and_unfollow_accept_a_bodyless_json_request(app: TestApp) {
    app.seeded_user("jake").await;
    let jane = app.seeded_user("jane").await;
    let response = app.post_raw(&follow_path("jake"), "application/json", "").token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", true)}));
    let response =
        app.delete(&follow_path("jake")).header("content-type", "application/json").body("").token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", false)}));
    let response = app.post_raw(&follow_path("jake"), "application/json", "{}").token(&jane).send().await;
    assert_eq!(expect_json(&response, 200), json!({"profile": profile("jake", true)}));
}
