//! Validation: the rule model and its one printer ([`checks`]), and `#[derive(Validate)]` over it.

pub mod checks;
mod derive;

pub use derive::expand;
