//! Rate limits kept in Redis: replicas share their counts, and a Redis that goes away does not stop
//! requests nor lift the limit. Redis at `TEST_REDIS_URL` (default `redis://127.0.0.1:6379`); with
//! `CI=true` an unreachable Redis fails the tests, otherwise they are skipped with a loud note.

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use charter_runtime::ratelimit::{RateLimit, RateLimiter, Verdict};
use support::relay::Relay;

const THREE_A_MINUTE: RateLimit = RateLimit { requests: 3, window: Duration::from_secs(60) };

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

async fn limiter(url: &str) -> Option<RateLimiter> {
    match RateLimiter::redis(url).await {
        Ok(limiter) => Some(limiter),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("Redis at {url} is required when CI=true: {e}")
        }
        Err(e) => {
            eprintln!("\n*** SKIPPING Redis test: cannot reach {url}: {e}\n");
            None
        }
    }
}

/// A client address no other test run uses, so that runs do not share counters.
fn fresh_client() -> IpAddr {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let n = nanos ^ std::process::id();
    IpAddr::from([10, (n >> 16) as u8, (n >> 8) as u8, n as u8])
}

#[tokio::test]
async fn replicas_share_one_count() {
    let url = redis_url();
    let (Some(a), Some(b)) = (limiter(&url).await, limiter(&url).await) else { return };
    let client = fresh_client();
    assert_eq!(a.check("login", client, THREE_A_MINUTE).await, Verdict::Allowed);
    assert_eq!(b.check("login", client, THREE_A_MINUTE).await, Verdict::Allowed);
    assert_eq!(a.check("login", client, THREE_A_MINUTE).await, Verdict::Allowed);
    // The fourth request, on either replica, is over the shared limit.
    let Verdict::Limited { retry_after } = b.check("login", client, THREE_A_MINUTE).await else {
        panic!("the second replica did not see the first one's requests");
    };
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(a.check("register", client, THREE_A_MINUTE).await, Verdict::Allowed, "counted per endpoint");
}

#[tokio::test]
async fn a_lost_redis_falls_back_to_this_process_quickly() {
    let url = redis_url();
    let authority = url.trim_start_matches("redis://").split('/').next().unwrap().to_owned();
    let target = tokio::net::lookup_host(&authority).await.unwrap().next().unwrap();
    let relay = Relay::start(0, target).await;
    let Some(limiter) = limiter(&format!("redis://127.0.0.1:{}", relay.port)).await else { return };
    let client = fresh_client();
    assert_eq!(limiter.check("login", client, THREE_A_MINUTE).await, Verdict::Allowed);

    relay.cut().await;
    // Counted in this process now: still allowed up to the limit, still limited after it, and never
    // slower than the Redis timeout.
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(limiter.check("login", client, THREE_A_MINUTE).await, Verdict::Allowed);
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }
    assert!(matches!(limiter.check("login", client, THREE_A_MINUTE).await, Verdict::Limited { .. }));
}
