//! Charter's generator: reads a spec (through `charter-spec`) and writes Rust, SQL migrations and OpenAPI.
//!
//! In a `build.rs`, one call does everything:
//!
//! ```no_run
//! // build.rs
//! charter_codegen::build();
//! ```
//!
//! Invariant: output is deterministic; a second run writes identical bytes.

mod build;
pub mod openapi;
pub mod rust;
pub mod sql;

pub use build::{Builder, Error, Generated, build};
pub use charter_spec as spec;
