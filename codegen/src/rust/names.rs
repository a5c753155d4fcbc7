//! Rust names and type paths for IR nodes, relative to where the code is emitted.

use crate::rust::code::{self, Code, Ident, code};
use charter_spec::{Ref, ScalarType, Shape};

pub fn ident(s: &str) -> Ident {
    code::ident(s)
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

    fn up(self) -> Code {
        match self {
            From::App(_) | From::Handlers(_) => code!(super),
            From::Models(_) => code!(super::super),
        }
    }

    fn app_root(self) -> Code {
        match self {
            From::App(_) => code!(),
            From::Models(_) => code!(super::),
            From::Handlers(a) => {
                let a = ident(a);
                code!(super::#a::)
            }
        }
    }
}

/// A type (declared or synthesized) as seen from `from`.
pub fn type_path(r: &Ref, from: From<'_>) -> Code {
    let name = ident(&r.name);
    if r.app == from.app() {
        let root = from.app_root();
        code!(#root #name)
    } else {
        let up = from.up();
        let app = ident(&r.app);
        code!(#up::#app::#name)
    }
}

pub fn model_path(r: &Ref, from: From<'_>) -> Code {
    models_item(r, &r.name, from)
}

/// An item of the `models` module of `r`'s app (a model, or its `<Model>Filter`).
pub fn models_item(r: &Ref, item: &str, from: From<'_>) -> Code {
    let name = ident(item);
    match from {
        From::Models(a) if a == r.app => code!(#name),
        From::App(a) if a == r.app => code!(models::#name),
        _ => {
            let up = from.up();
            let app = ident(&r.app);
            code!(#up::#app::models::#name)
        }
    }
}

pub fn scalar(ty: &ScalarType, from: From<'_>) -> Code {
    match ty {
        ScalarType::String | ScalarType::Text => code!(String),
        ScalarType::Int => code!(i32),
        ScalarType::BigInt => code!(i64),
        ScalarType::Float => code!(f64),
        ScalarType::Bool => code!(bool),
        ScalarType::Uuid => code!(::charter_runtime::Uuid),
        ScalarType::DateTime => code!(::charter_runtime::DateTime<::charter_runtime::Utc>),
        ScalarType::Date => code!(::charter_runtime::NaiveDate),
        ScalarType::Json => code!(::charter_runtime::JsonValue),
        ScalarType::Enum(e) => {
            let name = ident(&e.name);
            let root = from.app_root();
            code!(#root #name)
        }
    }
}

/// Whether a column of type `ty` is `Copy` in Rust (and so its `Option`): read by value, never cloned.
pub fn is_copy(ty: &ScalarType) -> bool {
    use ScalarType::*;
    matches!(ty, Int | BigInt | Float | Bool | Uuid | DateTime | Date)
}

/// An owned value of `place`, a column of type `ty`: the place itself for a `Copy` type, else its clone.
pub fn owned(place: Code, ty: &ScalarType) -> Code {
    if is_copy(ty) { place } else { code!(#place.clone()) }
}

/// Database columns hold enums as text (their wire value); the typed enum lives in the API types.
pub fn column(ty: &ScalarType, from: From<'_>) -> Code {
    match ty {
        ScalarType::Enum(_) => code!(String),
        other => scalar(other, from),
    }
}

pub fn shape(s: &Shape, from: From<'_>) -> Code {
    match s {
        Shape::Scalar(ty) => scalar(ty, from),
        Shape::Named(r) => type_path(r, from),
        Shape::List(inner) => {
            let inner = shape(inner, from);
            code!(Vec<#inner>)
        }
    }
}

/// `///` lines for a (possibly multi-line) text; prettyplease prints each as `/// line`.
pub fn doc(text: &str) -> Code {
    let lines = text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    code!(#(#[doc = #lines])*)
}
