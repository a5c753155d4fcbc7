//! ui tests of the proc macros and of generated code, compiled with trybuild the way a user crate is.
//!
//! - `ui/pass/*.rs`: must compile and run; they include a snapshot of the Rust emitter with
//!   `#[path = "../../../../codegen/tests/snapshots/rust__<case>.snap.rs"] mod api;`, implement its hooks and
//!   build the router. The snapshots belong to charter-codegen (`codegen/tests/rust.rs` checks them; rewrite
//!   them with `INSTA_UPDATE=always cargo test -p charter-codegen --test rust`); some fail cases include them too.
//! - `ui/fail/*.rs`: must fail to compile with exactly the `.stderr` next to them. After an intended
//!   change of a message, rewrite them with `TRYBUILD=overwrite cargo test -p charter-macros --test ui`
//!   and read the diff: each one is what a user sees.
//!
//! The first run checks every dependency of `charter-runtime` again (a few minutes); later runs are quick.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
