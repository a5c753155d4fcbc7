//! Rust names and type paths for IR nodes, relative to where the code is emitted.

use charter_spec::{Ref, ScalarType, Shape};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// Where a path is written from: an app module (`api::articles`) or its `models` submodule.
#[derive(Clone, Copy)]
pub enum From<'a> {
    App(&'a str),
    Models(&'a str),
    /// An app's private `__<app>_handlers` module, a sibling of the app modules.
    Handlers(&'a str),
}

impl From<'_> {
    fn app(&self) -> &str {
        match self {
            From::App(a) | From::Models(a) | From::Handlers(a) => a,
        }
    }

    fn up(self) -> TokenStream {
        match self {
            From::App(_) | From::Handlers(_) => quote!(super),
            From::Models(_) => quote!(super::super),
        }
    }

    fn app_root(self) -> TokenStream {
        match self {
            From::App(_) => quote!(),
            From::Models(_) => quote!(super::),
            From::Handlers(a) => {
                let a = ident(a);
                quote!(super::#a::)
            }
        }
    }
}

/// A type (declared or synthesized) as seen from `from`.
pub fn type_path(r: &Ref, from: From<'_>) -> TokenStream {
    let name = ident(&r.name);
    if r.app == from.app() {
        let root = from.app_root();
        quote!(#root #name)
    } else {
        let up = from.up();
        let app = ident(&r.app);
        quote!(#up::#app::#name)
    }
}

pub fn model_path(r: &Ref, from: From<'_>) -> TokenStream {
    models_item(r, &r.name, from)
}

/// An item of the `models` module of `r`'s app (a model, or its `<Model>Filter`).
pub fn models_item(r: &Ref, item: &str, from: From<'_>) -> TokenStream {
    let name = ident(item);
    match from {
        From::Models(a) if a == r.app => quote!(#name),
        From::App(a) if a == r.app => quote!(models::#name),
        _ => {
            let up = from.up();
            let app = ident(&r.app);
            quote!(#up::#app::models::#name)
        }
    }
}

pub fn scalar(ty: &ScalarType, from: From<'_>) -> TokenStream {
    match ty {
        ScalarType::String | ScalarType::Text => quote!(String),
        ScalarType::Int => quote!(i32),
        ScalarType::BigInt => quote!(i64),
        ScalarType::Float => quote!(f64),
        ScalarType::Bool => quote!(bool),
        ScalarType::Uuid => quote!(::charter_runtime::Uuid),
        ScalarType::DateTime => quote!(::charter_runtime::DateTime<::charter_runtime::Utc>),
        ScalarType::Date => quote!(::charter_runtime::NaiveDate),
        ScalarType::Json => quote!(::charter_runtime::JsonValue),
        ScalarType::Enum(e) => {
            let name = ident(&e.name);
            let root = from.app_root();
            quote!(#root #name)
        }
    }
}

/// Database columns hold enums as text (their wire value); the typed enum lives in the API types.
pub fn column(ty: &ScalarType, from: From<'_>) -> TokenStream {
    match ty {
        ScalarType::Enum(_) => quote!(String),
        other => scalar(other, from),
    }
}

pub fn shape(s: &Shape, from: From<'_>) -> TokenStream {
    match s {
        Shape::Scalar(ty) => scalar(ty, from),
        Shape::Named(r) => type_path(r, from),
        Shape::List(inner) => {
            let inner = shape(inner, from);
            quote!(Vec<#inner>)
        }
    }
}

/// `///` lines for a (possibly multi-line) text; prettyplease prints each as `/// line`.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote!(#(#[doc = #lines])*)
}
