//! Run with `cargo run -p conduit-example`; docs at http://127.0.0.1:8080/docs/.
//!
//! ```sh
//! curl -s localhost:8080/api/users -H 'content-type: application/json' \
//!   -d '{"user":{"username":"jake","email":"jake@example.com","password":"jakejake"}}'
//! ```

use conduit_example::{App, api};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    charter_runtime::init_tracing();
    let config = match charter_runtime::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match charter_runtime::serve(&api::SPEC, config, api::router(App)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
