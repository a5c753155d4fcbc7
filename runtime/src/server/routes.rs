//! Routes every generated server has.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use super::Ctx;
use crate::error::ApiError;

const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub(super) fn system(ctx: Ctx) -> Router {
    let spec = ctx.spec();
    let db = ctx.db().clone();
    // Relative to /docs/, so the page keeps working behind a reverse proxy that adds a path prefix.
    let docs = Arc::new(
        utoipa_swagger_ui::Config::from("../openapi.json").try_it_out_enabled(true).persist_authorization(true),
    );
    let docs_tail = docs.clone();
    Router::new()
        .route("/healthz", get(|| async { status_ok() }))
        .route(
            "/readyz",
            get(move || {
                let db = db.clone();
                async move {
                    match tokio::time::timeout(READY_TIMEOUT, db.ping()).await {
                        Ok(Ok(())) => status_ok(),
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "readiness check failed");
                            ApiError::service_unavailable("the database is unavailable").into_response()
                        }
                        Err(_) => {
                            tracing::warn!("readiness check timed out");
                            ApiError::service_unavailable("the database is not responding").into_response()
                        }
                    }
                }
            }),
        )
        .route("/openapi.json", get(move || async move { document("application/json", spec.openapi_json) }))
        .route("/openapi.yaml", get(move || async move { document("application/yaml", spec.openapi_yaml) }))
        .route("/docs", get(|| async { Redirect::to("docs/") }))
        .route("/docs/", get(move || async move { docs_file("", &docs) }))
        .route("/docs/{*file}", get(move |Path(file): Path<String>| async move { docs_file(&file, &docs_tail) }))
}

fn status_ok() -> Response {
    (StatusCode::OK, axum::Json(serde_json::json!({"status": "ok"}))).into_response()
}

fn document(content_type: &'static str, text: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")], text).into_response()
}

fn docs_file(file: &str, config: &Arc<utoipa_swagger_ui::Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(file, config.clone()) {
        Ok(Some(found)) => {
            let content_type = HeaderValue::from_str(&found.content_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            let mut response = (StatusCode::OK, found.bytes.into_owned()).into_response();
            response.headers_mut().insert(CONTENT_TYPE, content_type);
            if found.gzpipped {
                response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => ApiError::not_found(format!("no documentation file `{file}`")).into_response(),
        Err(e) => ApiError::internal(format!("cannot serve documentation file `{file}`: {e}")).into_response(),
    }
}
