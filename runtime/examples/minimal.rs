//! A server with no generated code: the system routes plus one hand-written route.
//!
//! Run with `cargo run -p charter-runtime --example minimal`, then:
//!
//! ```sh
//! curl -s localhost:8080/healthz
//! curl -s localhost:8080/hello?name=you
//! open http://localhost:8080/docs/
//! ```

use charter_runtime::__private::axum::{Router, routing::get};
use charter_runtime::{ApiError, ApiSpec, AuthScheme, Envelope, Migrations};

static SPEC: ApiSpec = ApiSpec {
    title: "Minimal",
    version: "0.1.0",
    openapi_json: r#"{"openapi":"3.0.3","info":{"title":"Minimal","version":"0.1.0"},"paths":{"/hello":{"get":{"parameters":[{"name":"name","in":"query","schema":{"type":"string"}}],"responses":{"200":{"description":"A greeting"}}}}}}"#,
    openapi_yaml: "openapi: 3.0.3\ninfo:\n  title: Minimal\n  version: 0.1.0\npaths: {}\n",
    envelope: Envelope::Problem,
    auth: AuthScheme::BEARER,
    migrations: Migrations::EMPTY,
    rate_limited: false,
    tables: &[],
};

async fn hello(uri: http::Uri) -> Result<String, ApiError> {
    #[derive(serde::Deserialize)]
    struct Query {
        name: Option<String>,
    }
    let query: Query = charter_runtime::__private::extract::query_str(uri.query().unwrap_or(""))?;
    Ok(format!("hello, {}\n", query.name.as_deref().unwrap_or("world")))
}

fn main() -> std::process::ExitCode {
    charter_runtime::run(&SPEC, |_ctx| Router::new().route("/hello", get(hello)))
}
