//! The middleware stack, outermost first: request id → tracing (when INFO is on) → CORS → the guard
//! (error envelope, timeout, panic catcher) → the router.

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use tower::util::future::EitherResponseFuture;
use tower::util::{BoxCloneSyncService, Either};
use tower::{Layer, Service, ServiceBuilder};
use tower_http::cors::{AllowOrigin, Any as AnyOrigin, Cors, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::request_id::{REQUEST_ID, RequestId, RequestIdLayer, RequestIds};
use super::{ApiSpec, ServeError};
use crate::config::Config;
use crate::envelope::Envelope;
use crate::error::{ApiError, Unrendered};

/// The whole API as one service: the routes behind the middleware stack. [`serve`](super::serve) serves
/// it; tests send it requests in-process.
///
/// The stack wraps the router once, from outside, rather than going in through `Router::layer`, which
/// wraps every route on its own: each request then cloned the layered route's boxed service, the two
/// copies of the inner route the guard holds, and the inner route again to call it, and boxed the
/// futures of both routes. Wrapped from outside, a request pays for one route, as a router without
/// middleware does (callgrind: 5 allocations and 4 boxed-service clones fewer per request).
#[derive(Clone)]
pub struct Api(Either<Quiet, Logged>);

/// Without request logging: every layer is a concrete type, nothing is boxed.
type Quiet = RequestId<Either<Cors<Guarded<Router>>, Guarded<Router>>>;
/// With request logging, whose span and body wrapper cost far more per request than a box.
type Logged = BoxCloneSyncService<Request, Response, Infallible>;

impl Service<Request> for Api {
    type Response = Response;
    type Error = Infallible;
    type Future = ApiFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> ApiFuture {
        ApiFuture { inner: self.0.call(request) }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Api`].
    pub struct ApiFuture {
        #[pin]
        inner: EitherResponseFuture<<Quiet as Service<Request>>::Future, <Logged as Service<Request>>::Future>,
    }
}

impl Future for ApiFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}

pub(super) fn wrap(router: Router, spec: &'static ApiSpec, config: &Config) -> Result<Api, ServeError> {
    let guard = Guard { envelope: &spec.envelope, body_limit: config.body_limit, timeout: config.request_timeout };
    // `with_state` turns the handlers that still wait for a state (the fallback, system routes) into
    // routes once, here; `axum::serve` would do it per connection for a bare router, but this one is
    // wrapped, and unconverted handlers are converted on every request.
    let router = router
        .fallback(|method: Method, uri: http::Uri| async move {
            ApiError::not_found(format!("no route for {method} {}", uri.path()))
        })
        .with_state(());
    let guarded = guard.layer(router);
    let inner = match cors(config, spec)? {
        Some(cors) => Either::Left(cors.layer(guarded)),
        None => Either::Right(guarded),
    };
    // Per-request spans and their INFO lines cost time on every request; when the filter drops them anyway
    // (RUST_LOG=warn, say), the layer is left out. Errors are logged where they happen either way.
    let logged = tracing::enabled!(Level::INFO);
    let ids = RequestIdLayer(RequestIds::new(logged));
    if !logged {
        return Ok(Api(Either::Left(ids.layer(inner))));
    }
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    let logged = ServiceBuilder::new()
        .layer(ids)
        .map_response(|response: http::Response<_>| response.map(Body::new))
        .layer(trace)
        .service(inner);
    Ok(Api(Either::Right(BoxCloneSyncService::new(logged))))
}

fn cors(config: &Config, spec: &ApiSpec) -> Result<Option<CorsLayer>, ServeError> {
    if config.cors_origins.is_empty() {
        return Ok(None);
    }
    let mut headers = vec![CONTENT_TYPE, AUTHORIZATION, REQUEST_ID];
    if let Ok(auth) = HeaderName::from_bytes(spec.auth.header.as_bytes()) {
        headers.push(auth);
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers(headers)
        .expose_headers([REQUEST_ID])
        .max_age(Duration::from_secs(600));
    if config.cors_origins.iter().any(|o| o == "*") {
        return Ok(Some(layer.allow_origin(AnyOrigin)));
    }
    let origins = config
        .cors_origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| ServeError::Cors(o.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(layer.allow_origin(AllowOrigin::list(origins))))
}

fn panic_response(panic: Option<Box<dyn Any + Send + 'static>>) -> Response<Body> {
    let message = panic
        .as_deref()
        .and_then(|panic| panic.downcast_ref::<&str>())
        .map(|s| (*s).to_owned())
        .or_else(|| panic.as_deref().and_then(|panic| panic.downcast_ref::<String>()).cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}

#[derive(Clone, Copy)]
struct Guard {
    envelope: &'static Envelope,
    body_limit: usize,
    timeout: Duration,
}

impl<S> Layer<S> for Guard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded { inner, guard: *self }
    }
}

/// Writes every error response in the project's envelope: errors rendered before the envelope was
/// known ([`ApiError`] as `IntoResponse`), and the bare ones from axum, tower-http and hand-written
/// handlers (405 from the router, 413 from the body limit, `(StatusCode, "text")` tuples).
///
/// It also bounds the request's time and turns a handler's panic into a 500: one middleware for the three,
/// since each layer costs a boxed service, future or body per request (the HTTP bench showed it). It is a
/// hand-written service rather than `middleware::from_fn`, which boxes and clones the inner service on
/// every request. Request bodies are bounded where they are read (`extract::read_body`, `DefaultBodyLimit`).
///
/// Requests that carry a body go through axum's `DefaultBodyLimit`, for hand-written handlers that read
/// it with axum's extractors; the others skip it, since it stores the limit in the request's extensions,
/// an allocation per request that a request without a body never reads. The limiting service is made
/// around the request that needs it: kept beside `inner`, it would be a second router that every request
/// clones.
#[derive(Clone)]
struct Guarded<S> {
    inner: S,
    guard: Guard,
}

impl<S> Service<Request> for Guarded<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Guarding<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Guarding<S::Future> {
        let method = request.method().clone();
        // Unconstrained: a handler that spends the task's cooperative budget must not keep its own
        // deadline from being seen.
        let deadline = tokio::task::unconstrained(tokio::time::sleep(self.guard.timeout));
        // A declared length over the limit is refused before the body is read (so a client that sent
        // `Expect: 100-continue` is not told to go on): hyper sends `100 Continue` only once the body
        // is polled.
        if declared_length(&request).is_some_and(|length| length > self.guard.body_limit as u64) {
            let response = ApiError::payload_too_large(self.guard.body_limit).render(self.guard.envelope);
            let stage = Stage::Reading { text: Box::pin(std::future::ready(response)) };
            return Guarding { stage, deadline, method, guard: self.guard };
        }
        let bodiless = crate::extract::is_empty(request.body());
        let limit = self.guard.body_limit;
        let inner = &mut self.inner;
        // Called on the instance `poll_ready` readied: a request with a body takes it into the limiting
        // service (whose readiness is its inner's) and leaves a clone in its place, as tower advises.
        let call = move || {
            if bodiless {
                inner.call(request)
            } else {
                let readied = std::mem::replace(inner, inner.clone());
                DefaultBodyLimit::max(limit).layer(readied).call(request)
            }
        };
        let stage = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
            Ok(inner) => Stage::Running { inner },
            Err(panic) => Stage::Panicked { panic: Some(panic) },
        };
        Guarding { stage, deadline, method, guard: self.guard }
    }
}

/// The `Content-Length` a request declares, if any and well-formed.
fn declared_length(request: &Request) -> Option<u64> {
    request.headers().get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

pin_project_lite::pin_project! {
    /// The guarded response. A state machine of its own rather than an `async` block: the inner future
    /// is polled where it lies, not moved into a box and through the wrappers of `timeout` and
    /// `catch_unwind` (callgrind counted a kilobyte of copying per request that way).
    pub(super) struct Guarding<F> {
        #[pin]
        stage: Stage<F>,
        #[pin]
        deadline: tokio::task::Unconstrained<tokio::time::Sleep>,
        method: Method,
        guard: Guard,
    }
}

pin_project_lite::pin_project! {
    #[project = StageProj]
    enum Stage<F> {
        Running { #[pin] inner: F },
        Panicked { panic: Option<Box<dyn Any + Send + 'static>> },
        // Rare: a bare client error whose text becomes the message, or an answer made before the handler.
        Reading { text: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

impl<F> Future for Guarding<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let response = match this.stage.as_mut().project() {
                StageProj::Reading { text } => return text.as_mut().poll(cx).map(Ok),
                StageProj::Panicked { panic } => panic_response(panic.take()),
                StageProj::Running { inner } => {
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
                        Ok(Poll::Ready(response)) => response.unwrap_or_else(|never| match never {}),
                        Err(panic) => panic_response(Some(panic)),
                        Ok(Poll::Pending) => {
                            std::task::ready!(this.deadline.as_mut().poll(cx));
                            tracing::warn!(timeout = ?this.guard.timeout, "request timed out");
                            ApiError::timeout().into_response()
                        }
                    }
                }
            };
            match in_envelope(*this.guard, this.method, response) {
                Ok(response) => return Poll::Ready(Ok(response)),
                // Polled on the next turn of the loop.
                Err(text) => this.stage.set(Stage::Reading { text }),
            }
        }
    }
}

/// The response in the project's envelope, or, for a bare client error with a text body, the future
/// that reads the text into the envelope's message.
#[allow(clippy::type_complexity)]
fn in_envelope(
    state: Guard,
    method: &Method,
    mut response: Response,
) -> Result<Response, Pin<Box<dyn Future<Output = Response> + Send>>> {
    if let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() {
        if *state.envelope == Envelope::Problem {
            return Ok(response);
        }
        return Ok(carry_headers(error.render(state.envelope), response.headers()));
    }
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || !is_bare(&response) {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(state.body_limit),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(format!("{method} is not allowed on this path")),
        // A server error's text may describe internals.
        status if status.is_server_error() => ApiError::new(status, code_for(status), reason(status)),
        status => {
            return Err(Box::pin(async move {
                let text = axum::body::to_bytes(body, MAX_BARE_MESSAGE).await.unwrap_or_default();
                let text = String::from_utf8_lossy(&text).trim().to_owned();
                let error =
                    ApiError::new(status, code_for(status), if text.is_empty() { reason(status) } else { text });
                carry_headers(error.render(state.envelope), &parts.headers)
            }));
        }
    };
    Ok(carry_headers(error.render(state.envelope), &parts.headers))
}

/// Plain-text error bodies longer than this are not meant as messages.
const MAX_BARE_MESSAGE: usize = 4096;

fn reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("error").to_lowercase()
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "too_many_requests",
        500 => "internal",
        503 => "unavailable",
        _ => "error",
    }
}

/// A body that is not already a structured document: none, or plain text.
fn is_bare(response: &Response) -> bool {
    match response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(content_type) => content_type.starts_with("text/plain"),
    }
}

/// Keeps the headers of the replaced response (`Allow`, `WWW-Authenticate`, ...) except those that
/// described its body.
fn carry_headers(mut rendered: Response, original: &http::HeaderMap) -> Response {
    let own: Vec<HeaderName> = rendered.headers().keys().cloned().collect();
    for (name, value) in original {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && !own.contains(name) {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}
