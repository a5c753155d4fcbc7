//! The server under test, on a fresh database, and the helpers every scenario uses.

use std::io::Write;
use std::sync::Once;
use std::time::Duration;

use charter_runtime::testing::{self, TestClient, TestDb, TestRequest, TestResponse};
use charter_runtime::{Backend, Claims, Config, Ctx, DateTime, Db, Jwt, Utc};
use conduit_example::api::core::models;
use conduit_example::{App, api};
use serde_json::{Value, json};

/// Runs each scenario (an `async fn(TestApp)` of the invoking module) once per backend: SQLite on a
/// fresh temporary file (`sqlite::<name>`), and PostgreSQL on a fresh database (`postgres::<name>`),
/// which is skipped with a loud note when no server is reachable, and fails under `CI=true`.
macro_rules! backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::support::TestApp::sqlite().await).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = crate::support::TestApp::postgres().await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
}

pub(crate) use backends;

/// The whole server (every layer, system route and migration), built by `charter_runtime::build` over a
/// database of its own, driven in-process.
pub struct TestApp {
    client: TestClient,
    ctx: Ctx,
    // Last: the database outlives the server's connections to it.
    _db: TestDb,
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::start(TestDb::sqlite().await).await
    }

    /// `None` when no PostgreSQL server is reachable (and `CI` is not `true`, where the helper panics).
    pub async fn postgres() -> Option<TestApp> {
        match TestDb::postgres().await {
            Some(db) => Some(TestApp::start(db).await),
            None => {
                announce_postgres_skip();
                None
            }
        }
    }

    async fn start(db: TestDb) -> TestApp {
        let config = Config::for_tests(db.url());
        let (api, ctx) =
            charter_runtime::build(&api::SPEC, &config, api::router(App)).await.expect("the server should build");
        TestApp { client: TestClient::new(api), ctx, _db: db }
    }

    /// The database this server runs on.
    pub fn backend(&self) -> Backend {
        self.ctx.db().backend()
    }

    /// The server's own database, for what the API cannot show (rows a cascade should have removed).
    pub fn db(&self) -> &Db {
        self.ctx.db()
    }

    pub fn get(&self, path: &str) -> TestRequest {
        self.client.get(path)
    }

    pub fn post(&self, path: &str, body: &Value) -> TestRequest {
        self.client.post(path).json(body)
    }

    /// A POST with this exact body and `Content-Type`.
    pub fn post_raw(&self, path: &str, content_type: &str, body: &str) -> TestRequest {
        self.client.post(path).header("content-type", content_type).body(body.to_owned())
    }

    pub fn put(&self, path: &str, body: &Value) -> TestRequest {
        self.client.put(path).json(body)
    }

    /// A DELETE without a body.
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request("DELETE", path)
    }

    pub fn request(&self, method: &str, path: &str) -> TestRequest {
        self.client.request(method.parse().expect("a valid method"), path)
    }

    /// A token signed with the server's own key, for any claims.
    pub fn sign(&self, subject: &str, expires_in_seconds: i64) -> String {
        let now = Utc::now().timestamp();
        self.ctx
            .jwt()
            .sign(&Claims { sub: subject.to_owned(), iat: now, exp: now + expires_in_seconds, sv: None })
            .expect("the token should sign")
    }

    /// Registers `username` (email `<username>@example.com`, password [`password_of`]) through the API and
    /// returns the `user` object. Argon2 is slow in debug builds: scenarios register only the users they
    /// need.
    pub async fn register(&self, username: &str) -> Value {
        let response = self
            .post(
                "/api/users",
                &json!({"user": {"username": username, "email": email_of(username), "password": password_of(username)}}),
            )
            .send()
            .await;
        expect_json(&response, 201)["user"].clone()
    }

    /// Registers `username` and returns their token.
    pub async fn token_of(&self, username: &str) -> String {
        token(&self.register(username).await)
    }

    /// A user stored as `register` stores one, and a token for them as `register` issues it, without
    /// the password hash (slow in debug builds): for scenarios about other endpoints, which never log
    /// in. Returns the token.
    pub async fn seeded_user(&self, username: &str) -> String {
        let new = models::NewUser {
            email: email_of(username),
            username: username.to_owned(),
            password_hash: "no password: this user cannot log in".to_owned(),
            bio: None,
            image: None,
        };
        let row = models::User::insert(self.ctx.db(), new).await.expect("the user should insert");
        self.ctx.jwt().issue_bound(row.id.to_string(), &row.password_hash).expect("the token should sign")
    }

    /// A token the server issued to a user whose row has since been deleted.
    pub async fn deleted_account_token(&self) -> String {
        let token = self.seeded_user("ghost").await;
        let claims = self.ctx.jwt().verify(&token).expect("the server's own token verifies");
        let id: i64 = claims.sub.parse().expect("subjects are user ids");
        assert!(models::User::delete(self.ctx.db(), id).await.expect("the user should delete"));
        token
    }

    /// Creates an article through the API and returns the `article` object.
    pub async fn create_article(&self, token: &str, title: &str, tags: &[&str]) -> Value {
        let response = self
            .post(
                "/api/articles",
                &json!({"article": {
                    "title": title,
                    "description": format!("About {title}"),
                    "body": format!("All about {title}."),
                    "tagList": tags,
                }}),
            )
            .token(token)
            .send()
            .await;
        expect_json(&response, 201)["article"].clone()
    }

    /// Makes the owner of `token` follow `username` through the API; returns the `profile` object.
    pub async fn follow(&self, token: &str, username: &str) -> Value {
        let response = self.request("POST", &format!("/api/profiles/{username}/follow")).token(token).send().await;
        expect_json(&response, 200)["profile"].clone()
    }

    /// Makes the owner of `token` favorite the article `slug` through the API; returns the `article` object.
    pub async fn favorite(&self, token: &str, slug: &str) -> Value {
        let response = self.request("POST", &format!("/api/articles/{slug}/favorite")).token(token).send().await;
        expect_json(&response, 200)["article"].clone()
    }

    /// The `article` at `slug` as the owner of `token` (or, with `None`, anybody) sees it.
    pub async fn article(&self, slug: &str, token: Option<&str>) -> Value {
        let mut request = self.get(&format!("/api/articles/{slug}"));
        if let Some(token) = token {
            request = request.token(token);
        }
        expect_json(&request.send().await, 200)["article"].clone()
    }
}

/// The `profile` object of a user who set no bio nor image, as a caller who does (or does not) follow
/// them sees it.
pub fn profile(username: &str, following: bool) -> Value {
    json!({"username": username, "bio": null, "image": null, "following": following})
}

/// A list item: the article without its body.
pub fn list_item(article: &Value) -> Value {
    let mut item = article.clone();
    take(&mut item, "body");
    item
}

/// Says once per run, where a passing test's output is not hidden, that the PostgreSQL scenarios did
/// not run: the test harness captures `eprintln!`, so the helper's own note shows only with
/// `--nocapture`.
fn announce_postgres_skip() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let url = testing::postgres_url();
        let shown = match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if url[scheme + 3..at].contains(':') => {
                let colon = scheme + 3 + url[scheme + 3..at].find(':').unwrap_or(0);
                format!("{}:***{}", &url[..colon], &url[at..])
            }
            _ => url,
        };
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPING every postgres:: scenario (they pass without running): no PostgreSQL at {shown}\n\
             *** Set TEST_DATABASE_URL to a server where the user may CREATE DATABASE; with CI=true they fail.\n"
        );
    });
}

pub fn email_of(username: &str) -> String {
    format!("{username}@example.com")
}

pub fn password_of(username: &str) -> String {
    format!("{username}-secret")
}

/// The `token` of a `user` object.
pub fn token(user: &Value) -> String {
    user["token"].as_str().unwrap_or_else(|| panic!("no token in {user}")).to_owned()
}

/// A token for `subject` signed with a key this server does not know.
pub fn foreign_token(subject: &str) -> String {
    Jwt::new(b"another-secret-another-secret-another-secret", Duration::from_secs(3600))
        .issue(subject)
        .expect("the token should sign")
}

/// `Authorization: Token <token>` (Conduit's scheme) and other headers.
pub trait RequestExt {
    fn token(self, token: &str) -> TestRequest;
    fn authorization(self, value: &str) -> TestRequest;
}

impl RequestExt for TestRequest {
    fn token(self, token: &str) -> TestRequest {
        self.authorization(&format!("Token {token}"))
    }

    fn authorization(self, value: &str) -> TestRequest {
        self.header("authorization", value)
    }
}

fn describe(response: &TestResponse) -> String {
    format!("{} {}", response.status, response.text())
}

/// Asserts the status and a JSON content type, and returns the body.
pub fn expect_json(response: &TestResponse, status: u16) -> Value {
    assert_eq!(response.status.as_u16(), status, "unexpected status: {}", describe(response));
    let content_type = response.header("content-type").unwrap_or("");
    assert!(content_type.starts_with("application/json"), "content type `{content_type}`: {}", describe(response));
    response.json()
}

/// Asserts an error in Conduit's envelope, `{"errors":{"body":[...]}}`, with exactly these messages (in
/// any order: the contract does not order them).
pub fn expect_error(response: &TestResponse, status: u16, messages: &[&str]) {
    let body = expect_json(response, status);
    let mut got = envelope_messages(&body);
    got.sort();
    let mut want: Vec<String> = messages.iter().map(|m| (*m).to_owned()).collect();
    want.sort();
    assert_eq!(got, want, "unexpected error messages in {body}");
}

/// Asserts an error in Conduit's envelope with one message starting with `prefix`; for messages that quote
/// a parser's detail.
pub fn expect_error_starting(response: &TestResponse, status: u16, prefix: &str) {
    let body = expect_json(response, status);
    let messages = envelope_messages(&body);
    assert!(
        matches!(messages.as_slice(), [one] if one.starts_with(prefix)),
        "expected one message starting with `{prefix}` in {body}"
    );
}

fn envelope_messages(body: &Value) -> Vec<String> {
    let object = body.as_object().unwrap_or_else(|| panic!("error body is not an object: {body}"));
    assert_eq!(object.keys().collect::<Vec<_>>(), ["errors"], "error envelope has other keys: {body}");
    let errors = body["errors"].as_object().unwrap_or_else(|| panic!("`errors` is not an object: {body}"));
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["body"], "`errors` has other keys: {body}");
    let list = body["errors"]["body"].as_array().unwrap_or_else(|| panic!("`errors.body` is not an array: {body}"));
    list.iter()
        .map(|m| m.as_str().unwrap_or_else(|| panic!("`errors.body` holds a non-string: {body}")).to_owned())
        .collect()
}

/// A 401 in the envelope with this message and the `WWW-Authenticate: Token` challenge.
pub fn expect_unauthorized(response: &TestResponse, message: &str) {
    expect_error(response, 401, &[message]);
    assert_eq!(response.header("www-authenticate"), Some("Token"), "challenge of {}", describe(response));
}

/// Removes and returns `key` of a JSON object, failing when it is absent.
pub fn take(value: &mut Value, key: &str) -> Value {
    let shown = value.to_string();
    value
        .as_object_mut()
        .unwrap_or_else(|| panic!("not an object: {shown}"))
        .remove(key)
        .unwrap_or_else(|| panic!("no `{key}` in {shown}"))
}

/// Asserts an ISO 8601 UTC timestamp with fractional seconds (`2024-05-01T12:00:00.123456Z`), taken
/// within the last minute, and returns it.
pub fn expect_recent_timestamp(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("timestamp is not a string: {value}"));
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|b| b.iter().all(u8::is_ascii_digit));
    let shaped = bytes.len() > 21
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && bytes[10] == b'T'
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19)
        && bytes[19] == b'.'
        && digits(20..bytes.len() - 1)
        && bytes[bytes.len() - 1] == b'Z';
    assert!(shaped, "`{text}` is not an ISO 8601 UTC timestamp with fractional seconds");
    let at: DateTime<Utc> = text.parse().unwrap_or_else(|e| panic!("`{text}` does not parse: {e}"));
    let age = Utc::now().signed_duration_since(at);
    assert!(age.num_seconds() < 60 && age.num_seconds() > -5, "`{text}` is not recent");
    at
}
