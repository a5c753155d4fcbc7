//! The server built by `build()`, exercised in-process: system routes, layers, and handlers written the
//! way generated code writes them.

use std::time::Duration;

use charter_runtime::__private::axum::Router;
use charter_runtime::__private::axum::body::Body;
use charter_runtime::__private::axum::extract::State;
use charter_runtime::__private::axum::routing::{get, post};
use charter_runtime::__private::handler::{self, Request, Response, Shared};
use charter_runtime::testing::{TestClient, TestDb, TestResponse};
use charter_runtime::{
    ApiError, ApiSpec, AuthScheme, Config, Ctx, EmbeddedMigration, Envelope, Migrations, Validate, api, build,
};
use http::header::{ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

static MIGRATIONS: [EmbeddedMigration; 1] = [EmbeddedMigration {
    version: 1,
    description: "create items",
    sql: "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL);",
}];

const fn spec(envelope: Envelope, auth: AuthScheme) -> ApiSpec {
    ApiSpec {
        title: "Test API",
        version: "1.2.3",
        openapi_json: r#"{"openapi":"3.0.3","info":{"title":"Test API","version":"1.2.3"},"paths":{}}"#,
        openapi_yaml: "openapi: 3.0.3\ninfo:\n  title: Test API\n  version: 1.2.3\npaths: {}\n",
        envelope,
        auth,
        migrations: Migrations { sqlite: &MIGRATIONS, postgres: &MIGRATIONS },
        rate_limited: false,
        tables: &[],
    }
}

static PROBLEM: ApiSpec = spec(Envelope::Problem, AuthScheme::BEARER);
static CONDUIT: ApiSpec = spec(
    Envelope::Template {
        content_type: "application/json; charset=utf-8",
        template: r#"{"errors":{"body":"$messages"}}"#,
    },
    AuthScheme { header: "Authorization", prefix: "Token" },
);

const BODY_LIMIT: usize = 1024;

#[derive(Debug, Deserialize, Validate)]
struct NewItem {
    #[validate(length(min = 1, max = 10))]
    name: String,
    #[allow(dead_code)]
    qty: u8,
}

#[derive(Debug, Deserialize, Validate)]
struct CreateBody {
    #[validate(nested)]
    item: NewItem,
}

struct App;

// Shaped like generated handlers.
async fn create_item(State(state): State<Shared<App>>, req: Request) -> Response {
    let ctx = state.ctx();
    let caller = match handler::caller_optional(&req, ctx) {
        Ok(c) => c,
        Err(e) => return handler::fail(ctx, e),
    };
    let body = match handler::json_body::<CreateBody>(&req) {
        Ok(b) => b,
        Err(e) => return handler::fail(ctx, e),
    };
    let mut errors = Vec::new();
    let limit = handler::query::<i64>(&req, "limit", &mut errors);
    let tags = handler::query_list::<String>(&req, "tag", &mut errors);
    handler::check(&body, &mut errors);
    if !errors.is_empty() {
        return handler::fail(ctx, ApiError::validation(errors));
    }
    let id: i64 = ctx.db().query("SELECT count(*) + 1 FROM items").fetch_scalar().await.unwrap();
    ctx.db()
        .query("INSERT INTO items (id, name) VALUES ($1, $2)")
        .bind(id)
        .bind(&body.item.name)
        .execute()
        .await
        .unwrap();
    handler::respond(
        201,
        &json!({"id": id, "name": body.item.name, "caller": caller.map(|c| c.subject), "limit": limit, "tags": tags}),
    )
}

async fn get_item(State(state): State<Shared<App>>, req: Request) -> Response {
    let ctx = state.ctx();
    let mut errors = Vec::new();
    let id = handler::path::<i64>(&req, "id", &mut errors);
    let Some(id) = id else { return handler::fail(ctx, ApiError::validation(errors)) };
    let name: Option<String> =
        ctx.db().query("SELECT name FROM items WHERE id = $1").bind(id).fetch_optional_scalar().await.unwrap();
    match name {
        Some(name) => handler::respond(200, &json!({"id": id, "name": name})),
        None => handler::fail(ctx, ApiError::not_found(format!("item {id} does not exist"))),
    }
}

async fn search(State(state): State<Shared<App>>, req: Request) -> Response {
    let ctx = state.ctx();
    let mut errors = Vec::new();
    let q = handler::query_required::<String>(&req, "q", &mut errors);
    let pages = handler::query_list::<u32>(&req, "page", &mut errors);
    let owner = handler::query::<uuid::Uuid>(&req, "owner", &mut errors);
    let since = handler::query::<charter_runtime::DateTime<charter_runtime::Utc>>(&req, "since", &mut errors);
    let (Some(q),) = (q,) else { return handler::fail(ctx, ApiError::validation(errors)) };
    if !errors.is_empty() {
        return handler::fail(ctx, ApiError::validation(errors));
    }
    handler::respond(200, &json!({"q": q, "pages": pages, "owner": owner, "since": since}))
}

async fn whoami(State(state): State<Shared<App>>, req: Request) -> Response {
    let ctx = state.ctx();
    match handler::caller_required(&req, ctx) {
        Ok(caller) => handler::respond(200, &json!({"subject": caller.subject})),
        Err(e) => handler::fail(ctx, e),
    }
}

async fn token(State(state): State<Shared<App>>) -> Response {
    handler::respond(200, &json!({"token": state.ctx().jwt().issue("7").unwrap()}))
}

async fn panics() -> Response {
    panic!("secret panic detail")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

/// A hand-written axum handler returning `ApiError` directly.
async fn taken() -> Result<&'static str, ApiError> {
    Err(ApiError::conflict("the name is taken").with_header(http::header::RETRY_AFTER, HeaderValue::from_static("3")))
}

/// Bare axum responses, as a hand-written handler or an axum extractor rejection produces them.
async fn bare_teapot() -> (StatusCode, &'static str) {
    (StatusCode::IM_A_TEAPOT, "short and stout")
}

async fn bare_500() -> (StatusCode, &'static str) {
    (StatusCode::INTERNAL_SERVER_ERROR, "connection string postgres://admin:hunter2@db")
}

/// A hand-written handler reading its body with axum's own extractor, bounded by `DefaultBodyLimit`.
async fn bare_echo(body: String) -> String {
    body
}

fn routes(ctx: Ctx) -> Router {
    Router::new()
        .route("/teapot", get(bare_teapot))
        .route("/echo", post(bare_echo))
        .route("/bare500", get(bare_500))
        .route("/items", post(create_item))
        .route("/items/{id}", get(get_item))
        .route("/search", get(search))
        .route("/whoami", get(whoami))
        .route("/token", post(token))
        .route("/panic", get(panics))
        .route("/slow", get(slow))
        .route("/taken", get(taken))
        .with_state(Shared::new(App, ctx))
}

struct Server {
    client: TestClient,
    ctx: Ctx,
    _db: TestDb,
}

async fn server_with(spec: &'static ApiSpec, tweak: impl FnOnce(&mut Config)) -> Server {
    let test_db = TestDb::sqlite().await;
    let mut config = Config::for_tests(test_db.url());
    config.body_limit = BODY_LIMIT;
    config.request_timeout = Duration::from_millis(300);
    tweak(&mut config);
    let (api, ctx) = build(spec, &config, routes).await.unwrap();
    Server { client: TestClient::new(api), ctx, _db: test_db }
}

async fn server(spec: &'static ApiSpec) -> Server {
    server_with(spec, |_| {}).await
}

fn problem(response: &TestResponse, status: u16, code: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/problem+json"), "{}", response.text());
    let body = response.json();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], "about:blank");
    body
}

fn conduit(response: &TestResponse, status: u16) -> Vec<String> {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    let body = response.json();
    let messages = body["errors"]["body"].as_array().unwrap_or_else(|| panic!("not the Conduit envelope: {body}"));
    messages.iter().map(|m| m.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn health_and_request_ids() {
    let s = server(&PROBLEM).await;
    let response = s.client.get("/healthz").send().await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"status": "ok"}));
    let first = response.header("x-request-id").expect("a generated request id").to_owned();
    let second = s.client.get("/healthz").send().await.header("x-request-id").expect("another id").to_owned();
    assert_ne!(first, second, "ids are unique");
    let (prefix, _) = first.split_once('-').expect("<process prefix>-<counter>");
    assert_eq!(prefix.len(), 16, "a random per-process prefix: {first}");
    assert!(second.starts_with(prefix), "{first} and {second} come from one process");

    let response = s.client.get("/nope").header("x-request-id", "abc-123").send().await;
    assert_eq!(response.header("x-request-id"), Some("abc-123"), "propagated on errors too");
}

/// With request logging on, the stack has a tracing layer (and boxes the service); it must answer alike.
#[tokio::test]
async fn the_logged_stack_answers_as_the_quiet_one() {
    let test_db = TestDb::sqlite().await;
    let mut config = Config::for_tests(test_db.url());
    config.request_timeout = Duration::from_millis(300);
    config.cors_origins = vec!["https://app.example.com".into()];
    let (_, ctx) = build(&PROBLEM, &config, routes).await.unwrap();
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone());
    // The test's runtime runs every request on this thread, inside the subscriber.
    let _logging = tracing::subscriber::set_default(subscriber.finish());
    let client = TestClient::new(api(ctx.clone(), &config, routes).unwrap());

    let response = client.get("/healthz").header("origin", "https://app.example.com").send().await;
    assert_eq!(response.status, 200);
    assert!(response.header("x-request-id").is_some());
    assert_eq!(response.header("access-control-allow-origin"), Some("https://app.example.com"));
    let response = client.get("/nope").header("x-request-id", "abc-123").send().await;
    problem(&response, 404, "not_found");
    assert_eq!(response.header("x-request-id"), Some("abc-123"));
    problem(&client.get("/panic").send().await, 500, "internal");
    problem(&client.get("/slow").send().await, 503, "timeout");
    let response = client.post("/items").json(&json!({"item": {"name": "fig", "qty": 2}})).send().await;
    assert_eq!(response.status, 201, "{}", response.text());
    let log = log.text();
    assert!(log.contains("request_id=abc-123") && log.contains("path=/nope"), "no request span in the log:\n{log}");
}

/// Log lines, captured.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn readiness_follows_the_database() {
    let s = server(&PROBLEM).await;
    let response = s.client.get("/readyz").send().await;
    assert_eq!((response.status, response.json()), (StatusCode::OK, json!({"status": "ok"})));
    s.ctx.db().close().await;
    let response = s.client.get("/readyz").send().await;
    let body = problem(&response, 503, "unavailable");
    assert_eq!(body["detail"], "the database is unavailable");
}

#[tokio::test]
async fn build_applies_migrations() {
    let s = server(&PROBLEM).await;
    assert_eq!(s.ctx.db().applied_migrations().await.unwrap(), [1]);
    let response = s.client.post("/items").json(&json!({"item": {"name": "apple", "qty": 1}})).send().await;
    assert_eq!(response.status, 201, "{}", response.text());
    let response = s.client.get("/items/1").send().await;
    assert_eq!(response.json(), json!({"id": 1, "name": "apple"}));
}

#[tokio::test]
async fn openapi_documents_and_docs_page() {
    let s = server(&PROBLEM).await;
    let response = s.client.get("/openapi.json").send().await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), PROBLEM.openapi_json);
    let response = s.client.get("/openapi.yaml").send().await;
    assert_eq!(response.header("content-type"), Some("application/yaml"));
    assert_eq!(response.text(), PROBLEM.openapi_yaml);

    let response = s.client.get("/docs").send().await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), Some("docs/"));
    let response = s.client.get("/docs/").send().await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").unwrap().starts_with("text/html"));
    assert!(response.text().contains("swagger-ui"), "{}", response.text());
    let response = s.client.get("/docs/swagger-initializer.js").send().await;
    assert_eq!(response.status, 200);
    assert!(response.text().contains("../openapi.json"), "{}", response.text());
    let response = s.client.get("/docs/swagger-ui-bundle.js").send().await;
    assert_eq!(response.status, 200);
    assert!(response.body.len() > 100_000, "the vendored bundle is served offline");
    problem(&s.client.get("/docs/missing.js").send().await, 404, "not_found");
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let s = server(&PROBLEM).await;
    let body = problem(&s.client.get("/nope").send().await, 404, "not_found");
    assert_eq!(
        body,
        json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no route for GET /nope", "code": "not_found"})
    );
    let response = s.client.request(Method::DELETE, "/healthz").send().await;
    let body = problem(&response, 405, "method_not_allowed");
    assert_eq!(body["detail"], "DELETE is not allowed on this path");
    assert!(response.header(ALLOW.as_str()).unwrap().contains("GET"));
}

#[tokio::test]
async fn body_errors() {
    let s = server(&PROBLEM).await;
    let big = format!(r#"{{"item":{{"name":"{}","qty":1}}}}"#, "x".repeat(BODY_LIMIT));
    let response = s.client.post("/items").header(CONTENT_TYPE, "application/json").body(big.clone()).send().await;
    let body = problem(&response, 413, "payload_too_large");
    assert_eq!(body["detail"], format!("request body is larger than the limit of {BODY_LIMIT} bytes"));

    // Without Content-Length the limit is hit while reading.
    let chunks =
        big.into_bytes().chunks(100).map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c))).collect();
    let request = http::Request::post("/items")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from_stream(Chunks(chunks)))
        .unwrap();
    problem(&s.client.send(request).await, 413, "payload_too_large");

    // axum's extractors in hand-written handlers are held to the same limit, and a small body still passes.
    let response = s.client.post("/echo").body("x".repeat(BODY_LIMIT + 1)).send().await;
    problem(&response, 413, "payload_too_large");
    let response = s.client.post("/echo").body("small").send().await;
    assert_eq!((response.status.as_u16(), response.text()), (200, "small".to_owned()));

    let response = s.client.post("/items").header(CONTENT_TYPE, "application/json").body("{\"item\": ").send().await;
    let body = problem(&response, 400, "bad_request");
    assert_eq!(body["detail"], "the request body is not valid JSON: EOF while parsing a value (line 1, column 9)");

    let response = s.client.post("/items").header(CONTENT_TYPE, "text/plain").body("{}").send().await;
    let body = problem(&response, 415, "unsupported_media_type");
    assert_eq!(body["detail"], "Content-Type must be application/json, not `text/plain`");

    let response = s.client.post("/items").json(&json!({"item": {"name": 5, "qty": 1}})).send().await;
    let body = problem(&response, 422, "validation");
    assert_eq!(body["errors"], json!([{"path": "item.name", "code": "type", "message": "must be a string"}]));
}

#[tokio::test]
async fn every_failing_field_is_reported() {
    let s = server(&PROBLEM).await;
    let response = s
        .client
        .post("/items?limit=ten&tag=a&tag=b")
        .json(&json!({"item": {"name": "much too long", "qty": 1}}))
        .send()
        .await;
    let body = problem(&response, 422, "validation");
    assert_eq!(
        body["errors"],
        json!([
            {"path": "limit", "code": "type", "message": "must be an integer"},
            {"path": "item.name", "code": "max_length", "message": "must be at most 10 characters long"},
        ])
    );
    assert_eq!(body["detail"], "limit must be an integer; item.name must be at most 10 characters long");

    let response =
        s.client.post("/items?limit=5&tag=a&tag=b").json(&json!({"item": {"name": "pear", "qty": 2}})).send().await;
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(response.json(), json!({"id": 1, "name": "pear", "caller": null, "limit": 5, "tags": ["a", "b"]}));

    let body = problem(&s.client.get("/items/abc").send().await, 422, "validation");
    assert_eq!(body["detail"], "id must be an integer");
    let body = problem(&s.client.get("/items/9").send().await, 404, "not_found");
    assert_eq!(body["detail"], "item 9 does not exist");
}

#[tokio::test]
async fn query_parameters() {
    let s = server(&PROBLEM).await;
    for url in ["/search", "/search?page=1"] {
        let body = problem(&s.client.get(url).send().await, 422, "validation");
        assert_eq!(body["errors"], json!([{"path": "q", "code": "required", "message": "is required"}]), "{url}");
    }
    // An empty value is not taken for "absent" (nor a default): the client sent something.
    let body = problem(&s.client.get("/search?q=&page=").send().await, 422, "validation");
    assert_eq!(
        body["errors"],
        json!([
            {"path": "q", "code": "empty", "message": "must not be empty"},
            {"path": "page[0]", "code": "empty", "message": "must not be empty"},
        ])
    );
    // NUL characters are refused in every parameter, on either database.
    let body = problem(&s.client.get("/search?q=a%00b").send().await, 422, "validation");
    assert_eq!(body["errors"], json!([{"path": "q", "code": "nul", "message": "must not contain NUL characters"}]));
    let body = problem(&s.client.get("/items/1%00").send().await, 422, "validation");
    assert_eq!(body["errors"][0]["code"], "nul");
    let body = problem(&s.client.get("/items/+1").send().await, 422, "validation");
    assert_eq!(body["detail"], "id must be an integer");
    let body =
        problem(&s.client.get("/search?q=a&page=1&page=x&owner=nope&since=yesterday").send().await, 422, "validation");
    assert_eq!(
        body["errors"],
        json!([
            {"path": "page[1]", "code": "type", "message": "must be a non-negative integer"},
            {"path": "owner", "code": "type", "message": "must be a UUID"},
            {"path": "since", "code": "type", "message": "must be a date-time such as 2024-05-01T12:00:00Z"},
        ])
    );
    let owner = uuid::Uuid::new_v4();
    let response = s
        .client
        .get(&format!("/search?q=caf%C3%A9+au+lait&page=2&page=3&owner={owner}&since=2024-05-01T12:00:00Z"))
        .send()
        .await;
    assert_eq!(
        response.json(),
        json!({"q": "café au lait", "pages": [2, 3], "owner": owner, "since": "2024-05-01T12:00:00Z"})
    );
    let body = problem(&s.client.get("/search?q=a&q=b").send().await, 422, "validation");
    assert_eq!(body["detail"], "q must be given only once");
}

#[tokio::test]
async fn auth_tokens() {
    let s = server(&PROBLEM).await;
    let response = s.client.get("/whoami").send().await;
    let body = problem(&response, 401, "unauthorized");
    assert_eq!(body["detail"], "missing Authorization header");
    assert_eq!(response.header(WWW_AUTHENTICATE.as_str()), Some("Bearer"));

    let token = s.client.post("/token").send().await.json()["token"].as_str().unwrap().to_owned();
    let response = s.client.get("/whoami").header("authorization", format!("Bearer {token}")).send().await;
    assert_eq!(response.json(), json!({"subject": "7"}));
    let response = s.client.get("/whoami").header("authorization", format!("Token {token}")).send().await;
    let body = problem(&response, 401, "unauthorized");
    assert_eq!(body["detail"], "the Authorization header must have the form `Bearer <token>`");
    let response = s.client.get("/whoami").header("authorization", "Bearer x.y.z").send().await;
    problem(&response, 401, "unauthorized");

    let response = s
        .client
        .post("/items")
        .header("authorization", format!("Bearer {token}"))
        .json(&json!({"item": {"name": "fig", "qty": 1}}))
        .send()
        .await;
    assert_eq!(response.json()["caller"], "7");
}

#[tokio::test]
async fn panics_become_opaque_500s() {
    let s = server(&PROBLEM).await;
    let response = s.client.get("/panic").send().await;
    let body = problem(&response, 500, "internal");
    assert_eq!(body["detail"], "internal server error");
    assert!(!response.text().contains("secret"));
    assert!(response.header("x-request-id").is_some());
    // The server keeps serving.
    assert_eq!(s.client.get("/healthz").send().await.status, 200);
}

#[tokio::test]
async fn slow_requests_time_out() {
    let s = server(&PROBLEM).await;
    let started = std::time::Instant::now();
    let body = problem(&s.client.get("/slow").send().await, 503, "timeout");
    assert_eq!(body["detail"], "the request took too long to process");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn hand_written_handlers_can_return_api_errors() {
    let s = server(&PROBLEM).await;
    let response = s.client.get("/taken").send().await;
    let body = problem(&response, 409, "conflict");
    assert_eq!(body["detail"], "the name is taken");
    assert_eq!(response.header("retry-after"), Some("3"));
}

#[tokio::test]
async fn bare_error_responses_are_enveloped() {
    let s = server(&PROBLEM).await;
    let body = problem(&s.client.get("/teapot").send().await, 418, "error");
    assert_eq!(body["detail"], "short and stout");
    let response = s.client.get("/bare500").send().await;
    let body = problem(&response, 500, "internal");
    assert_eq!(body["detail"], "internal server error");
    assert!(!response.text().contains("hunter2"));
}

#[tokio::test]
async fn conduit_envelope_everywhere() {
    let s = server(&CONDUIT).await;
    assert_eq!(conduit(&s.client.get("/nope").send().await, 404), ["no route for GET /nope"]);
    assert_eq!(
        conduit(&s.client.request(Method::PUT, "/healthz").send().await, 405),
        ["PUT is not allowed on this path"]
    );
    let response = s.client.post("/items?limit=x").json(&json!({"item": {"name": "", "qty": 1}})).send().await;
    assert_eq!(conduit(&response, 422), ["limit must be an integer", "item.name must be at least 1 character long"]);
    let response = s.client.post("/items").header(CONTENT_TYPE, "application/json").body("nope").send().await;
    assert_eq!(conduit(&response, 400), ["the request body is not valid JSON: expected ident (line 1, column 2)"]);
    let response = s.client.post("/items").json(&json!({"item": {"name": "x".repeat(2000), "qty": 1}})).send().await;
    assert_eq!(conduit(&response, 413), [format!("request body is larger than the limit of {BODY_LIMIT} bytes")]);
    assert_eq!(conduit(&s.client.get("/panic").send().await, 500), ["internal server error"]);
    assert_eq!(conduit(&s.client.get("/teapot").send().await, 418), ["short and stout"]);
    assert_eq!(conduit(&s.client.get("/slow").send().await, 503), ["the request took too long to process"]);
    let response = s.client.get("/taken").send().await;
    assert_eq!(conduit(&response, 409), ["the name is taken"]);
    assert_eq!(response.header("retry-after"), Some("3"));
    let response = s.client.get("/whoami").header("authorization", "Bearer abc").send().await;
    assert_eq!(conduit(&response, 401), ["the Authorization header must have the form `Token <token>`"]);
    assert_eq!(response.header(WWW_AUTHENTICATE.as_str()), Some("Token"));
    s.ctx.db().close().await;
    assert_eq!(conduit(&s.client.get("/readyz").send().await, 503), ["the database is unavailable"]);
}

#[tokio::test]
async fn cors_when_configured() {
    let s = server_with(&CONDUIT, |c| c.cors_origins = vec!["https://app.example.com".into()]).await;
    let response = s
        .client
        .request(Method::OPTIONS, "/items")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("access-control-allow-origin"), Some("https://app.example.com"));
    let allowed = response.header("access-control-allow-headers").unwrap().to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");

    let response = s.client.get("/nope").header("origin", "https://app.example.com").send().await;
    assert_eq!(response.header("access-control-allow-origin"), Some("https://app.example.com"), "errors are readable");
    let response = s.client.get("/healthz").header("origin", "https://evil.example.com").send().await;
    assert_eq!(response.header("access-control-allow-origin"), None);

    let s = server(&PROBLEM).await;
    let response = s.client.get("/healthz").header("origin", "https://app.example.com").send().await;
    assert_eq!(response.header("access-control-allow-origin"), None, "no CORS unless configured");
}

#[tokio::test]
async fn broken_templates_fail_the_boot() {
    static BROKEN: ApiSpec =
        spec(Envelope::Template { content_type: "application/json", template: "{oops" }, AuthScheme::BEARER);
    let test_db = TestDb::sqlite().await;
    let err = build(&BROKEN, &Config::for_tests(test_db.url()), routes).await.err().unwrap();
    assert!(err.to_string().contains("not valid JSON"), "{err}");
}

#[tokio::test]
async fn serves_on_postgres() {
    let Some(test_db) = TestDb::postgres().await else { return };
    let (api, ctx) = build(&PROBLEM, &Config::for_tests(test_db.url()), routes).await.unwrap();
    let client = TestClient::new(api);
    assert_eq!(client.get("/readyz").send().await.status, 200);
    let response = client.post("/items").json(&json!({"item": {"name": "plum", "qty": 3}})).send().await;
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(client.get("/items/1").send().await.json(), json!({"id": 1, "name": "plum"}));
    ctx.db().close().await;
}

/// A body stream without a known length.
struct Chunks(std::collections::VecDeque<Result<bytes::Bytes, std::io::Error>>);

impl futures_core::Stream for Chunks {
    type Item = Result<bytes::Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.pop_front())
    }
}
