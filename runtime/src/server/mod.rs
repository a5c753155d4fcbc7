//! Turning generated routes into a running server: database, migrations, layers, system routes,
//! graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;

use crate::auth::{AuthScheme, Jwt};
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::envelope::Envelope;
use crate::migrate::{MigrationError, Migrations};
use crate::ratelimit::RateLimiter;

mod auto_errors;
mod layers;
mod listen;
mod request_id;
mod routes;

pub use layers::{Api, ApiFuture};
pub use listen::{ConnectionLimits, PeerAddr, serve_on};

/// Everything the generated code knows about the API, emitted as one `static`.
pub struct ApiSpec {
    pub title: &'static str,
    pub version: &'static str,
    pub openapi_json: &'static str,
    pub openapi_yaml: &'static str,
    pub envelope: Envelope,
    pub auth: AuthScheme,
    pub migrations: Migrations,
    /// Whether an endpoint declares `rate_limit:`: the server then records each request's client
    /// address (an extension per request, which the others are spared).
    pub rate_limited: bool,
    /// Every table the spec's models use (join tables too): after migrating, the server refuses to start
    /// when one is missing, rather than answer every request touching it with a database error.
    pub tables: &'static [&'static str],
}

// The OpenAPI documents are large; a context in a log line should not carry them.
impl std::fmt::Debug for ApiSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiSpec")
            .field("title", &self.title)
            .field("version", &self.version)
            .field("envelope", &self.envelope)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// What every use-case hook receives: the database, the token issuer and the API description.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Ctx {
    db: Db,
    jwt: Jwt,
    spec: &'static ApiSpec,
    body_limit: usize,
    limiter: RateLimiter,
    client_ip_header: Option<http::HeaderName>,
}

impl Ctx {
    /// A context over an existing database, for tests of use cases; [`build`] makes the real one.
    pub fn new(db: Db, jwt: Jwt, spec: &'static ApiSpec) -> Ctx {
        Ctx {
            db,
            jwt,
            spec,
            body_limit: crate::config::DEFAULT_BODY_LIMIT,
            limiter: RateLimiter::local(),
            client_ip_header: None,
        }
    }

    /// Where `rate_limit:` counts are kept (this process by default).
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Ctx {
        self.limiter = limiter;
        self
    }

    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// The header a trusted reverse proxy sets to the client's address (`CLIENT_IP_HEADER`), if any.
    pub fn client_ip_header(&self) -> Option<&http::HeaderName> {
        self.client_ip_header.as_ref()
    }

    pub fn with_body_limit(mut self, body_limit: usize) -> Ctx {
        self.body_limit = body_limit;
        self
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn jwt(&self) -> &Jwt {
        &self.jwt
    }

    pub fn spec(&self) -> &'static ApiSpec {
        self.spec
    }

    pub fn envelope(&self) -> &'static Envelope {
        &self.spec.envelope
    }

    pub fn auth_scheme(&self) -> &'static AuthScheme {
        &self.spec.auth
    }

    /// The largest request body handlers read, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("invalid error envelope: {0}")]
    Envelope(String),
    #[error("cannot connect to the database: {0}")]
    Database(#[from] DbError),
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error(
        "the database has no table {} after every migration of this build ran: the migrations are behind the \
         spec; run `charter makemigrations`, then build again",
        .0.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    )]
    MissingTables(Vec<String>),
    #[error("cannot reach the rate limit's Redis (RATE_LIMIT_REDIS_URL): {0}")]
    RateLimit(String),
    #[error("invalid CORS origin `{0}`")]
    Cors(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Connects to the database, applies pending migrations, and returns the whole [`Api`] (user routes
/// from `routes`, plus `/healthz`, `/readyz`, `/openapi.json`, `/openapi.yaml`, `/docs`, behind the
/// middleware stack) with the context it was built with. [`serve`] is this plus a listener; tests call
/// it directly.
pub async fn build(
    spec: &'static ApiSpec,
    config: &Config,
    routes: impl FnOnce(Ctx) -> Router,
) -> Result<(Api, Ctx), ServeError> {
    spec.envelope.check().map_err(ServeError::Envelope)?;
    let db = Db::connect_with_timeout(&config.database_url, config.database_timeout).await?;
    db.migrate(&spec.migrations).await?;
    let missing = db.missing_tables(spec.tables).await?;
    if !missing.is_empty() {
        return Err(ServeError::MissingTables(missing));
    }
    let jwt = Jwt::new(config.jwt_secret.as_bytes(), config.jwt_ttl);
    let limiter = match &config.rate_limit_redis_url {
        Some(url) => RateLimiter::redis(url).await.map_err(|e| ServeError::RateLimit(e.to_string()))?,
        None => RateLimiter::local(),
    };
    let ctx = Ctx {
        db,
        jwt,
        spec,
        body_limit: config.body_limit,
        limiter,
        client_ip_header: config.client_ip_header.clone(),
    };
    let api = api(ctx.clone(), config, routes)?;
    Ok((api, ctx))
}

/// The [`Api`] over an existing context (no connecting, no migrating).
pub fn api(ctx: Ctx, config: &Config, routes: impl FnOnce(Ctx) -> Router) -> Result<Api, ServeError> {
    let spec = ctx.spec;
    let app = routes(ctx.clone()).merge(routes::system(ctx));
    layers::wrap(app, spec, config)
}

/// Builds the server and serves it on `config.bind` until SIGINT or SIGTERM, then lets in-flight
/// requests finish (for at most `config.shutdown_timeout`) and closes the database.
pub async fn serve(
    spec: &'static ApiSpec,
    config: Config,
    routes: impl FnOnce(Ctx) -> Router,
) -> Result<(), ServeError> {
    let (api, ctx) = build(spec, &config, routes).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind { addr: config.bind, source })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, title = spec.title, version = spec.version, backend = ?ctx.db().backend(), "listening; API docs at http://{addr}/docs/");
    let limits = ConnectionLimits {
        header_read_timeout: config.header_read_timeout,
        shutdown_timeout: config.shutdown_timeout,
        peer_addresses: spec.rate_limited,
    };
    serve_on(listener, api, &spec.envelope, limits, shutdown_signal()).await?;
    tracing::info!("shutting down");
    // Requests cut off by the shutdown timeout may still hold connections: closing waits for them, so
    // it is bounded too.
    if tokio::time::timeout(Duration::from_secs(2), ctx.db().close()).await.is_err() {
        tracing::warn!("database connections still in use at exit");
    }
    Ok(())
}

/// The whole of a generated `main`: logging, configuration from the environment, a multi-threaded
/// runtime, [`serve`]. Errors are printed and turned into a failing exit code, so user crates need no
/// tokio dependency of their own:
///
/// ```ignore
/// fn main() -> std::process::ExitCode {
///     charter_runtime::run(&api::SPEC, api::router(App))
/// }
/// ```
pub fn run(spec: &'static ApiSpec, routes: impl FnOnce(Ctx) -> Router) -> std::process::ExitCode {
    crate::telemetry::init_tracing();
    let result = Config::from_env().map_err(ServeError::from).and_then(|config| {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        runtime.block_on(serve(spec, config, routes))
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
