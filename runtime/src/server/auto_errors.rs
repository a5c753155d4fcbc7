//! The responses hyper writes by itself, in the project's envelope.
//!
//! When a request head cannot be parsed (a bad request line or header: 400; a URI over hyper's limit:
//! 414; a head over the buffer limit: 431), hyper answers before any service sees a request, with an
//! empty body, and closes the connection; it has no hook to shape that answer. This wrapper of the
//! connection's socket recognises such a response as it is written and writes the same status in the
//! envelope instead, so that every error a client can get from a generated server has the same shape.
//!
//! Recognising it is exact, not heuristic: hyper writes it as a lone head (no body bytes in the same
//! write) with `content-length: 0` and a 400, 414 or 431 status, and the services behind it never send
//! such a response: the guard renders every bare 4xx in the envelope, with a body.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::envelope::Envelope;
use crate::error::ApiError;

pin_project_lite::pin_project! {
    /// A socket whose automatic hyper error responses are rewritten in `envelope`.
    pub(super) struct EnvelopedErrors<S> {
        #[pin]
        inner: S,
        envelope: &'static Envelope,
        // The rewritten response still to write, how much of it is written, and the length of the
        // write it replaces (what the caller is told was written once it is all out).
        pending: Option<(Vec<u8>, usize, usize)>,
    }
}

impl<S> EnvelopedErrors<S> {
    pub(super) fn new(inner: S, envelope: &'static Envelope) -> Self {
        EnvelopedErrors { inner, envelope, pending: None }
    }
}

impl<S: AsyncRead> AsyncRead for EnvelopedErrors<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_read(cx, buf)
    }
}

impl<S: AsyncWrite> AsyncWrite for EnvelopedErrors<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut this = self.project();
        if this.pending.is_none() {
            match automatic_error(buf) {
                None => return this.inner.poll_write(cx, buf),
                Some((status, head)) => *this.pending = Some((rewrite(status, head, this.envelope), 0, buf.len())),
            }
        }
        // Written across as many calls as the socket needs; hyper calls again with the same `buf` while
        // this answers `Pending`.
        while let Some((bytes, written, _)) = this.pending.as_mut().filter(|(bytes, written, _)| *written < bytes.len())
        {
            let n = ready!(this.inner.as_mut().poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        let replaced = this.pending.take().map_or(0, |(_, _, replaced)| replaced);
        Poll::Ready(Ok(replaced))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // A lone head is one slice; a response with a body is never an automatic error.
        match bufs.iter().filter(|b| !b.is_empty()).count() {
            1 if self.pending.is_some() || bufs.iter().any(|b| automatic_error(b).is_some()) => {
                let buf = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
                self.poll_write(cx, buf)
            }
            _ => self.project().inner.poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The status and head of a response hyper wrote for a request it could not parse.
fn automatic_error(buf: &[u8]) -> Option<(StatusCode, &[u8])> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ").or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let status = match rest.get(..4)? {
        b"400 " => StatusCode::BAD_REQUEST,
        b"414 " => StatusCode::URI_TOO_LONG,
        b"431 " => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = &buf[..head_end];
    let empty = head.split(|b| *b == b'\n').any(|line| line.eq_ignore_ascii_case(b"content-length: 0\r"));
    (head_end == buf.len() && empty).then_some((status, head))
}

/// `head` with the envelope's body: the status line and hyper's other headers (`date`) are kept.
fn rewrite(status: StatusCode, head: &[u8], envelope: &Envelope) -> Vec<u8> {
    let error = match status {
        StatusCode::URI_TOO_LONG => ApiError::new(status, "uri_too_long", "the request URI is too long"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            ApiError::new(status, "headers_too_large", "the request's headers are too large")
        }
        _ => ApiError::bad_request("the request is not valid HTTP/1.1 (a malformed request line or header)"),
    };
    let (content_type, body) = envelope.render_body(&error);
    let mut out = Vec::with_capacity(head.len() + body.len() + 96);
    for line in head.split_inclusive(|b| *b == b'\n') {
        if line == b"\r\n" || line.to_ascii_lowercase().starts_with(b"content-length:") {
            continue;
        }
        out.extend_from_slice(line);
    }
    out.extend_from_slice(b"content-type: ");
    out.extend_from_slice(content_type.as_bytes());
    out.extend_from_slice(format!("\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_lone_empty_heads() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(automatic_error(head).map(|(s, _)| s), Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}";
        assert!(automatic_error(with_body).is_none());
        let own = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
        assert!(automatic_error(own).is_none());
    }

    #[test]
    fn rewrites_in_the_envelope() {
        let head = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Thu, 03 Dec 2026 12:00:00 GMT\r\n\r\n";
        let text = String::from_utf8(rewrite(StatusCode::URI_TOO_LONG, head, &Envelope::Problem)).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\ndate: "), "{head}");
        assert!(head.contains("content-type: application/problem+json"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["status"], 414);
    }
}
