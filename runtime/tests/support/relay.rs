//! A TCP relay to a local server (PostgreSQL, Redis) that a test can cut and restore on the same port:
//! the server going away and coming back, without touching the real one.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};

pub struct Relay {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// Relays `127.0.0.1:port` (0 for any free port) to `target`, which must be on this machine.
    pub async fn start(port: u16, target: SocketAddr) -> Relay {
        assert!(target.ip().is_loopback(), "tests relay to 127.0.0.1 only, not {target}");
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut pipes = tokio::task::JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else { continue };
                pipes.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Relay { port, task }
    }

    /// Drops the listener and every relayed connection (the JoinSet aborts its tasks when dropped);
    /// returns the port, to start again on.
    pub async fn cut(self) -> u16 {
        self.task.abort();
        let _ = self.task.await;
        self.port
    }
}
