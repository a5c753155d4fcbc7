//! Users and authentication: register, login, current user, update user.

use serde_json::{Value, json};

use crate::support::{
    RequestExt, TestApp, backends, email_of, expect_error, expect_error_starting, expect_json, expect_unauthorized,
    foreign_token, password_of, take, token,
};

backends!(
    register_returns_the_user,
    register_conflicts_on_taken_email_or_username,
    register_lists_every_invalid_field,
    register_lists_every_missing_field,
    register_rejects_a_body_of_the_wrong_shape,
    register_rejects_arrays_for_objects,
    register_rejects_malformed_json,
    register_requires_a_json_content_type,
    register_rejects_an_oversize_body,
    register_ignores_unknown_fields,
    login_returns_a_working_token,
    login_rejects_wrong_credentials,
    login_is_rate_limited,
    usernames_and_emails_are_unique_whatever_their_case,
    current_user_requires_a_valid_token,
    current_user_of_a_deleted_account_is_a_404,
    update_user_changes_every_field,
    update_user_conflicts_on_a_taken_email_or_username,
    update_user_lists_every_invalid_field,
    update_user_requires_a_token,
);

/// The `user` object the contract promises, with `token` checked and removed.
fn without_token(mut user: Value) -> Value {
    let token = take(&mut user, "token");
    let token = token.as_str().unwrap_or_else(|| panic!("token is not a string: {token}"));
    assert_eq!(token.split('.').count(), 3, "token `{token}` is not a JWT");
    user
}

fn new_user(username: &str, email: &str, password: &str) -> Value {
    json!({"user": {"username": username, "email": email, "password": password}})
}

async fn register_returns_the_user(app: TestApp) {
    let response = app.post("/api/users", &new_user("jake", "jake@jake.jake", "jakejake")).send().await;
    let mut body = expect_json(&response, 201);
    let user = take(&mut body, "user");
    assert_eq!(body, json!({}), "the response holds only `user`");
    let token = token(&user);
    assert_eq!(without_token(user), json!({"email": "jake@jake.jake", "username": "jake", "bio": null, "image": null}));

    // The token authenticates its user.
    let me = expect_json(&app.get("/api/user").token(&token).send().await, 200);
    assert_eq!(
        me,
        json!({"user": {"email": "jake@jake.jake", "username": "jake", "bio": null, "image": null, "token": token}})
    );
}

async fn register_conflicts_on_taken_email_or_username(app: TestApp) {
    app.register("jake").await;
    let taken = ["email or username has already been taken"];
    let same_email = app.post("/api/users", &new_user("jacob", &email_of("jake"), "password1")).send().await;
    expect_error(&same_email, 409, &taken);
    let same_username = app.post("/api/users", &new_user("jake", "other@example.com", "password1")).send().await;
    expect_error(&same_username, 409, &taken);
    // Neither attempt created a user.
    let login = app.post("/api/users/login", &json!({"user": {"email": "other@example.com", "password": "password1"}}));
    expect_error(&login.send().await, 401, &["email or password is invalid"]);
}

async fn register_lists_every_invalid_field(app: TestApp) {
    let response = app.post("/api/users", &new_user("", "not-an-email", "short")).send().await;
    expect_error(
        &response,
        422,
        &[
            "user.username must be at least 1 character long",
            "user.username must match the pattern `^[A-Za-z0-9_.-]+$`",
            "user.email must be a valid email address",
            "user.password must be at least 8 characters long",
        ],
    );

    let response = app.post("/api/users", &new_user("jake doe", "jake@example.com", &"x".repeat(129))).send().await;
    expect_error(
        &response,
        422,
        &[
            "user.username must match the pattern `^[A-Za-z0-9_.-]+$`",
            "user.password must be at most 128 characters long",
        ],
    );
}

async fn register_lists_every_missing_field(app: TestApp) {
    let response = app.post("/api/users", &json!({"user": {"email": "jake@example.com"}})).send().await;
    expect_error(&response, 422, &["user.username is required", "user.password is required"]);

    let response = app.post("/api/users", &json!({"user": {}})).send().await;
    expect_error(&response, 422, &["user.username is required", "user.email is required", "user.password is required"]);

    let response = app.post("/api/users", &json!({})).send().await;
    expect_error(&response, 422, &["user is required"]);

    // Missing and invalid fields are listed together.
    let response = app.post("/api/users", &json!({"user": {"username": "", "email": "not-an-email"}})).send().await;
    expect_error(
        &response,
        422,
        &[
            "user.username must be at least 1 character long",
            "user.username must match the pattern `^[A-Za-z0-9_.-]+$`",
            "user.email must be a valid email address",
            "user.password is required",
        ],
    );
}

async fn register_rejects_a_body_of_the_wrong_shape(app: TestApp) {
    let response =
        app.post("/api/users", &json!({"user": {"username": 7, "email": "a@example.com", "password": "password1"}}));
    expect_error(&response.send().await, 422, &["user.username must be a string"]);

    let response = app.post("/api/users", &json!({"user": "jake"})).send().await;
    expect_error(&response, 422, &["user must be an object"]);

    let response = app.post("/api/users", &json!({"user": null})).send().await;
    expect_error(&response, 422, &["user is required"]);

    let response = app.post("/api/users", &json!("jake")).send().await;
    expect_error(&response, 422, &["must be an object"]);

    let twice =
        r#"{"user": {"username": "jake", "email": "jake@example.com", "password": "jakejake", "username": "x"}}"#;
    let response = app.post_raw("/api/users", "application/json", twice).send().await;
    expect_error(&response, 422, &["user.username must be given only once"]);
}

/// The contract's objects are JSON objects: an array holding the fields in declaration order is not a
/// `user` (serde's derived `Deserialize` accepts one for a struct unless told otherwise).
async fn register_rejects_arrays_for_objects(app: TestApp) {
    let response = app.post("/api/users", &json!({"user": ["jake", "jake@example.com", "jakejake"]})).send().await;
    expect_error(&response, 422, &["user must be an object"]);

    let response =
        app.post("/api/users", &json!([{"username": "jake", "email": "jake@example.com", "password": "jakejake"}]));
    expect_error(&response.send().await, 422, &["must be an object"]);
}

async fn register_rejects_malformed_json(app: TestApp) {
    let truncated = app.post_raw("/api/users", "application/json", r#"{"user": {"username": "jake""#).send().await;
    expect_error_starting(&truncated, 400, "the request body is not valid JSON: ");

    let trailing = app.post_raw("/api/users", "application/json", r#"{"user": {}} {"#).send().await;
    expect_error_starting(&trailing, 400, "the request body is not valid JSON: ");

    let empty = app.post_raw("/api/users", "application/json", "").send().await;
    expect_error(&empty, 400, &["the request body is empty; expected a JSON document"]);
}

async fn register_requires_a_json_content_type(app: TestApp) {
    let body = new_user("jake", "jake@example.com", "jakejake").to_string();
    let text = app.post_raw("/api/users", "text/plain", &body).send().await;
    expect_error(&text, 415, &["Content-Type must be application/json, not `text/plain`"]);

    let form = app.post_raw("/api/users", "application/x-www-form-urlencoded", "user=jake").send().await;
    expect_error(&form, 415, &["Content-Type must be application/json, not `application/x-www-form-urlencoded`"]);

    let none = app.request("POST", "/api/users").body(body.clone()).send().await;
    expect_error(&none, 415, &["Content-Type must be application/json"]);

    // A JSON type with parameters is JSON.
    let charset = app.post_raw("/api/users", "application/json; charset=utf-8", &body).send().await;
    expect_json(&charset, 201);
}

async fn register_rejects_an_oversize_body(app: TestApp) {
    // The default limit is 1 MiB.
    let bio = "x".repeat(1024 * 1024);
    let response = app.post("/api/users", &json!({"user": {"username": "jake", "bio": bio}})).send().await;
    expect_error(&response, 413, &["request body is larger than the limit of 1048576 bytes"]);
}

/// Unknown fields are ignored, not applied: `bio` is no field of a new user.
async fn register_ignores_unknown_fields(app: TestApp) {
    let body = json!({
        "user": {"username": "jake", "email": "jake@example.com", "password": "jakejake", "admin": true, "bio": "hi"},
        "extra": [1, 2, 3],
    });
    let user = expect_json(&app.post("/api/users", &body).send().await, 201)["user"].clone();
    assert_eq!(
        without_token(user),
        json!({"email": "jake@example.com", "username": "jake", "bio": null, "image": null})
    );
}

async fn login_returns_a_working_token(app: TestApp) {
    app.register("jake").await;
    let credentials = json!({"user": {"email": email_of("jake"), "password": password_of("jake")}});
    let mut body = expect_json(&app.post("/api/users/login", &credentials).send().await, 200);
    let user = take(&mut body, "user");
    assert_eq!(body, json!({}), "the response holds only `user`");
    let token = token(&user);
    let expected = json!({"email": email_of("jake"), "username": "jake", "bio": null, "image": null});
    assert_eq!(without_token(user), expected);

    let mut me = expect_json(&app.get("/api/user").token(&token).send().await, 200);
    assert_eq!(take(&mut me["user"], "token"), json!(token));
    assert_eq!(me, json!({"user": expected}));
}

async fn login_rejects_wrong_credentials(app: TestApp) {
    app.register("jake").await;
    let invalid = ["email or password is invalid"];
    let wrong_password = json!({"user": {"email": email_of("jake"), "password": "not-jakes-password"}});
    let response = app.post("/api/users/login", &wrong_password).send().await;
    expect_error(&response, 401, &invalid);
    let unknown_email = json!({"user": {"email": email_of("nobody"), "password": password_of("jake")}});
    expect_error(&app.post("/api/users/login", &unknown_email).send().await, 401, &invalid);

    let invalid_body = json!({"user": {"email": "jake", "password": ""}});
    expect_error(
        &app.post("/api/users/login", &invalid_body).send().await,
        422,
        &["user.email must be a valid email address", "user.password must be at least 1 character long"],
    );
}

/// `rate_limit: 10/minute`: the 11th attempt in a minute from one client is a 429 with `Retry-After`,
/// whatever the credentials, and the use case (a password hash) does not run.
async fn login_is_rate_limited(app: TestApp) {
    app.register("jake").await;
    let wrong = json!({"user": {"email": email_of("jake"), "password": "guess-guess"}});
    for _ in 0..10 {
        expect_error(&app.post("/api/users/login", &wrong).send().await, 401, &["email or password is invalid"]);
    }
    let right = json!({"user": {"email": email_of("jake"), "password": password_of("jake")}});
    let response = app.post("/api/users/login", &right).send().await;
    expect_error(&response, 429, &["too many requests; retry later"]);
    let retry_after: u64 = response.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After: {retry_after}");
    // Other endpoints are not limited.
    expect_json(&app.get("/api/tags").send().await, 200);
}

/// `unique: case_insensitive`: `Jake` and `jake`, `A@x.io` and `a@x.io`, are one account each; login
/// finds the account whatever the case of its email.
async fn usernames_and_emails_are_unique_whatever_their_case(app: TestApp) {
    app.register("jake").await;
    let same_name = json!({"user": {"username": "JAKE", "email": "other@example.com", "password": "jakejake"}});
    expect_error(&app.post("/api/users", &same_name).send().await, 409, &["email or username has already been taken"]);
    let same_email =
        json!({"user": {"username": "other", "email": email_of("jake").to_uppercase(), "password": "jakejake"}});
    expect_error(&app.post("/api/users", &same_email).send().await, 409, &["email or username has already been taken"]);
    let login = json!({"user": {"email": email_of("jake").to_uppercase(), "password": password_of("jake")}});
    let user = expect_json(&app.post("/api/users/login", &login).send().await, 200);
    assert_eq!(user["user"]["username"], "jake");
}

async fn current_user_requires_a_valid_token(app: TestApp) {
    let token = app.seeded_user("jake").await;
    expect_json(&app.get("/api/user").token(&token).send().await, 200);

    expect_unauthorized(&app.get("/api/user").send().await, "missing Authorization header");
    let bearer = app.get("/api/user").authorization(&format!("Bearer {token}")).send().await;
    expect_unauthorized(&bearer, "the Authorization header must have the form `Token <token>`");
    let bare = app.get("/api/user").authorization(&token).send().await;
    expect_unauthorized(&bare, "the Authorization header must have the form `Token <token>`");
    expect_unauthorized(&app.get("/api/user").token("garbage").send().await, "the token is malformed");
    // Another valid base64url character in the middle of the signature.
    let at = token.rfind('.').expect("a JWT has three parts") + 10;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    expect_unauthorized(&app.get("/api/user").token(&tampered).send().await, "the token signature is invalid");
    let foreign = foreign_token("1");
    expect_unauthorized(&app.get("/api/user").token(&foreign).send().await, "the token signature is invalid");
    let expired = app.sign("1", -3600);
    expect_unauthorized(&app.get("/api/user").token(&expired).send().await, "the token has expired");
}

async fn current_user_of_a_deleted_account_is_a_404(app: TestApp) {
    let token = app.deleted_account_token().await;
    expect_error(&app.get("/api/user").token(&token).send().await, 404, &["the user of this token no longer exists"]);
    let update = app.put("/api/user", &json!({"user": {"bio": "hello"}})).token(&token).send().await;
    expect_error(&update, 404, &["the user of this token no longer exists"]);
    // A subject that is no user id at all (only a holder of the secret could sign one) is the same.
    let token = app.sign("not-an-id", 3600);
    expect_error(&app.get("/api/user").token(&token).send().await, 404, &["the user of this token no longer exists"]);
}

async fn update_user_changes_every_field(app: TestApp) {
    let old_token = app.token_of("jake").await;
    // A second session of the same account, signed in before the password changes.
    let login = |email: &str, password: &str| json!({"user": {"email": email, "password": password}});
    let other = app.post("/api/users/login", &login(&email_of("jake"), &password_of("jake"))).send().await;
    let other_session = token(&expect_json(&other, 200)["user"]);
    let changes = json!({"user": {
        "email": "jake@new.example.com",
        "bio": "I like to skateboard",
        "image": "https://i.stack.imgur.com/xHWG8.jpg",
        "password": "a-new-password",
    }});
    let updated = expect_json(&app.put("/api/user", &changes).token(&old_token).send().await, 200);
    let expected = json!({
        "email": "jake@new.example.com",
        "username": "jake",
        "bio": "I like to skateboard",
        "image": "https://i.stack.imgur.com/xHWG8.jpg",
    });
    // A new password ends every session issued before it (`auth.invalidated_by`): this one gets a new
    // token in the answer, the others are refused from now on.
    let token = token(&updated["user"]);
    assert_ne!(token, old_token);
    let mut with_token = expected.clone();
    with_token["token"] = json!(token);
    assert_eq!(updated, json!({"user": with_token}));
    let ended = ["the token is no longer valid: the account's password changed since it was issued; sign in again"];
    for stale in [&old_token, &other_session] {
        expect_error(&app.get("/api/user").token(stale).send().await, 401, &ended);
        expect_error(&app.get("/api/articles/feed").token(stale).send().await, 401, &ended);
    }

    // The change is stored.
    let me = expect_json(&app.get("/api/user").token(&token).send().await, 200);
    assert_eq!(me, updated);

    // The new password works with the new email; the old password does not.
    let response = app.post("/api/users/login", &login("jake@new.example.com", "a-new-password")).send().await;
    assert_eq!(without_token(expect_json(&response, 200)["user"].clone()), expected);
    let old = app.post("/api/users/login", &login("jake@new.example.com", &password_of("jake"))).send().await;
    expect_error(&old, 401, &["email or password is invalid"]);

    // The username changes too, and an empty change changes nothing.
    let renamed = app.put("/api/user", &json!({"user": {"username": "jacob"}})).token(&token).send().await;
    assert_eq!(expect_json(&renamed, 200)["user"]["username"], "jacob");
    let unchanged = expect_json(&app.put("/api/user", &json!({"user": {}})).token(&token).send().await, 200);
    assert_eq!(unchanged["user"]["username"], "jacob");
    assert_eq!(unchanged["user"]["bio"], "I like to skateboard");

    // `null` clears a nullable field (the OpenAPI marks it nullable); `null` for a required column
    // (username) changes nothing, as leaving it out does.
    let cleared = app.put("/api/user", &json!({"user": {"bio": null, "username": null}})).token(&token).send().await;
    let cleared = expect_json(&cleared, 200);
    assert_eq!((&cleared["user"]["bio"], &cleared["user"]["username"]), (&json!(null), &json!("jacob")));
    assert_eq!(cleared["user"]["image"], "https://i.stack.imgur.com/xHWG8.jpg");
    let me = expect_json(&app.get("/api/user").token(&token).send().await, 200);
    assert_eq!(me["user"]["bio"], json!(null));
}

async fn update_user_conflicts_on_a_taken_email_or_username(app: TestApp) {
    app.seeded_user("jane").await;
    let token = app.seeded_user("jake").await;
    let taken = ["email or username has already been taken"];
    let email = app.put("/api/user", &json!({"user": {"email": email_of("jane")}})).token(&token).send().await;
    expect_error(&email, 409, &taken);
    let username = app.put("/api/user", &json!({"user": {"username": "jane"}})).token(&token).send().await;
    expect_error(&username, 409, &taken);
    // Keeping one's own email is no conflict.
    let own = app.put("/api/user", &json!({"user": {"email": email_of("jake")}})).token(&token).send().await;
    expect_json(&own, 200);
}

async fn update_user_lists_every_invalid_field(app: TestApp) {
    let token = app.seeded_user("jake").await;
    let invalid =
        json!({"user": {"email": "jake-at-example.com", "image": "not a url", "password": "short", "username": ""}});
    expect_error(
        &app.put("/api/user", &invalid).token(&token).send().await,
        422,
        &[
            "user.email must be a valid email address",
            "user.username must be at least 1 character long",
            "user.username must match the pattern `^[A-Za-z0-9_.-]+$`",
            "user.image must be a valid http or https URL",
            "user.password must be at least 8 characters long",
        ],
    );
    // Nothing changed.
    let me = expect_json(&app.get("/api/user").token(&token).send().await, 200);
    assert_eq!(
        without_token(me["user"].clone()),
        json!({"email": email_of("jake"), "username": "jake", "bio": null, "image": null})
    );
}

async fn update_user_requires_a_token(app: TestApp) {
    let response = app.put("/api/user", &json!({"user": {"bio": "hello"}})).send().await;
    expect_unauthorized(&response, "missing Authorization header");
    let response = app.put("/api/user", &json!({"user": {"bio": "hello"}})).token("garbage").send().await;
    expect_unauthorized(&response, "the token is malformed");
}
