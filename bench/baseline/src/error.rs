//! Errors in Conduit's envelope, `{"errors":{"body":["..."]}}`, with the generated server's statuses
//! and messages.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header::WWW_AUTHENTICATE};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized(String),
    NotFound(String),
    /// One message per failing parameter, each starting with the parameter's name.
    Invalid(Vec<String>),
    /// The cause has been logged; the client learns nothing about it.
    Internal,
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        eprintln!("database error: {error}");
        ApiError::Internal
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, messages) = match self {
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, vec![message]),
            ApiError::Unauthorized(message) => (StatusCode::UNAUTHORIZED, vec![message]),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, vec![message]),
            ApiError::Invalid(messages) => (StatusCode::UNPROCESSABLE_ENTITY, messages),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, vec!["internal server error".to_owned()]),
        };
        let mut response = (status, Json(json!({ "errors": { "body": messages } }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        response
    }
}
