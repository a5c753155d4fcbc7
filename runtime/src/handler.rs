//! What generated axum handlers are made of. A handler reads, in this order: the caller, the body, each
//! path and query parameter (collecting every failure), runs `Validate` on the assembled input, calls
//! the use case, and answers; every failure is rendered in the project's envelope.
//!
//! ```ignore
//! async fn handle_x<A: X>(State(state): State<Shared<A>>, req: Request) -> Response {
//!     let ctx = state.ctx();
//!     let caller = match caller_required(&req, ctx) { Ok(c) => c, Err(e) => return fail(ctx, e) };
//!     let body = match json_body::<XBody>(&req) { Ok(b) => b, Err(e) => return fail(ctx, e) };
//!     let mut errors = Vec::new();
//!     let limit = query::<i64>(&req, "limit", &mut errors);
//!     ...
//! }
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, RawPathParams};
use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{self, Caller};
use crate::error::{ApiError, FieldError};
use crate::extract::{self, params::ParamValue};
use crate::server::Ctx;
use crate::validate::{JsonPath, Validate};

pub use axum::response::Response;

/// The router state of generated handlers: the user's use-case implementation and the context.
pub struct Shared<A> {
    inner: Arc<(A, Ctx)>,
}

impl<A> Clone for Shared<A> {
    fn clone(&self) -> Self {
        Shared { inner: self.inner.clone() }
    }
}

impl<A> Shared<A> {
    pub fn new(app: A, ctx: Ctx) -> Shared<A> {
        Shared { inner: Arc::new((app, ctx)) }
    }

    pub fn app(&self) -> &A {
        &self.inner.0
    }

    pub fn ctx(&self) -> &Ctx {
        &self.inner.1
    }
}

/// A request with its body read (within the body limit). Path parameters are the router's (shared, not
/// copied); the query string is decoded where a parameter is read, borrowing unless it was escaped.
pub struct Request {
    parts: http::request::Parts,
    body: Bytes,
    path: Option<RawPathParams>,
}

impl Request {
    pub fn headers(&self) -> &http::HeaderMap {
        &self.parts.headers
    }

    pub fn body(&self) -> &Bytes {
        &self.body
    }

    async fn read(request: axum::extract::Request, ctx: &Ctx) -> Result<Request, ApiError> {
        let (mut parts, body) = request.into_parts();
        let path = match RawPathParams::from_request_parts(&mut parts, &()).await {
            Ok(params) => Some(params),
            Err(axum::extract::rejection::RawPathParamsRejection::InvalidUtf8InPathParam(_)) => {
                return Err(ApiError::bad_request("a path parameter is not valid UTF-8"));
            }
            Err(_) => None,
        };
        let body = extract::read_body(body, ctx.body_limit()).await?;
        Ok(Request { parts, body, path })
    }

    fn path_values<'r>(&'r self, name: &'r str) -> impl Iterator<Item = &'r str> + 'r {
        self.path.iter().flat_map(|params| params.iter()).filter(move |(k, _)| *k == name).map(|(_, v)| v)
    }

    fn query_values<'r>(&'r self, name: &'r str) -> impl Iterator<Item = Cow<'r, str>> + 'r {
        let query = self.parts.uri.query().unwrap_or("");
        form_urlencoded::parse(query.as_bytes()).filter(move |(k, _)| k == name).map(|(_, v)| v)
    }
}

impl<A: Send + Sync + 'static> FromRequest<Shared<A>> for Request {
    type Rejection = Response;

    async fn from_request(request: axum::extract::Request, state: &Shared<A>) -> Result<Request, Response> {
        Request::read(request, state.ctx()).await.map_err(|e| fail(state.ctx(), e))
    }
}

/// The error in the project's envelope.
pub fn fail(ctx: &Ctx, error: ApiError) -> Response {
    error.render(ctx.envelope())
}

pub fn caller_required(req: &Request, ctx: &Ctx) -> Result<Caller, ApiError> {
    auth::required(&req.parts.headers, ctx.auth_scheme(), ctx.jwt())
}

pub fn caller_optional(req: &Request, ctx: &Ctx) -> Result<Option<Caller>, ApiError> {
    auth::optional(&req.parts.headers, ctx.auth_scheme(), ctx.jwt())
}

pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    extract::json_from_slice(&req.parts.headers, &req.body)
}

fn parse_one<T: DeserializeOwned>(name: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    match T::deserialize(ParamValue::new(Cow::Borrowed(value))) {
        Ok(v) => Some(v),
        Err(e) => {
            let mut field = e.into_field_error();
            field.path = name.to_owned();
            if field.code == "invalid" {
                refine::<T>(&mut field);
            }
            errors.push(field);
            None
        }
    }
}

/// Says what a well-known type looks like instead of echoing its parser's error.
fn refine<T>(field: &mut FieldError) {
    let type_name = std::any::type_name::<T>();
    let expected = if type_name.contains("DateTime") {
        "a date-time such as 2024-05-01T12:00:00Z"
    } else if type_name.contains("NaiveDate") {
        "a date such as 2024-05-01"
    } else if type_name.contains("Uuid") {
        "a UUID"
    } else {
        return;
    };
    field.code = "type";
    field.message = format!("must be {expected}");
}

/// A path parameter; `None` (with an error pushed) when it does not parse.
pub fn path<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    let mut values = req.path_values(name);
    match (values.next(), values.next()) {
        (Some(value), None) => parse_one(name, value, errors),
        _ => {
            errors.push(FieldError::new(name, "required", "is required"));
            None
        }
    }
}

/// An optional query parameter: `None` when absent or empty; `None` with an error pushed when it does
/// not parse or is repeated.
pub fn query<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    let mut values = req.query_values(name);
    match (values.next(), values.next()) {
        (None, _) => None,
        (Some(value), None) if value.is_empty() => None,
        (Some(value), None) => parse_one(name, &value, errors),
        _ => {
            errors.push(FieldError::new(name, "duplicate", "must be given only once"));
            None
        }
    }
}

/// A required query parameter: like [`query`], with a `required` error when absent.
pub fn query_required<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    if req.query_values(name).all(|v| v.is_empty()) {
        errors.push(FieldError::new(name, "required", "is required"));
        return None;
    }
    query(req, name, errors)
}

/// A repeated query parameter (`tag=a&tag=b`), every value parsed; failures name the index (`tag[1]`).
pub fn query_list<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Vec<T> {
    let mut out = Vec::new();
    for (index, value) in req.query_values(name).enumerate() {
        if let Some(v) = parse_one(&format!("{name}[{index}]"), &value, errors) {
            out.push(v);
        }
    }
    out
}

/// Runs the input's declared constraints, adding to `errors`.
pub fn check<V: Validate + ?Sized>(input: &V, errors: &mut Vec<FieldError>) {
    input.validate_into(&mut JsonPath::new(), errors);
}

/// `out` as JSON with `status`.
pub fn respond<T: Serialize + ?Sized>(status: u16, out: &T) -> Response {
    match StatusCode::from_u16(status) {
        Ok(status) => crate::respond::json(status, out),
        Err(_) => axum::response::IntoResponse::into_response(ApiError::internal(format!("invalid status {status}"))),
    }
}

pub fn respond_empty(status: u16) -> Response {
    match StatusCode::from_u16(status) {
        Ok(status) => crate::respond::empty(status),
        Err(_) => axum::response::IntoResponse::into_response(ApiError::internal(format!("invalid status {status}"))),
    }
}

/// A JSON object holding a `T`. serde's derived `Deserialize` also accepts an array for a struct (its
/// fields in order); request bodies must be objects, so drafts wrap every nested type in this.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Only<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Only<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(Only(std::marker::PhantomData)).map(Object)
    }
}

impl<T: Validate> Validate for Object<T> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        self.0.validate_into(path, errors);
    }
}
