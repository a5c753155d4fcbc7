//! Process configuration, read from the environment (twelve-factor style).

use std::net::SocketAddr;
use std::time::Duration;

/// Everything a generated server needs to start. Build it with [`Config::from_env`] in `main`, or with
/// [`Config::for_tests`] in tests.
#[derive(Clone)]
pub struct Config {
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    pub bind: SocketAddr,
    /// HS256 signing secret, at least 32 bytes.
    pub jwt_secret: String,
    pub jwt_ttl: Duration,
    /// Allowed CORS origins; empty disables CORS, `*` allows any origin.
    pub cors_origins: Vec<String>,
    /// Upper bound on handling one request, body reading included.
    pub request_timeout: Duration,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Longest wait to read a request's head (request line and headers) once a connection is ready for
    /// one; an idle keep-alive connection is closed after it too.
    pub header_read_timeout: Duration,
    /// Longest wait for in-flight requests after SIGTERM or Ctrl-C; connections still open are closed.
    pub shutdown_timeout: Duration,
    /// Longest wait for the database: for a pooled connection, and for SQLite's write lock. A request
    /// that waits longer is answered 503 with `Retry-After`.
    pub database_timeout: Duration,
    /// Redis for `rate_limit:` counts shared by replicas (`redis://...`); `None` counts in the process.
    pub rate_limit_redis_url: Option<String>,
    /// The header a trusted reverse proxy sets to the client's address (`X-Forwarded-For`, whose last
    /// value is taken, or `X-Real-IP`); `None` uses the connection's peer address.
    pub client_ip_header: Option<http::HeaderName>,
}

// The secret and the database URL (which may embed a password) must never reach a log line.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("jwt_secret", &"<redacted>")
            .field("jwt_ttl", &self.jwt_ttl)
            .field("cors_origins", &self.cors_origins)
            .field("request_timeout", &self.request_timeout)
            .field("body_limit", &self.body_limit)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("database_timeout", &self.database_timeout)
            .field("rate_limit_redis_url", &self.rate_limit_redis_url.as_deref().map(redact_url))
            .field("client_ip_header", &self.client_ip_header)
            .finish()
    }
}

/// A configuration variable that is present but unusable.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_JWT_TTL: Duration = Duration::from_secs(86_400 * 30);
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Under Kubernetes' default grace period (30 s), so the server closes its connections itself.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
/// A tenth of the request timeout: a database that is down is answered 503 in seconds, not at the
/// request timeout; a healthy one hands out a connection or its write lock in milliseconds.
pub const DEFAULT_DATABASE_TIMEOUT: Duration = Duration::from_secs(3);
/// HS256 is only as strong as its key; RFC 7518 asks for at least the hash size.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads `DATABASE_URL`, `BIND_ADDR`, `JWT_SECRET`, `JWT_TTL_SECONDS`, `CORS_ORIGINS`,
    /// `REQUEST_TIMEOUT_SECONDS`, `BODY_LIMIT_BYTES`, `HEADER_READ_TIMEOUT_SECONDS`,
    /// `SHUTDOWN_TIMEOUT_SECONDS`, `DATABASE_TIMEOUT_MS`, `RATE_LIMIT_REDIS_URL` and `CLIENT_IP_HEADER`;
    /// unset variables take their defaults.
    ///
    /// Without `JWT_SECRET` a random secret is generated for this process (with a warning), so tokens
    /// do not survive a restart and replicas do not accept each other's tokens.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `lookup` instead of the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());

        let bind_text = get("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind = bind_text.trim().parse().map_err(|_| ConfigError {
            variable: "BIND_ADDR",
            message: format!("`{bind_text}` is not a socket address such as 127.0.0.1:8080"),
        })?;

        let jwt_secret = match get("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError {
                    variable: "JWT_SECRET",
                    message: format!(
                        "must be at least {MIN_JWT_SECRET_BYTES} bytes long (got {}); generate one with `openssl rand -hex 32`",
                        secret.len()
                    ),
                });
            }
            Some(secret) => secret,
            None => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random secret for this process; issued tokens stop working on restart"
                );
                random_secret()
            }
        };

        let jwt_ttl = Duration::from_secs(parse_number(&get, "JWT_TTL_SECONDS", DEFAULT_JWT_TTL.as_secs())?);
        let request_timeout =
            Duration::from_secs(parse_number(&get, "REQUEST_TIMEOUT_SECONDS", DEFAULT_REQUEST_TIMEOUT.as_secs())?);
        let body_limit = parse_number(&get, "BODY_LIMIT_BYTES", DEFAULT_BODY_LIMIT as u64)?;
        let body_limit = usize::try_from(body_limit).map_err(|_| ConfigError {
            variable: "BODY_LIMIT_BYTES",
            message: "is too large for this platform".to_owned(),
        })?;

        let seconds =
            |variable, default: Duration| parse_number(&get, variable, default.as_secs()).map(Duration::from_secs);
        let header_read_timeout = seconds("HEADER_READ_TIMEOUT_SECONDS", DEFAULT_HEADER_READ_TIMEOUT)?;
        let shutdown_timeout = seconds("SHUTDOWN_TIMEOUT_SECONDS", DEFAULT_SHUTDOWN_TIMEOUT)?;
        let database_timeout = Duration::from_millis(parse_number(
            &get,
            "DATABASE_TIMEOUT_MS",
            DEFAULT_DATABASE_TIMEOUT.as_millis() as u64,
        )?);

        let rate_limit_redis_url = get("RATE_LIMIT_REDIS_URL").map(|u| u.trim().to_owned());
        if let Some(url) = &rate_limit_redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(ConfigError {
                variable: "RATE_LIMIT_REDIS_URL",
                message: format!("`{}` is not a redis:// URL", redact_url(url)),
            });
        }
        let client_ip_header = match get("CLIENT_IP_HEADER") {
            Some(name) => Some(http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| ConfigError {
                variable: "CLIENT_IP_HEADER",
                message: format!("`{name}` is not a header name"),
            })?),
            None => None,
        };

        let cors_origins = match get("CORS_ORIGINS") {
            Some(list) => parse_origins(&list)?,
            None => Vec::new(),
        };

        Ok(Config {
            database_url,
            bind,
            jwt_secret,
            jwt_ttl,
            cors_origins,
            request_timeout,
            body_limit,
            header_read_timeout,
            shutdown_timeout,
            database_timeout,
            rate_limit_redis_url,
            client_ip_header,
        })
    }

    /// Defaults suited to tests: the given database, an ephemeral port, a fixed secret.
    pub fn for_tests(database_url: impl Into<String>) -> Config {
        Config {
            database_url: database_url.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: "charter-test-secret-charter-test-secret".to_owned(),
            jwt_ttl: Duration::from_secs(3600),
            cors_origins: Vec::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            database_timeout: DEFAULT_DATABASE_TIMEOUT,
            rate_limit_redis_url: None,
            client_ip_header: None,
        }
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(0) => Err(ConfigError { variable, message: "must be greater than zero".to_owned() }),
            Ok(n) => Ok(n),
            Err(_) => Err(ConfigError { variable, message: format!("`{text}` is not a whole number") }),
        },
    }
}

fn parse_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    let mut origins = Vec::new();
    for origin in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let origin = origin.trim_end_matches('/');
        let valid = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && http::HeaderValue::from_str(origin).is_ok()
                && !origin["https://".len().min(origin.len())..].contains('/'));
        if !valid {
            return Err(ConfigError {
                variable: "CORS_ORIGINS",
                message: format!("`{origin}` is not an origin such as https://app.example.com (or `*`)"),
            });
        }
        origins.push(origin.to_owned());
    }
    Ok(origins)
}

fn random_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hides the password of `scheme://user:password@host/...`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => match authority[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{}", &rest[at + 1..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let config = load(&[]).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.jwt_secret.len(), 64);
        assert_eq!(config.jwt_ttl, DEFAULT_JWT_TTL);
        assert!(config.cors_origins.is_empty());
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert_eq!(config.body_limit, 1024 * 1024);
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.shutdown_timeout, Duration::from_secs(20));
        assert_eq!(config.database_timeout, Duration::from_secs(3));
    }

    #[test]
    fn reads_every_variable() {
        let config = load(&[
            ("DATABASE_URL", "postgres://u:p@db/app"),
            ("BIND_ADDR", "0.0.0.0:3000"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("JWT_TTL_SECONDS", "60"),
            ("CORS_ORIGINS", "https://a.example.com, http://localhost:5173/"),
            ("REQUEST_TIMEOUT_SECONDS", "5"),
            ("BODY_LIMIT_BYTES", "2048"),
            ("HEADER_READ_TIMEOUT_SECONDS", "4"),
            ("SHUTDOWN_TIMEOUT_SECONDS", "6"),
            ("DATABASE_TIMEOUT_MS", "250"),
        ])
        .unwrap();
        assert_eq!(config.database_url, "postgres://u:p@db/app");
        assert_eq!(config.bind.port(), 3000);
        assert_eq!(config.jwt_ttl, Duration::from_secs(60));
        assert_eq!(config.cors_origins, ["https://a.example.com", "http://localhost:5173"]);
        assert_eq!(config.request_timeout, Duration::from_secs(5));
        assert_eq!(config.body_limit, 2048);
        assert_eq!(config.header_read_timeout, Duration::from_secs(4));
        assert_eq!(config.shutdown_timeout, Duration::from_secs(6));
        assert_eq!(config.database_timeout, Duration::from_millis(250));
        assert!(!format!("{config:?}").contains(":p@"));
    }

    #[test]
    fn errors_name_the_variable() {
        let err = load(&[("JWT_SECRET", "short")]).err().unwrap();
        assert_eq!(err.variable, "JWT_SECRET");
        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
        assert_eq!(load(&[("BIND_ADDR", "nope")]).err().unwrap().variable, "BIND_ADDR");
        assert_eq!(load(&[("JWT_TTL_SECONDS", "-1")]).err().unwrap().variable, "JWT_TTL_SECONDS");
        assert_eq!(load(&[("BODY_LIMIT_BYTES", "0")]).err().unwrap().variable, "BODY_LIMIT_BYTES");
        assert_eq!(load(&[("CORS_ORIGINS", "example.com")]).err().unwrap().variable, "CORS_ORIGINS");
        assert_eq!(load(&[("CORS_ORIGINS", "*")]).unwrap().cors_origins, ["*"]);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact_url("postgres://user:secret@host:5432/db"), "postgres://user:***@host:5432/db");
        assert_eq!(redact_url("sqlite://data.db"), "sqlite://data.db");
        assert_eq!(redact_url("postgres://postgres@host/db"), "postgres://postgres@host/db");
    }
}
