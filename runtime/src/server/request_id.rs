//! `x-request-id`: kept when the client sent one, made up when not, and echoed on the response.
//!
//! One service for what tower-http's `SetRequestId` and `PropagateRequestId` did as two: those cost a
//! `format!`, a request extension (the map's first allocation) and a second layer's future on every
//! request, which callgrind counted as the largest per-request cost of the generated server over a
//! hand-written one on the cheapest endpoints.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue};
use tower::{Layer, Service};

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Ids for requests that arrive without one: a random per-process prefix and a counter. As unique as a
/// UUID across a fleet's logs, without asking the kernel for randomness on every request (a UUID v4 is one
/// `getrandom` system call each, which showed in the HTTP bench as the one extra call per request).
///
/// The counter is handed out in blocks: each thread takes [`ID_BLOCK`] numbers at a time from one
/// process-wide counter and counts through them on its own, so requests on different worker threads do
/// not pass one atomic's cache line back and forth. Numbers stay unique in the process; ids are
/// increasing per thread, not across threads.
#[derive(Clone, Copy)]
pub(super) struct RequestIds {
    prefix: [u8; 16],
    /// Whether a made-up id is also put on the request, for the request's span to read. Without request
    /// logging nothing reads it there; the response alone gets it, and the value needs no copy.
    forward: bool,
}

/// How many ids a thread takes from the process-wide counter at once.
const ID_BLOCK: u64 = 1024;

static NEXT_BLOCK: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The thread's next number and the end of its block.
    static BLOCK: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// A process-wide unique number.
fn next_number() -> u64 {
    BLOCK.with(|block| {
        let (mut next, mut end) = block.get();
        if next == end {
            next = NEXT_BLOCK.fetch_add(ID_BLOCK, Ordering::Relaxed);
            end = next + ID_BLOCK;
        }
        block.set((next + 1, end));
        next
    })
}

impl RequestIds {
    pub(super) fn new(forward: bool) -> RequestIds {
        let mut prefix = [0u8; 16];
        let random = uuid::Uuid::new_v4().simple().to_string();
        prefix.copy_from_slice(&random.as_bytes()[..16]);
        RequestIds { prefix, forward }
    }

    fn next_id(&self) -> HeaderValue {
        self.id(next_number())
    }

    /// `<prefix>-<n>`, `n` in lowercase hex, at least 8 digits.
    fn id(&self, n: u64) -> HeaderValue {
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
        RequestId { inner, ids: self.0 }
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
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_the_prefix_and_a_number_of_at_least_eight_hex_digits() {
        let ids = RequestIds::new(false);
        let prefix = std::str::from_utf8(&ids.prefix).unwrap();
        assert_eq!(ids.id(0).to_str().unwrap(), format!("{prefix}-00000000"));
        assert_eq!(ids.id(1).to_str().unwrap(), format!("{prefix}-00000001"));
        assert_eq!(ids.id(0x1_2345_6789).to_str().unwrap(), format!("{prefix}-123456789"));
        assert_eq!(ids.id(u64::MAX).to_str().unwrap(), format!("{prefix}-ffffffffffffffff"));
    }

    #[test]
    fn numbers_increase_on_a_thread_and_never_repeat_across_threads() {
        let on_one: Vec<u64> = (0..3 * ID_BLOCK).map(|_| next_number()).collect();
        assert!(on_one.windows(2).all(|w| w[0] < w[1]), "numbers on one thread go up, across blocks too");
        let threads: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..2 * ID_BLOCK + 7).map(|_| next_number()).collect::<Vec<_>>()))
            .collect();
        let mut seen: HashSet<u64> = on_one.into_iter().collect();
        for thread in threads {
            for n in thread.join().unwrap() {
                assert!(seen.insert(n), "{n} was handed out twice");
            }
        }
    }
}
