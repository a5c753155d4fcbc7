// What a user sees when an error points into generated code as the build script writes it (unformatted,
// one item per line): `review_product` has no use case. The notes quote whole generated items (the
// `router` function's line, the trait's line), never a line of a whole app. The use cases import
// everything through the app's prelude, as scaffolded files do.

#[allow(dead_code)]
#[path = "../../../../codegen/tests/snapshots/rust__mini_compact.snap.rs"]
mod api;

use api::shop::prelude::*;

struct App;

#[use_case]
impl ListProducts for App {
    async fn list_products(&self, _: &Ctx, _: ListProductsInput) -> Result<ListProductsOutput, ListProductsError> {
        unimplemented!()
    }
}

#[use_case]
impl GetProduct for App {
    async fn get_product(&self, _: &Ctx, _: GetProductInput) -> Result<GetProductOutput, GetProductError> {
        unimplemented!()
    }
}

#[use_case]
impl CreateProduct for App {
    async fn create_product(&self, _: &Ctx, _: CreateProductInput) -> Result<CreateProductOutput, CreateProductError> {
        unimplemented!()
    }
}

#[use_case]
impl UpsertProduct for App {
    async fn upsert_product(&self, _: &Ctx, _: UpsertProductInput) -> Result<UpsertProductOutput, UpsertProductError> {
        unimplemented!()
    }
}

#[use_case]
impl DeleteProduct for App {
    async fn delete_product(&self, _: &Ctx, _: DeleteProductInput) -> Result<DeleteProductOutput, DeleteProductError> {
        unimplemented!()
    }
}

fn main() -> std::process::ExitCode {
    charter_runtime::run(&api::SPEC, api::router(App))
}
