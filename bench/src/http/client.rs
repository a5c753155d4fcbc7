//! Just enough HTTP/1.1 to read one response: the bench checks both servers answer alike before loading
//! them, and needs no client library for that.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// `GET path` on 127.0.0.1:`port`, with `Authorization: Token <token>` when given.
pub fn get(port: u16, path: &str, token: Option<&str>) -> Result<Reply, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let auth = token.map(|t| format!("Authorization: Token {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8(raw).map_err(|_| "the response is not UTF-8".to_owned())?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or("the response has no header end")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in `{}`", head.lines().next().unwrap_or_default()))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked { dechunk(body)? } else { body.to_owned() };
    Ok(Reply { status, body })
}

/// `count` sequential `GET path` requests on one keep-alive connection, as a load tool's connection sends
/// them; every answer must be 200. Returns when the last response is read.
pub fn get_many(port: u16, path: &str, token: Option<&str>, count: u32) -> Result<(), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(120))).map_err(|e| e.to_string())?;
    let auth = token.map(|t| format!("Authorization: Token {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n");
    let mut pending = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    for i in 0..count {
        stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        // Read one response: its head, then exactly its Content-Length.
        loop {
            if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
                if !head.starts_with("http/1.1 200") {
                    return Err(format!("request {i}: `{}`", head.lines().next().unwrap_or_default()));
                }
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .ok_or("a response without Content-Length")?;
                if pending.len() >= end + 4 + length {
                    pending.drain(..end + 4 + length);
                    break;
                }
            }
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("request {i}: the server closed the connection"));
            }
            pending.extend_from_slice(&buf[..n]);
        }
    }
    Ok(())
}

/// `count` requests spread over `connections` concurrent keep-alive connections (each as [`get_many`]).
pub fn get_concurrently(
    port: u16,
    path: &str,
    token: Option<&str>,
    count: u32,
    connections: u32,
) -> Result<(), String> {
    let connections = connections.clamp(1, count.max(1));
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..connections)
            .map(|i| {
                // The first `count % connections` connections take one request more.
                let share = count / connections + u32::from(i < count % connections);
                scope.spawn(move || get_many(port, path, token, share))
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().map_err(|_| "a client thread panicked".to_owned())?)
    })
}

fn dechunk(mut rest: &str) -> Result<String, String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").ok_or("a truncated chunk")?;
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("a bad chunk size `{size}`"))?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = after.get(..size).ok_or("a truncated chunk")?;
        out.push_str(chunk);
        rest = after.get(size + 2..).ok_or("a truncated chunk")?;
    }
}
