//! Expansions behind the `charter-macros` proc macros. They live here, in a normal crate, so they can be
//! unit-tested; the macro crate only parses input and turns errors into `compile_error!`.

mod use_case;
mod validate;

pub use use_case::expand as use_case;
pub use validate::expand as validate;
