// Hooks returning the wrong thing: another endpoint's error, and a bare output without `Result`.
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
    async fn get_product(&self, _ctx: &Ctx, _input: GetProductInput) -> Result<GetProductOutput, ListProductsError> {
        Err(ListProductsError::Internal("no such product".into()))
    }
}

#[use_case]
impl DeleteProduct for App {
    async fn delete_product(&self, _ctx: &Ctx, _input: DeleteProductInput) -> DeleteProductOutput {}
}

fn main() {}
