//! Charter's proc macros. Thin shells: parse the input, call `charter_macros_core`, and turn an error
//! into `compile_error!` spanned on the offending tokens.

use proc_macro::TokenStream;
use syn::{DeriveInput, ItemImpl, parse_macro_input};

/// Derives `charter_runtime::validate::Validate` from `#[validate(...)]` field attributes.
///
/// ```ignore
/// #[derive(charter_runtime::Validate)]
/// struct NewArticle {
///     #[validate(length(min = 1, max = 255))]
///     title: String,
///     #[validate(count(max = 20), each(length(min = 1)))]
///     tags: Option<Vec<String>>,
/// }
/// ```
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    charter_macros_core::validate(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Checks a use-case impl against its endpoint: the hook's name, `async`, `&self`, and its input and
/// result types, with errors that name the endpoint.
///
/// ```ignore
/// #[charter_runtime::use_case]
/// impl CreateArticle for App {
///     async fn create_article(&self, ctx: &Ctx, input: CreateArticleInput)
///         -> Result<CreateArticleOutput, CreateArticleError> { todo!() }
/// }
/// ```
#[proc_macro_attribute]
pub fn use_case(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = parse_macro_input!(item as ItemImpl);
    charter_macros_core::use_case(args.into(), item).unwrap_or_else(syn::Error::into_compile_error).into()
}
