//! The expansions behind Charter's proc macros, in a normal crate so that they can be unit-tested and so
//! that the generator can share the validation printer ([`validate::checks`]); `charter-macros` only
//! parses input and turns errors into `compile_error!`.
//!
//! Invariant: depends on syn, quote, proc-macro2, regex-lite and `charter-names` only (enforced by
//! `cli/tests/crate_graph.rs`). Every user crate compiles this crate, through `charter-runtime` →
//! `charter-macros`; the spec parser, the generator, openapiv3 and prettyplease stay out of it.

mod use_case;
pub mod validate;

pub use use_case::expand as use_case;
pub use validate::expand as validate;
