//! Driving `wrk` (Debian's package) and reading its report.

use std::process::Command;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub threads: u32,
    pub connections: u32,
    pub duration: Duration,
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Figures {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Requests answered in the run.
    pub requests: u64,
}

/// Loads `url` and returns the figures; any non-2xx response or socket error fails the run, since a
/// benchmark of error pages measures nothing.
pub fn run(url: &str, token: Option<&str>, load: Load) -> Result<Figures, String> {
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--latency");
    if let Some(token) = token {
        command.arg("-H").arg(format!("Authorization: Token {token}"));
    }
    let output = command.arg(url).output().map_err(|e| {
        format!("cannot run wrk ({e}); install it with `apt-get install wrk` (Debian) or put it on PATH")
    })?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("wrk failed: {}{}", text, String::from_utf8_lossy(&output.stderr)));
    }
    parse(&text)
}

fn parse(text: &str) -> Result<Figures, String> {
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx or 3xx responses")) {
        return Err(format!("the server answered errors under load ({})", line.trim()));
    }
    if let Some(line) = text.lines().find(|l| l.trim_start().starts_with("Socket errors")) {
        return Err(format!("socket errors under load ({})", line.trim()));
    }
    let value_after = |prefix: &str| {
        text.lines().find_map(|l| l.trim_start().strip_prefix(prefix).map(|rest| rest.trim().to_owned()))
    };
    let rps = value_after("Requests/sec:")
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let percentile = |p: &str| {
        value_after(p).and_then(|v| duration_ms(&v)).ok_or_else(|| format!("no {p} latency in wrk's output:\n{text}"))
    };
    let requests = text
        .lines()
        .find_map(|l| l.trim_start().split_once(" requests in ").and_then(|(n, _)| n.parse::<u64>().ok()))
        .ok_or_else(|| format!("no request count in wrk's output:\n{text}"))?;
    Ok(Figures { requests_per_sec: rps, p50_ms: percentile("50%")?, p99_ms: percentile("99%")?, requests })
}

/// wrk prints `812.00us`, `1.23ms`, `2.01s` or `1.50m`.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let n: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 15s test @ http://127.0.0.1:18080/api/tags
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.05ms    1.10ms  21.32ms   80.12%
    Req/Sec     5.29k   412.33     6.01k    71.00%
  Latency Distribution
     50%    2.87ms
     75%    3.40ms
     90%    4.21ms
     99%  812.00us
  158004 requests in 15.00s, 30.13MB read
Requests/sec:  10531.80
Transfer/sec:      2.01MB
";

    #[test]
    fn reads_a_report() {
        let f = parse(REPORT).unwrap();
        assert!((f.requests_per_sec - 10_531.8).abs() < 1e-9);
        assert!((f.p50_ms - 2.87).abs() < 1e-9);
        assert!((f.p99_ms - 0.812).abs() < 1e-9);
        assert_eq!(f.requests, 158_004);
    }

    #[test]
    fn errors_fail_the_run() {
        let bad = REPORT.replace("Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec");
        assert!(parse(&bad).unwrap_err().contains("Non-2xx"));
        assert_eq!(duration_ms("1.50m"), Some(90_000.0));
        assert_eq!(duration_ms("2.5s"), Some(2500.0));
        assert_eq!(duration_ms("junk"), None);
    }
}
