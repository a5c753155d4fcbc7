//! Success responses for generated handlers.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde::Serialize;

use crate::error::ApiError;

/// `value` as a JSON body with `status`. A value that cannot be serialized (a map with non-string
/// keys, say) is a server bug: logged, answered with 500.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    // Most bodies fit in 512 bytes: one allocation where serde_json's 128 would grow twice or more.
    let mut body = Vec::with_capacity(512);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => ApiError::internal(format!("cannot serialize the response: {e}")).into_response(),
    }
}

/// A response without a body, such as 204.
pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}
