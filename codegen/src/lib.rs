//! Charter's generator: reads a spec (through `charter-spec`) and writes Rust, SQL migrations and OpenAPI.

pub mod openapi;
pub mod sql;
pub mod rust;
pub mod derive;
