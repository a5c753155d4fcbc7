//! Success responses for generated handlers.

use axum::response::{IntoResponse, Response};
use bytes::BufMut;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde::Serialize;

use crate::error::ApiError;

/// `value` as a JSON body with `status`. A value that cannot be serialized (a map with non-string
/// keys, say) is a server bug: logged, answered with 500.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    // Written into a `BytesMut` and frozen: the body is the buffer itself, where a `Vec` with spare
    // capacity would take another allocation to become `Bytes`.
    let mut body = bytes::BytesMut::with_capacity(256).writer();
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => {
            let mut response = (status, body.into_inner().freeze()).into_response();
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
