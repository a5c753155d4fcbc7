// A pattern that does not compile is rejected at compile time, spanned on the literal.

use charter_runtime::Validate;

#[derive(Validate)]
struct NewUser {
    #[validate(length(max = 64), pattern = "^[a-z(+$")]
    username: String,
}

fn main() {}
