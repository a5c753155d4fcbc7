// A hook that takes another endpoint's input: `#[use_case]` names the endpoint and the type it receives.
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
    async fn get_product(&self, _ctx: &Ctx, _input: ListProductsInput) -> Result<GetProductOutput, GetProductError> {
        Err(GetProductError::NotFound("no such product".into()))
    }
}

fn main() {}
