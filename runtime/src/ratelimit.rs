//! Rate limits of endpoints that declare `rate_limit:` in the spec (credential endpoints above all):
//! at most N requests per window from one client address, counted per endpoint. Over the limit is a
//! 429 with `Retry-After`, counted before the endpoint answers its input's errors (so a guess with an
//! invalid input counts too) and before the use case runs.
//!
//! Counts live in this process by default. With `RATE_LIMIT_REDIS_URL`, they live in Redis, so that
//! replicas behind one load balancer share them (a limit of 10 a minute stays 10, not 10 per replica).
//! If Redis cannot answer within [`REDIS_TIMEOUT`], the request is counted in this process instead: a
//! Redis outage neither stops logins nor lifts their limit.
//!
//! Fixed windows: a client may send up to 2N requests around a window's boundary. That is the usual
//! trade for one counter per key (one `INCR` in Redis); the limit is a brake on guessing, not a quota.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// A declared limit: `requests` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

/// How long a request waits for Redis before it is counted in this process.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// Local counters are swept of expired windows when there are more than this many.
const SWEEP_AT: usize = 10_000;

/// Where the counts are kept. Cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    local: std::sync::Arc<Mutex<HashMap<(&'static str, IpAddr), Window>>>,
    redis: Option<redis::aio::ConnectionManager>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("redis", &self.redis.is_some()).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit; the window ends in this many seconds (at least 1).
    Limited {
        retry_after: u64,
    },
}

// One round trip: count the request, start the window's expiry on its first request, and say how much
// of the window is left.
const SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
";

impl RateLimiter {
    /// Counters in this process.
    pub fn local() -> RateLimiter {
        RateLimiter { local: Default::default(), redis: None }
    }

    /// Counters in the Redis at `url` (`redis://127.0.0.1:6379/0`), shared by every replica using it.
    pub async fn redis(url: &str) -> Result<RateLimiter, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        let manager = redis::aio::ConnectionManager::new_with_config(client, config).await?;
        Ok(RateLimiter { redis: Some(manager), ..RateLimiter::local() })
    }

    /// Counts one request of `endpoint` from `client` and says whether it is within `limit`.
    pub async fn check(&self, endpoint: &'static str, client: IpAddr, limit: RateLimit) -> Verdict {
        if let Some(redis) = &self.redis {
            match tokio::time::timeout(REDIS_TIMEOUT, self.check_redis(redis.clone(), endpoint, client, limit)).await {
                Ok(Ok(verdict)) => return verdict,
                Ok(Err(e)) => tracing::warn!(error = %e, "rate limit: Redis failed; counting in this process"),
                Err(_) => tracing::warn!("rate limit: Redis did not answer in time; counting in this process"),
            }
        }
        self.check_local(endpoint, client, limit, Instant::now())
    }

    async fn check_redis(
        &self,
        mut redis: redis::aio::ConnectionManager,
        endpoint: &'static str,
        client: IpAddr,
        limit: RateLimit,
    ) -> Result<Verdict, redis::RedisError> {
        let key = format!("charter:rate:{endpoint}:{client}");
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX).max(1);
        let (count, ttl_ms): (u64, i64) =
            redis::Script::new(SCRIPT).key(key).arg(window_ms).invoke_async(&mut redis).await?;
        Ok(verdict(count, u64::from(limit.requests), Duration::from_millis(ttl_ms.max(0) as u64)))
    }

    fn check_local(&self, endpoint: &'static str, client: IpAddr, limit: RateLimit, now: Instant) -> Verdict {
        let mut windows = self.local.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= SWEEP_AT {
            // Expired windows only; a window's length is at most a day (the spec's largest unit).
            windows.retain(|_, w| now.duration_since(w.started) < Duration::from_secs(86_400));
        }
        let window = windows.entry((endpoint, client)).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= limit.window {
            *window = Window { started: now, count: 0 };
        }
        window.count = window.count.saturating_add(1);
        let left = limit.window.saturating_sub(now.duration_since(window.started));
        verdict(u64::from(window.count), u64::from(limit.requests), left)
    }
}

fn verdict(count: u64, allowed: u64, left: Duration) -> Verdict {
    if count <= allowed {
        Verdict::Allowed
    } else {
        // Rounded up: a client that waits `Retry-After` seconds finds a new window.
        Verdict::Limited { retry_after: left.as_secs() + u64::from(left.subsec_nanos() > 0) }.at_least_one()
    }
}

impl Verdict {
    fn at_least_one(self) -> Verdict {
        match self {
            Verdict::Limited { retry_after } => Verdict::Limited { retry_after: retry_after.max(1) },
            allowed => allowed,
        }
    }

    /// The 429 for a limited request, or `None` when allowed.
    pub fn into_error(self) -> Option<ApiError> {
        match self {
            Verdict::Allowed => None,
            Verdict::Limited { retry_after } => Some(
                ApiError::new(
                    http::StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "too many requests; retry later",
                )
                .with_header(http::header::RETRY_AFTER, http::HeaderValue::from(retry_after)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_A_MINUTE: RateLimit = RateLimit { requests: 3, window: Duration::from_secs(60) };

    #[test]
    fn local_windows_count_per_endpoint_and_client() {
        let limiter = RateLimiter::local();
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_local("login", a, TEN_A_MINUTE, t0), Verdict::Allowed);
        }
        assert_eq!(
            limiter.check_local("login", a, TEN_A_MINUTE, t0 + Duration::from_millis(500)),
            Verdict::Limited { retry_after: 60 }
        );
        assert_eq!(limiter.check_local("login", b, TEN_A_MINUTE, t0), Verdict::Allowed, "another client");
        assert_eq!(limiter.check_local("register", a, TEN_A_MINUTE, t0), Verdict::Allowed, "another endpoint");
        let later = t0 + Duration::from_secs(60);
        assert_eq!(limiter.check_local("login", a, TEN_A_MINUTE, later), Verdict::Allowed, "a new window");
    }

    #[test]
    fn limited_answers_429_with_retry_after() {
        let error = Verdict::Limited { retry_after: 7 }.into_error().unwrap();
        assert_eq!(error.status(), http::StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.header(&http::header::RETRY_AFTER).unwrap(), "7");
        assert!(Verdict::Allowed.into_error().is_none());
    }
}
