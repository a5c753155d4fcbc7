//! The middleware stack, outermost first: request id → tracing (when INFO is on) → CORS → the guard
//! (error envelope, timeout, panic catcher) → routes.

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
use tower::{Layer, Service, ServiceBuilder};
use tower_http::cors::{AllowOrigin, Any as AnyOrigin, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::request_id::{REQUEST_ID, RequestIdLayer, RequestIds};
use super::{ApiSpec, ServeError};
use crate::config::Config;
use crate::envelope::Envelope;
use crate::error::{ApiError, Unrendered};

pub(super) fn wrap(router: Router, spec: &'static ApiSpec, config: &Config) -> Result<Router, ServeError> {
    let guard = Guard { envelope: &spec.envelope, body_limit: config.body_limit, timeout: config.request_timeout };
    let router = router.fallback(|method: Method, uri: http::Uri| async move {
        ApiError::not_found(format!("no route for {method} {}", uri.path()))
    });
    let cors = cors(config, spec)?;
    // One `Router::layer` call for the whole stack: each call wraps every route in another boxed service,
    // and a request clones that chain of boxes at every level (callgrind: 17 boxed clones per request with
    // a call per layer, 1 with the stack).
    let inner = ServiceBuilder::new().option_layer(cors).layer(guard);
    // Per-request spans and their INFO lines cost time on every request; when the filter drops them anyway
    // (RUST_LOG=warn, say), the layer is left out. Errors are logged where they happen either way. The two
    // stacks differ in response body type, so they are built apart.
    let logged = tracing::enabled!(Level::INFO);
    let ids = RequestIdLayer(RequestIds::new(logged));
    if logged {
        let trace = TraceLayer::new_for_http()
            .make_span_with(|request: &Request| {
                let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            })
            .on_response(DefaultOnResponse::new().level(Level::INFO));
        Ok(router.layer(ServiceBuilder::new().layer(ids).layer(trace).layer(inner)))
    } else {
        Ok(router.layer(ServiceBuilder::new().layer(ids).layer(inner)))
    }
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

impl<S: Clone> Layer<S> for Guard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        let limited = DefaultBodyLimit::max(self.body_limit).layer(inner.clone());
        Guarded { inner, limited, guard: *self }
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
/// an allocation per request that a request without a body never reads.
#[derive(Clone)]
struct Guarded<S> {
    inner: S,
    limited: <DefaultBodyLimit as Layer<S>>::Service,
    guard: Guard,
}

impl<S> Service<Request> for Guarded<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Guarding<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        std::task::ready!(self.inner.poll_ready(cx))?;
        self.limited.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Guarding<S::Future> {
        let method = request.method().clone();
        let bodiless = axum::body::HttpBody::is_end_stream(request.body());
        // Called on the instance `poll_ready` readied; the future owns only the inner call's future.
        let call = || if bodiless { self.inner.call(request) } else { self.limited.call(request) };
        let stage = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
            Ok(inner) => Stage::Running { inner },
            Err(panic) => Stage::Panicked { panic: Some(panic) },
        };
        // Unconstrained: a handler that spends the task's cooperative budget must not keep its own
        // deadline from being seen.
        let deadline = tokio::task::unconstrained(tokio::time::sleep(self.guard.timeout));
        Guarding { stage, deadline, method, guard: self.guard }
    }
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
        // Rare: a bare client error whose text becomes the message.
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
