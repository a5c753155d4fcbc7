//! Charter's spec language: YAML files in, a validated and located IR (or every diagnostic) out.
//!
//! Invariant: this crate depends on nothing of Rust code generation, SQL drivers or HTTP (no syn, quote, axum
//! or sqlx); of the generated code it knows only the names a spec must leave free (Rust keywords, prelude
//! names, the items generated from each spec name). Parsing never panics on any input; it collects every
//! problem it can find and returns them all.

mod diag;
pub mod ir;
mod load;
mod parse;
mod resolve;
mod source;
mod suggest;
mod yaml;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use ir::*;
pub use load::{load_dir, load_files};
pub use resolve::{MAX_IDENT_LEN, is_rust_keyword, is_snake_ident};
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use suggest::did_you_mean;

// Case conversion belongs to the naming scheme, which `charter-names` owns.
pub use charter_names::{camel_case, pascal_case, snake_case};
