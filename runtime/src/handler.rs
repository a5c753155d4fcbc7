//! What generated endpoints are made of. An endpoint reads, in this order: the caller, the body, each
//! path and query parameter (collecting every failure), runs `Validate` on the assembled input, calls
//! the use case, and answers; every failure is rendered in the project's envelope. The router serves it
//! as an [`Endpoint`] service, which reads the request (and its body, if it has one) first.
//!
//! ```ignore
//! fn handle_x<A: X>(state: Shared<A>, req: Request) -> impl Future<Output = Response> + Send + 'static {
//!     let input = read_x(state.ctx(), &req);
//!     async move {
//!         let input = match input { Ok(input) => input, Err(response) => return response };
//!         match state.app().x(state.ctx(), input).await { Ok(out) => respond(200, &out), Err(e) => fail(state.ctx(), e.into()) }
//!     }
//! }
//!
//! fn read_x(ctx: &Ctx, req: &Request) -> Result<XInput, Response> {
//!     let caller = match caller_required(req, ctx) { Ok(c) => c, Err(e) => return Err(fail(ctx, e)) };
//!     let body = match json_body::<XBody>(req) { Ok(b) => b, Err(e) => return Err(fail(ctx, e)) };
//!     let mut errors = Vec::new();
//!     let limit = query::<i64>(req, "limit", &mut errors);
//!     ...
//! }
//! // in the router: .route("/x", get_service(endpoint(&state, handle_x::<A>)))
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
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

/// What every generated endpoint of a router shares: the user's use-case implementation and the context.
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

    /// The request's head and path parameters, and its body still to read unless it has none.
    fn split(request: axum::extract::Request) -> Result<(Request, Option<Body>), ApiError> {
        let (mut parts, body) = request.into_parts();
        // `RawPathParams` reads what the router stored in the request; its `async` extractor never waits.
        let params = RawPathParams::from_request_parts(&mut parts, &());
        let Poll::Ready(params) = std::pin::pin!(params).poll(&mut Context::from_waker(Waker::noop())) else {
            return Err(ApiError::internal("the path parameters were not ready"));
        };
        let path = match params {
            Ok(params) => Some(params),
            Err(axum::extract::rejection::RawPathParamsRejection::InvalidUtf8InPathParam(_)) => {
                return Err(ApiError::bad_request("a path parameter is not valid UTF-8"));
            }
            Err(_) => None,
        };
        let body = (!extract::is_empty(&body)).then_some(body);
        Ok((Request { parts, body: Bytes::new(), path }, body))
    }

    async fn read(request: axum::extract::Request, ctx: &Ctx) -> Result<Request, ApiError> {
        match Request::split(request)? {
            (req, None) => Ok(req),
            (req, Some(body)) => req.with_body(body, ctx).await,
        }
    }

    /// This request with `body` read into it, within the body limit.
    async fn with_body(mut self, body: Body, ctx: &Ctx) -> Result<Request, ApiError> {
        self.body = extract::read_body(body, ctx.body_limit()).await?;
        Ok(self)
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

/// A generated endpoint as the router's service: `handle` turns the read request into the response's
/// future.
///
/// A service rather than an axum handler, so that what a request keeps while its use case runs is the
/// handler's own future only. axum's handler adapter keeps the request head beside the extractors'
/// futures and the handler's, and boxes them together (1,280 bytes per request for the cheapest
/// Conduit endpoint, counted by dhat); here a request without a body is read synchronously, and
/// `handle` parses it before its future starts, so the future holds the input, not the request.
pub struct Endpoint<A, F> {
    state: Shared<A>,
    handle: F,
}

impl<A, F: Clone> Clone for Endpoint<A, F> {
    fn clone(&self) -> Self {
        Endpoint { state: self.state.clone(), handle: self.handle.clone() }
    }
}

/// The service of the endpoint that `handle` answers.
pub fn endpoint<A, F, Fut>(state: &Shared<A>, handle: F) -> Endpoint<A, F>
where
    F: Fn(Shared<A>, Request) -> Fut,
    Fut: Future<Output = Response>,
{
    Endpoint { state: state.clone(), handle }
}

impl<A, F, Fut> tower::Service<axum::extract::Request> for Endpoint<A, F>
where
    A: Send + Sync + 'static,
    F: Fn(Shared<A>, Request) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EndpointFuture<Fut>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::extract::Request) -> EndpointFuture<Fut> {
        let state = self.state.clone();
        match Request::split(request) {
            Err(error) => EndpointFuture::Failed { response: Some(fail(state.ctx(), error)) },
            Ok((req, None)) => EndpointFuture::Handling { inner: (self.handle)(state, req) },
            Ok((req, Some(body))) => {
                let handle = self.handle.clone();
                EndpointFuture::Reading {
                    inner: Box::pin(async move {
                        match req.with_body(body, state.ctx()).await {
                            Ok(req) => handle(state, req).await,
                            Err(error) => fail(state.ctx(), error),
                        }
                    }),
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of an [`Endpoint`].
    #[project = EndpointProj]
    pub enum EndpointFuture<Fut> {
        Handling { #[pin] inner: Fut },
        // A request with a body: read first, then handled (boxed: rarer, and its body read is larger).
        Reading { inner: Pin<Box<dyn Future<Output = Response> + Send>> },
        Failed { response: Option<Response> },
    }
}

impl<Fut: Future<Output = Response>> Future for EndpointFuture<Fut> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            EndpointProj::Handling { inner } => inner.poll(cx).map(Ok),
            EndpointProj::Reading { inner } => inner.as_mut().poll(cx).map(Ok),
            EndpointProj::Failed { response } => {
                Poll::Ready(Ok(response.take().expect("an endpoint future polled after it finished")))
            }
        }
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
    if value.contains('\0') {
        errors.push(FieldError::new(name, "nul", extract::NUL_MESSAGE));
        return None;
    }
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

/// An optional query parameter: `None` when absent; `None` with an error pushed when it is empty, does
/// not parse or is repeated.
///
/// An empty value (`?limit=`) is an error, not "absent": the OpenAPI document does not allow empty
/// values (`allowEmptyValue` is false), and a client that sent one meant something the server would
/// otherwise silently replace with the default.
pub fn query<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    let mut values = req.query_values(name);
    match (values.next(), values.next()) {
        (None, _) => None,
        (Some(value), None) if value.is_empty() => {
            errors.push(FieldError::new(name, "empty", "must not be empty"));
            None
        }
        (Some(value), None) => parse_one(name, &value, errors),
        _ => {
            errors.push(FieldError::new(name, "duplicate", "must be given only once"));
            None
        }
    }
}

/// A required query parameter: like [`query`], with a `required` error when absent.
pub fn query_required<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    if req.query_values(name).next().is_none() {
        errors.push(FieldError::new(name, "required", "is required"));
        return None;
    }
    query(req, name, errors)
}

/// A repeated query parameter (`tag=a&tag=b`), every value parsed; failures name the index (`tag[1]`).
pub fn query_list<T: DeserializeOwned>(req: &Request, name: &str, errors: &mut Vec<FieldError>) -> Vec<T> {
    let mut out = Vec::new();
    for (index, value) in req.query_values(name).enumerate() {
        if value.is_empty() {
            errors.push(FieldError::new(format!("{name}[{index}]"), "empty", "must not be empty"));
        } else if let Some(v) = parse_one(&format!("{name}[{index}]"), &value, errors) {
            out.push(v);
        }
    }
    out
}

/// The address of the client that sent `req`: the last value of the trusted proxy's header when
/// `CLIENT_IP_HEADER` names one (a client can prepend anything to `X-Forwarded-For`, but the proxy
/// appends what it saw), else the connection's peer; unspecified when neither is known (in-process
/// tests).
pub fn client_addr(ctx: &Ctx, req: &Request) -> std::net::IpAddr {
    let from_header = ctx.client_ip_header().and_then(|name| {
        let last = req.parts.headers.get_all(name).iter().next_back()?.to_str().ok()?;
        last.rsplit(',').next()?.trim().parse().ok()
    });
    from_header
        .or_else(|| req.parts.extensions.get::<crate::server::PeerAddr>().map(|p| p.0.ip()))
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// Counts a request of a rate-limited endpoint; a 429 with `Retry-After` when over its limit.
pub async fn throttle(
    ctx: &Ctx,
    endpoint: &'static str,
    client: std::net::IpAddr,
    requests: u32,
    window_seconds: u32,
) -> Result<(), ApiError> {
    let limit =
        crate::ratelimit::RateLimit { requests, window: std::time::Duration::from_secs(u64::from(window_seconds)) };
    match ctx.rate_limiter().check(endpoint, client, limit).await.into_error() {
        None => Ok(()),
        Some(error) => Err(error),
    }
}

/// Checks that the caller's token is still bound to the current value of the project's
/// `auth.invalidated_by` field (`sql` reads it by the subject, parsed as the model's key `K`): a token
/// issued before a password change is a 401. An account that is gone (or a subject that names none)
/// passes: the use case answers it, as it would without the check.
pub async fn check_session<K>(ctx: &Ctx, caller: Option<&Caller>, sql: &'static str) -> Result<(), ApiError>
where
    K: std::str::FromStr + Into<crate::db::Value>,
{
    let Some(caller) = caller else { return Ok(()) };
    let Ok(key) = caller.id::<K>() else { return Ok(()) };
    let current: Option<String> =
        ctx.db().query(sql).bind(key).fetch_optional_scalar().await.map_err(ApiError::from)?;
    match current {
        None => Ok(()),
        Some(current) if ctx.jwt().session_matches(caller.session.as_deref(), &current) => Ok(()),
        Some(_) => Err(ApiError::unauthorized(
            "the token is no longer valid: the account's password changed since it was issued; sign in again",
        )),
    }
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
