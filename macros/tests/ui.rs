//! ui tests of the proc macros and of generated code, compiled with trybuild the way a user crate is.
//!
//! - `ui/generated/<case>.rs`: the Rust emitter's snapshots (written by `codegen/tests/rust.rs`; rewrite
//!   them with `UPDATE_EXPECT=1 cargo test -p charter-codegen --test rust`).
//! - `ui/pass/*.rs`: must compile and run; they include a snapshot with
//!   `#[path = "../generated/<case>.rs"] mod api;`, implement its hooks and build the router.
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
