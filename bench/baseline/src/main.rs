//! A hand-written axum + sqlx server for four of Conduit's read endpoints: the yardstick the generated
//! server (`conduit-example`) is benchmarked against. It answers with the same JSON bytes over the same
//! database; the schema belongs to the generated server, which creates and migrates it.
//!
//! Configuration comes from the environment: `DATABASE_URL` (`sqlite://...` or `postgres://...`),
//! `BIND_ADDR` (default 127.0.0.1:8081) and `JWT_SECRET` (the generated server's, so its tokens verify).

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;

mod articles;
mod auth;
mod db;
mod error;
mod json;
mod tags;
mod users;

use auth::Jwt;
use db::Db;
use error::ApiError;

const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8081";
/// HS256 is only as strong as its key; RFC 7518 asks for at least the hash size.
const MIN_JWT_SECRET_BYTES: usize = 32;

/// What every handler shares. Cheap to clone: a pool handle and an `Arc`.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub jwt: Arc<Jwt>,
}

struct Config {
    database_url: String,
    bind: SocketAddr,
    jwt_secret: String,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        // No default database: an empty one would have no schema, and a random secret would verify no
        // token the generated server issued.
        let database_url = var("DATABASE_URL").ok_or("DATABASE_URL is not set")?;
        let bind_text = var("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned());
        let bind = bind_text.trim().parse().map_err(|_| format!("BIND_ADDR `{bind_text}` is not a socket address"))?;
        let jwt_secret = var("JWT_SECRET").ok_or("JWT_SECRET is not set")?;
        if jwt_secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(format!("JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long"));
        }
        Ok(Config { database_url, bind, jwt_secret })
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/articles", get(articles::list))
        .route("/api/articles/{slug}", get(articles::get_one))
        .route("/api/tags", get(tags::list))
        .route("/api/user", get(users::current))
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .with_state(state)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let db = Db::connect(&config.database_url).await?;
    let state = AppState { db: db.clone(), jwt: Arc::new(Jwt::new(config.jwt_secret.as_bytes())) };
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    eprintln!("conduit-baseline listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
