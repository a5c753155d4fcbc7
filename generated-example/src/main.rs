//! The Conduit slice as a server: `cargo run -p conduit-example`, then open http://127.0.0.1:8080/docs/.
//!
//! Configuration comes from the environment: `DATABASE_URL` (default `sqlite://data.db?mode=rwc`, created
//! and migrated on first run), `BIND_ADDR` (default 127.0.0.1:8080), `JWT_SECRET`.
//!
//! ```sh
//! curl -s localhost:8080/api/users -H 'content-type: application/json' \
//!   -d '{"user":{"username":"jake","email":"jake@example.com","password":"jakejake"}}'
//! ```

use conduit_example::{App, api};

fn main() -> std::process::ExitCode {
    charter_runtime::run(&api::SPEC, api::router(App))
}
