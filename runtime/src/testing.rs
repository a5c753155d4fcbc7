//! Test helpers (feature `testing`): a throwaway database per test and an in-process HTTP client.
//!
//! ```no_run
//! # async fn demo() {
//! use charter_runtime::testing::TestDb;
//! for test_db in [Some(TestDb::sqlite().await), TestDb::postgres().await].into_iter().flatten() {
//!     let db = test_db.db();
//!     // ...
//! }
//! # }
//! ```

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tower::ServiceExt;

use crate::db::Db;
use crate::server::Api;

/// Where the PostgreSQL tests connect when `TEST_DATABASE_URL` and `DATABASE_URL` name none.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database that exists for one test: an SQLite file in a temporary directory, or a PostgreSQL
/// database with a unique name, created through an admin connection and dropped when this value is
/// dropped, so concurrent runs never share state.
pub struct TestDb {
    db: Db,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin: Box<PgConnectOptions>, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("charter_test_{}_{}_{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos % 0xffff_ffff)
}

/// The PostgreSQL server for tests: `TEST_DATABASE_URL`, else a `postgres:` `DATABASE_URL`, else
/// [`DEFAULT_POSTGRES_URL`].
pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres")))
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned())
}

impl TestDb {
    /// A fresh SQLite database file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::connect(&url).await.expect("cannot open a temporary SQLite database");
        TestDb { db, url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A fresh PostgreSQL database, or `None` (after a loud note on stderr) when no server is reachable.
    /// With `CI=true` an unreachable server fails the test instead: CI must not skip silently.
    pub async fn postgres() -> Option<TestDb> {
        let server = postgres_url();
        match Self::try_postgres(&server).await {
            Ok(test_db) => Some(test_db),
            Err(e) => {
                let redacted = crate::config::redact_url(&server);
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL at {redacted} is required when CI=true: {e}");
                }
                eprintln!(
                    "\n*** SKIPPING PostgreSQL test: cannot reach {redacted}: {e}\n*** Set TEST_DATABASE_URL to a server where the user may CREATE DATABASE.\n"
                );
                None
            }
        }
    }

    async fn try_postgres(server: &str) -> Result<TestDb, sqlx::Error> {
        let options = PgConnectOptions::from_str(server)?;
        // The URL's own database may not exist yet; `postgres` normally does.
        let mut admin_options = options.clone();
        let mut admin = match admin_options.connect().await {
            Ok(conn) => conn,
            Err(_) => {
                admin_options = options.clone().database("postgres");
                admin_options.connect().await?
            }
        };
        let name = unique_name();
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await?;
        admin.close().await?;
        let url = with_database(server, &name);
        match Db::connect(&url).await {
            Ok(db) => Ok(TestDb { db, url, cleanup: Cleanup::Postgres { admin: Box::new(admin_options), name } }),
            Err(e) => {
                drop_database(admin_options, name);
                Err(sqlx::Error::Configuration(e.to_string().into()))
            }
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The URL of this database, for [`Config::for_tests`](crate::Config::for_tests).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin, name } = &self.cleanup {
            drop_database((**admin).clone(), name.clone());
        }
    }
}

/// Drops the database from a thread with its own runtime: `Drop` cannot await, and the test's runtime
/// may be shutting down.
fn drop_database(admin: PgConnectOptions, name: String) {
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            let mut conn: PgConnection = admin.connect().await.map_err(|e| e.to_string())?;
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            let _ = conn.close().await;
            Ok::<(), String>(())
        })
    })
    .join();
    match dropped {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: cannot drop test database: {e}"),
        Err(_) => eprintln!("warning: dropping the test database panicked"),
    }
}

/// Replaces the database name (the path) of a `postgres://` URL, keeping its query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Sends requests to an [`Api`] in-process, without a socket.
#[derive(Clone)]
pub struct TestClient {
    api: Api,
}

impl TestClient {
    pub fn new(api: Api) -> TestClient {
        TestClient { api }
    }

    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest { client: self.clone(), builder: Request::builder().method(method).uri(path), body: Body::empty() }
    }

    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.api.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.expect("cannot read the response body");
        TestResponse { status: parts.status, headers: parts.headers, body }
    }
}

#[must_use = "call .send().await"]
pub struct TestRequest {
    client: TestClient,
    builder: http::request::Builder,
    body: Body,
}

impl TestRequest {
    pub fn header<K, V>(mut self, name: K, value: V) -> TestRequest
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.builder = self.builder.header(name, value);
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, value: &serde_json::Value) -> TestRequest {
        self.header(http::header::CONTENT_TYPE, "application/json").body(value.to_string())
    }

    pub fn body(mut self, body: impl Into<Body>) -> TestRequest {
        self.body = body.into();
        self
    }

    pub async fn send(self) -> TestResponse {
        let request = self.builder.body(self.body).expect("invalid test request");
        self.client.send(request).await
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    /// The body as JSON; panics, showing the body, when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgresql://h", "x"), "postgresql://h/x");
    }
}
