//! A generated server's behaviour under faults and hostile clients, over real TCP on 127.0.0.1: slow
//! request heads, shutdown with clients still connected, bodies declared over the limit, requests hyper
//! cannot parse, and a database that is locked, down, and back. Every database case runs on SQLite and
//! PostgreSQL.

mod support;

use std::time::{Duration, Instant};

use charter_runtime::__private::axum::Router;
use charter_runtime::__private::axum::extract::State;
use charter_runtime::__private::axum::routing::{get, post};
use charter_runtime::__private::handler::{self, Request, Response, Shared};
use charter_runtime::testing::TestDb;
use charter_runtime::{
    ApiError, ApiSpec, AuthScheme, Config, ConnectionLimits, Ctx, EmbeddedMigration, Envelope, Migrations, build,
    serve_on,
};
use serde_json::{Value, json};
use support::relay::Relay;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

static MIGRATIONS: [EmbeddedMigration; 1] = [EmbeddedMigration {
    version: 1,
    description: "create items",
    sql: "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL);",
}];

static SPEC: ApiSpec = ApiSpec {
    title: "Faults",
    version: "1",
    openapi_json: "{}",
    openapi_yaml: "{}",
    envelope: Envelope::Template { content_type: "application/json", template: r#"{"errors":{"body":"$messages"}}"# },
    auth: AuthScheme::BEARER,
    migrations: Migrations { sqlite: &MIGRATIONS, postgres: &MIGRATIONS },
    rate_limited: false,
    tables: &[],
};

struct App;

/// Shaped like a generated handler whose use case met a database error: `Internal(cause)` is answered
/// with `ApiError::from_internal`.
async fn create_item(State(state): State<Shared<App>>, _req: Request) -> Response {
    let ctx = state.ctx();
    let written = ctx
        .db()
        .query("INSERT INTO items (id, name) VALUES ((SELECT count(*) + 1 FROM items), $1)")
        .bind("x")
        .execute()
        .await;
    match written {
        Ok(_) => handler::respond(201, &json!({"ok": true})),
        Err(e) => handler::fail(ctx, ApiError::from_internal(Box::new(e))),
    }
}

async fn count(State(state): State<Shared<App>>, _req: Request) -> Response {
    let ctx = state.ctx();
    match ctx.db().query("SELECT count(*) FROM items").fetch_scalar::<i64>().await {
        Ok(n) => handler::respond(200, &json!({"count": n})),
        Err(e) => handler::fail(ctx, ApiError::from_internal(Box::new(e))),
    }
}

async fn hang() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    "never"
}

fn routes(ctx: Ctx) -> Router {
    Router::new()
        .route("/items", post(create_item).get(count))
        .route("/hang", get(hang))
        .with_state(Shared::new(App, ctx))
}

struct Running {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Asks for a graceful shutdown and returns how long the server took to stop.
    async fn shut_down(mut self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().map(|stop| stop.send(()));
        tokio::time::timeout(Duration::from_secs(30), self.done)
            .await
            .expect("the server did not stop within 30 s")
            .unwrap()
            .unwrap();
        started.elapsed()
    }
}

async fn start(database_url: &str, tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::for_tests(database_url);
    config.body_limit = 1024;
    config.header_read_timeout = Duration::from_millis(500);
    config.shutdown_timeout = Duration::from_millis(700);
    config.request_timeout = Duration::from_secs(3600);
    config.database_timeout = Duration::from_millis(400);
    tweak(&mut config);
    let (api, _ctx) = build(&SPEC, &config, routes).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ConnectionLimits {
        header_read_timeout: config.header_read_timeout,
        shutdown_timeout: config.shutdown_timeout,
        peer_addresses: true,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(serve_on(listener, api, &SPEC.envelope, limits, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop: Some(stop), done }
}

/// Writes `request` and reads until the server closes the connection (or 10 s pass).
async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn body_of(response: &str) -> Value {
    let (_, body) = response.split_once("\r\n\r\n").unwrap_or(("", ""));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
}

/// Whether the server closed `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn an_unfinished_request_head_is_cut_off() {
    let db = TestDb::sqlite().await;
    let server = start(db.url(), |_| {}).await;
    // A slowloris client: a head that never ends, one byte at a time.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /items HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let trickle = async {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow.write_all(b"X").await.is_err() {
                break;
            }
        }
    };
    trickle.await;
    assert!(closed_within(&mut slow, Duration::from_secs(2)).await, "a slow head kept its connection");
    // An idle connection that never sends a byte is closed too.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await, "an idle connection was kept");
    server.shut_down().await;
}

#[tokio::test]
async fn shutdown_does_not_wait_for_clients_forever() {
    let db = TestDb::sqlite().await;
    let server = start(db.url(), |c| c.header_read_timeout = Duration::from_secs(3600)).await;
    // One connection in the middle of its head, one waiting on a handler that never answers.
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    half.write_all(b"GET /items HTTP/1.1\r\n").await.unwrap();
    let mut hung = TcpStream::connect(server.addr).await.unwrap();
    hung.write_all(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let took = server.shut_down().await;
    assert!(took < Duration::from_secs(3), "shutdown took {took:?} with a 700 ms bound");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_at_once() {
    let db = TestDb::sqlite().await;
    let server = start(db.url(), |_| {}).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await.expect("no answer").unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("larger than the limit of 1024 bytes"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn requests_hyper_cannot_parse_are_answered_in_the_envelope() {
    let db = TestDb::sqlite().await;
    let server = start(db.url(), |_| {}).await;
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let big_header = format!("GET /items HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(500_000));
    let cases: [(&[u8], &str); 4] = [
        (long_uri.as_bytes(), "HTTP/1.1 414 "),
        (big_header.as_bytes(), "HTTP/1.1 431 "),
        (b"GET /items HTTP/1.1\r\nBad Header\r\n\r\n", "HTTP/1.1 400 "),
        (b"G\x01T /items HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
    ];
    for (request, status) in cases {
        let answer = exchange(server.addr, request).await;
        assert!(answer.starts_with(status), "expected {status}: {answer:.200}");
        let body = body_of(&answer);
        assert!(body["errors"]["body"][0].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    server.shut_down().await;
}

/// The answer to `POST /items` and how long it took.
async fn post_item(addr: std::net::SocketAddr) -> (String, Duration) {
    let started = Instant::now();
    let answer = exchange(
        addr,
        b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    )
    .await;
    (answer, started.elapsed())
}

fn assert_unavailable(answer: &str, took: Duration) {
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("\r\nretry-after: 2\r\n"), "{answer}");
    assert!(took < Duration::from_secs(3), "503 after {took:?} with a 400 ms database timeout");
    assert!(!answer.contains("locked") && !answer.contains("refused"), "the cause leaked: {answer}");
}

#[tokio::test]
async fn sqlite_locked_by_another_process_is_a_fast_503() {
    let db = TestDb::sqlite().await;
    let server = start(db.url(), |_| {}).await;
    // Another writer (another process, as far as SQLite can tell) holds the write lock.
    let other = charter_runtime::Db::connect(db.url()).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    tx.query("INSERT INTO items (id, name) VALUES (1000, 'held')").execute().await.unwrap();
    let (answer, took) = post_item(server.addr).await;
    assert_unavailable(&answer, took);
    tx.commit().await.unwrap();
    let (answer, _) = post_item(server.addr).await;
    assert!(answer.starts_with("HTTP/1.1 201 "), "after the lock is released: {answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn postgres_down_is_a_fast_503_and_the_server_recovers() {
    let Some(db) = TestDb::postgres().await else { return };
    // postgres://user@host:port/name: the authority is between `@` (or `//`) and the next `/`.
    let url = db.url();
    let start_at = url.find('@').map_or(url.find("//").unwrap() + 2, |at| at + 1);
    let end_at = start_at + url[start_at..].find('/').unwrap();
    let authority = &url[start_at..end_at];
    let authority = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:5432") };
    let target = tokio::net::lookup_host(&authority).await.unwrap().next().unwrap();
    let relay = Relay::start(0, target).await;
    let relayed = format!("{}127.0.0.1:{}{}", &url[..start_at], relay.port, &url[end_at..]);
    let server = start(&relayed, |_| {}).await;
    let (answer, _) = post_item(server.addr).await;
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");

    let port = relay.cut().await;
    for _ in 0..3 {
        let (answer, took) = post_item(server.addr).await;
        assert_unavailable(&answer, took);
    }

    let _relay = Relay::start(port, target).await;
    let recovered = async {
        loop {
            let (answer, _) = post_item(server.addr).await;
            if answer.starts_with("HTTP/1.1 201 ") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), recovered).await.expect("the server did not recover");
    server.shut_down().await;
}
