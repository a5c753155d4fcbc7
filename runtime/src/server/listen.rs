//! Accepting connections and serving them with hyper, with the bounds `axum::serve` does not set: the
//! time to read a request head (which also closes idle keep-alive connections) and the time a graceful
//! shutdown waits for connections to finish.
//!
//! `axum::serve` gives hyper no timer, and without one hyper enforces no header-read timeout: a client
//! that opens connections and never finishes a request head holds them forever, and one such connection
//! kept a SIGTERM'd server running until the client hung up.

use std::future::Future;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::Api;
use super::auto_errors::EnvelopedErrors;
use crate::envelope::Envelope;

/// The bounds of one server's connections; [`Config`](crate::Config) sets them from the environment.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Longest time from the moment a connection is ready for a request to the end of that request's
    /// head. Also how long an idle keep-alive connection stays open.
    pub header_read_timeout: Duration,
    /// Longest time a graceful shutdown waits for in-flight requests before closing their connections.
    pub shutdown_timeout: Duration,
    /// Whether each request carries its client's address ([`PeerAddr`]), for rate limits.
    pub peer_addresses: bool,
}

/// The address a request came from, as a request extension when [`ConnectionLimits::peer_addresses`]
/// is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// Serves `api` on `listener` until `shutdown` completes, then stops accepting, lets in-flight requests
/// finish for at most `limits.shutdown_timeout`, and returns. Connections still open then are dropped.
pub async fn serve_on(
    listener: TcpListener,
    api: Api,
    envelope: &'static Envelope,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, a connection reset before accept...: the listener is fine;
                    // back off a little so a descriptor shortage does not spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let io = TokioIo::new(EnvelopedErrors::new(stream, envelope));
        // As `axum::serve` does: hyper's body type, boxed into axum's.
        let peer_addresses = limits.peer_addresses;
        let service = tower::util::MapRequest::new(api.clone(), move |request: http::Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            if peer_addresses {
                request.extensions_mut().insert(PeerAddr(peer));
            }
            request
        });
        let connection = builder.serve_connection(io, TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(timeout = ?limits.shutdown_timeout, "waiting for in-flight requests");
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown()).await.is_err() {
        tracing::warn!(timeout = ?limits.shutdown_timeout, "connections still open after the shutdown timeout; closing them");
    }
    Ok(())
}
