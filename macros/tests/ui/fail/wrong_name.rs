// A misspelled hook: `#[use_case]` points at the name and says which one the endpoint expects.
// (The imports go unused once `#[use_case]` rejects the impl.)
#![allow(unused_imports)]

#[allow(dead_code)]
#[path = "../../../../codegen/tests/snapshots/rust__mini.snap.rs"]
mod api;

use api::shop::*;
use charter_runtime::{Ctx, use_case};

struct App;

#[use_case]
impl GetProduct for App {
    async fn get_prodcut(&self, _ctx: &Ctx, _input: GetProductInput) -> Result<GetProductOutput, GetProductError> {
        Err(GetProductError::NotFound("no such product".into()))
    }
}

fn main() {}
