//! OpenAPI 3.0.3 emitter: the spec IR as an [`openapiv3::OpenAPI`] document, and that document as JSON or YAML.
//!
//! Everything that knows the 3.0.3 dialect (`nullable`, `allOf` around a `$ref` to give it siblings, the
//! `openapi: 3.0.3` string) stays inside this module, so a 3.1 emitter can follow without touching callers.
//!
//! # Component names
//! - A type (declared or synthesized) is named by its spec name (`User`, `CreateArticleBody`) when no other
//!   app has a type of that name. When two or more apps do, every one of them is qualified with its app,
//!   `<app>.<Name>` (`core.User`, `blog.User`). Spec type names never contain a dot, so a qualified name
//!   can never equal a bare one.
//! - The error envelope is `Problem` (RFC 9457 format) or `ErrorEnvelope` (custom format). It takes part in
//!   the same rule as if it were a type of an app named `charter`: a user type `Problem` makes both
//!   `core.Problem` and `charter.Problem`.
//! - Characters outside `[a-zA-Z0-9._-]` become `_`; if that (or an app literally named `charter`) still
//!   makes two names equal, later ones in spec order get `_2`, `_3`, ... appended.
//! - Error responses are shared in `components.responses`, one per error kind, named by the kind's variant
//!   (`NotFound`, `Validation`, ...) plus `InternalError` for the 500 every operation may answer.
//!
//! # Optional fields
//! The runtime sends an absent optional value as `null` and accepts it omitted in requests. So an optional
//! field is always `nullable`, and it is left out of `required` unless its type only ever appears in responses
//! (then the key is always present, as the Conduit contract documents `bio` and `image`). A field with a
//! default is likewise required only in response-only types.
//!
//! Invariant: output is deterministic. Every map is filled in spec order (or catalog order for errors) and
//! serialized with `serde_json`'s `preserve_order`; nothing iterates a hash map.

mod document;
mod envelope;
mod names;
mod operation;
mod output;
mod schema;
mod security;
mod usage;

#[cfg(test)]
mod tests;

pub use document::{document, render};
pub use output::{to_json, to_yaml};

/// The OpenAPI version this module writes.
pub const OPENAPI_VERSION: &str = "3.0.3";
