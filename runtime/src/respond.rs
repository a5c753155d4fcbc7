//! Success responses for generated endpoints.

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

/// Serializes at most `N` items of a list whose spec declares `max_items: N` (generated as the field's
/// `serialize_with`): the bound the OpenAPI document promises holds whatever the use case loaded. A
/// longer list is a use case that should have asked its query for fewer rows; it is logged.
#[allow(clippy::ptr_arg)] // serde passes `&Vec<T>`: a `&[T]` parameter would not infer `T`.
pub fn at_most<const N: usize, T: Serialize, S: serde::Serializer>(
    items: &Vec<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if items.len() > N {
        tracing::warn!(
            items = items.len(),
            max_items = N,
            "a response list is longer than its spec's max_items; sending the first {N}"
        );
    }
    serializer.collect_seq(items.iter().take(N))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize)]
    struct Page {
        #[serde(serialize_with = "super::at_most::<2, _, _>")]
        items: Vec<u32>,
    }

    #[test]
    fn a_bounded_list_is_cut_at_its_bound() {
        let json = |items: Vec<u32>| serde_json::to_string(&Page { items }).unwrap();
        assert_eq!(json(vec![1, 2, 3, 4]), r#"{"items":[1,2]}"#);
        assert_eq!(json(vec![1]), r#"{"items":[1]}"#);
    }
}
