// A misspelled rule: the error points at it and lists the rules that exist.

use charter_runtime::Validate;

#[derive(Validate)]
struct NewTag {
    #[validate(lenght(max = 3))]
    name: String,
}

fn main() {}
