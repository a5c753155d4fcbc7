//! `x-request-id`: kept when the client sent one, made up when not, and echoed on the response.
//!
//! One service for what tower-http's `SetRequestId` and `PropagateRequestId` did as two: those cost a
//! `format!`, a request extension (the map's first allocation) and a second layer's future on every
//! request, which callgrind counted as the largest per-request cost of the generated server over a
//! hand-written one on the cheapest endpoints.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue};
use tower::{Layer, Service};

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Ids for requests that arrive without one: a random per-process prefix and a counter. As unique as a
/// UUID across a fleet's logs, without asking the kernel for randomness on every request (a UUID v4 is one
/// `getrandom` system call each, which showed in the HTTP bench as the one extra call per request).
#[derive(Clone)]
pub(super) struct RequestIds {
    prefix: [u8; 16],
    next: Arc<AtomicU64>,
    /// Whether a made-up id is also put on the request, for the request's span to read. Without request
    /// logging nothing reads it there; the response alone gets it, and the value needs no copy.
    forward: bool,
}

impl RequestIds {
    pub(super) fn new(forward: bool) -> RequestIds {
        let mut prefix = [0u8; 16];
        let random = uuid::Uuid::new_v4().simple().to_string();
        prefix.copy_from_slice(&random.as_bytes()[..16]);
        RequestIds { prefix, next: Arc::default(), forward }
    }

    /// `<prefix>-<counter>`, the counter in lowercase hex, at least 8 digits.
    fn next_id(&self) -> HeaderValue {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut text = [0u8; 16 + 1 + 16];
        text[..16].copy_from_slice(&self.prefix);
        text[16] = b'-';
        let digits = (16 - n.leading_zeros() as usize / 4).max(8);
        for (i, slot) in text[17..17 + digits].iter_mut().enumerate() {
            let nibble = (n >> (4 * (digits - 1 - i))) & 0xf;
            *slot = b"0123456789abcdef"[nibble as usize];
        }
        HeaderValue::from_bytes(&text[..17 + digits]).expect("hex digits are a valid header value")
    }
}

#[derive(Clone)]
pub(super) struct RequestIdLayer(pub(super) RequestIds);

impl<S> Layer<S> for RequestIdLayer {
    type Service = RequestId<S>;

    fn layer(&self, inner: S) -> RequestId<S> {
        RequestId { inner, ids: self.0.clone() }
    }
}

#[derive(Clone)]
pub(super) struct RequestId<S> {
    inner: S,
    ids: RequestIds,
}

impl<S, B, R> Service<http::Request<B>> for RequestId<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Echo<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Echo<S::Future> {
        let id = match request.headers().get(&REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = self.ids.next_id();
                if self.ids.forward {
                    request.headers_mut().insert(REQUEST_ID, id.clone());
                }
                id
            }
        };
        Echo { inner: self.inner.call(request), id: Some(id) }
    }
}

pin_project_lite::pin_project! {
    /// The inner response with the request's id, unless the handler set one itself.
    pub(super) struct Echo<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F, R, E> Future for Echo<F>
where
    F: Future<Output = Result<http::Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().entry(REQUEST_ID).or_insert(id);
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_prefix_and_a_counter_of_at_least_eight_hex_digits() {
        let ids = RequestIds::new(false);
        let first = ids.next_id();
        let prefix = std::str::from_utf8(&ids.prefix).unwrap();
        assert_eq!(first.to_str().unwrap(), format!("{prefix}-00000000"));
        assert_eq!(ids.next_id().to_str().unwrap(), format!("{prefix}-00000001"));
        ids.next.store(0x1_2345_6789, Ordering::Relaxed);
        assert_eq!(ids.next_id().to_str().unwrap(), format!("{prefix}-123456789"));
        ids.next.store(u64::MAX, Ordering::Relaxed);
        assert_eq!(ids.next_id().to_str().unwrap(), format!("{prefix}-ffffffffffffffff"));
    }
}
