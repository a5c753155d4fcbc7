// Bounds that cannot work: each error points at the offending token. All of them are reported at once.

use charter_runtime::Validate;

#[derive(Validate)]
struct Page {
    #[validate(length)]
    title: String,
    #[validate(length(min = -1))]
    slug: String,
    #[validate(range(least = 1))]
    limit: i32,
    #[validate(count(min = 1, min = 2))]
    tags: Vec<String>,
    #[validate(range(max = "ten"))]
    offset: i32,
    #[validate(length())]
    body: String,
}

fn main() {}
