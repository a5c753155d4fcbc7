//! The error a client sees. Every failure that leaves the server, from a use case, an extractor or a
//! layer, is an [`ApiError`] rendered in the project's [`Envelope`](crate::Envelope).

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode};

use crate::envelope::Envelope;

/// An error response: status, stable machine-readable code, human message and, for validation
/// failures, the list of failing fields.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
    // A Vec, not a HeaderMap: errors travel in `Result`s, so they are kept small.
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// One failing field of a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// JSON path from the root of the checked value: `article.title`, `user.tags[2]`; a query or path
    /// parameter is named as is (`limit`). Empty for the value itself.
    pub path: String,
    /// Stable code such as `min_length`, `required`, `type`.
    pub code: &'static str,
    /// Human message completing "<path> ...": `must be at least 1 character long`.
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> FieldError {
        FieldError { path: path.into(), code, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{} {}", self.path, self.message) }
    }
}

impl ApiError {
    /// An error with any status; `code` should be a stable snake_case identifier.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), fields: Vec::new(), headers: Vec::new() }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422 listing every failing field. The message summarises them so that envelopes without a field
    /// list still say what is wrong.
    pub fn validation(fields: Vec<FieldError>) -> ApiError {
        let message = match fields.as_slice() {
            [] => "the request is invalid".to_owned(),
            [one] => one.to_string(),
            many => many.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        };
        ApiError { fields, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", message) }
    }

    /// A server-side failure. The cause is logged (inside the request's span, so with its request id)
    /// and never sent to the client.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error")
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than the limit of {limit} bytes"),
        )
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message)
    }

    /// The server gave up on a request that took longer than the configured timeout. 503 rather than
    /// 408: the client sent its request in time, the server was too slow.
    pub fn timeout() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "the request took too long to process")
    }

    pub fn service_unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 503 with `Retry-After`: the database could not serve the request now. The cause is logged.
    pub fn unavailable_database(cause: impl fmt::Display) -> ApiError {
        tracing::warn!(error = %cause, "database unavailable");
        ApiError::service_unavailable("the service is temporarily unavailable; retry later")
            .with_header(http::header::RETRY_AFTER, HeaderValue::from(crate::db::RETRY_AFTER_SECONDS))
    }

    /// The answer for an unexpected failure a use case returned (`<Endpoint>Error::Internal`): a 503 when
    /// it is the database being unavailable, which the client may retry, else a 500 revealing nothing.
    pub fn from_internal(cause: crate::BoxError) -> ApiError {
        match cause.downcast::<crate::DbError>() {
            Ok(db) => match *db {
                crate::DbError::Unavailable(why) => ApiError::unavailable_database(why),
                other => ApiError::internal(other),
            },
            Err(cause) => ApiError::internal(cause),
        }
    }

    /// Adds a response header such as `WWW-Authenticate` or `Allow`.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ApiError {
        self.headers.push((name, value));
        self
    }

    pub fn with_message(mut self, message: impl Into<String>) -> ApiError {
        self.message = message.into();
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    pub fn header(&self, name: &HeaderName) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The response in the given envelope.
    pub fn render(&self, envelope: &Envelope) -> Response {
        let (content_type, body) = envelope.render_body(self);
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(http::header::CONTENT_TYPE, content_type);
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        response
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Marks a response whose body was rendered before the project's envelope was known; the server's
/// envelope layer renders it again.
#[derive(Clone)]
pub(crate) struct Unrendered(pub(crate) ApiError);

/// Renders as problem+json and lets the server's envelope layer re-render it in the project's envelope,
/// so hand-written axum handlers can return `Result<_, ApiError>`.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.render(&Envelope::Problem);
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_summarises_fields() {
        let err = ApiError::validation(vec![
            FieldError::new("article.title", "min_length", "must be at least 1 character long"),
            FieldError::new("", "type", "must be an object"),
        ]);
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.message(), "article.title must be at least 1 character long; must be an object");
    }

    #[test]
    fn internal_hides_the_cause() {
        let err = ApiError::internal("password=hunter2 in connection string");
        assert_eq!(err.message(), "internal server error");
        assert!(!err.to_string().contains("hunter2"));
    }
}
