//! The Rust lowering step: what the emitters print, decided from the IR before any text is written.
//!
//! An emitter that works out a name, a rule or a strategy while it writes ends up with the same decision
//! made in several places, and decisions made by inspecting text it has written. Here each decision is
//! made once, into plain data: an endpoint's extraction plan ([`endpoint`]), each field's validation rules
//! ([`validation`]), each type's loader strategy ([`loader`]). Names come from `charter-names`. The
//! emitters (`endpoints`, `types`, `drafts`, `loaders`) print these plans and decide nothing of their own.

pub mod endpoint;
pub mod loader;
pub mod validation;
