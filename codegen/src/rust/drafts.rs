//! Drafts: the lenient twins of request types, so one bad request reports every failing field.
//!
//! serde stops at the first missing field. A draft makes every field optional, so a body missing three
//! fields still deserializes; its constraints run on what is present, and `finish` turns it into the real
//! type, adding a `required` error for each field that is absent or null. Drafts live in `<app>::drafts`,
//! named like the type they stand for, and exist only for types reachable from a request body.

use std::collections::BTreeSet;

use crate::rust::code::{Code, code};
use charter_spec::{App, Ref, Shape, Spec, TypeDef};

use super::names::{self, From, ident};
use super::plan::validation;
use super::types::literal;

/// Every type a request body can contain, across apps.
pub fn request_types(spec: &Spec) -> BTreeSet<Ref> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<Ref> = spec.endpoints().filter_map(|(_, e)| e.body.clone()).collect();
    while let Some(r) = todo.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        if let Some(t) = spec.type_def(&r) {
            for f in &t.fields {
                collect(&f.shape, &mut todo);
            }
        }
    }
    seen
}

fn collect(s: &Shape, out: &mut Vec<Ref>) {
    match s {
        Shape::Named(r) => out.push(r.clone()),
        Shape::List(inner) => collect(inner, out),
        Shape::Scalar(_) => {}
    }
}

/// The `drafts` module of one app (empty when no request uses its types).
pub fn emit(app: &App, requests: &BTreeSet<Ref>) -> Code {
    let drafts: Vec<Code> = app
        .types
        .iter()
        .filter(|t| requests.contains(&Ref { app: app.name.clone(), name: t.name.clone() }))
        .map(|t| emit_draft(app, t))
        .collect();
    if drafts.is_empty() {
        return Code::new();
    }
    code! {
        #[doc(hidden)]
        pub mod drafts {
            #(#drafts)*
        }
    }
}

/// A type as seen from `<app>::drafts`: the draft for named types, the real scalar otherwise.
fn draft_shape(s: &Shape, app: &str) -> Code {
    match s {
        Shape::Scalar(ty) => names::scalar(ty, From::Models(app)),
        Shape::Named(r) => {
            let name = ident(&r.name);
            let draft = if r.app == app {
                code!(#name)
            } else {
                let other = ident(&r.app);
                code!(super::super::#other::drafts::#name)
            };
            code!(::charter_runtime::__private::handler::Object<#draft>)
        }
        Shape::List(inner) => {
            let inner = draft_shape(inner, app);
            code!(Vec<#inner>)
        }
    }
}

fn emit_draft(app: &App, t: &TypeDef) -> Code {
    let name = ident(&t.name);
    let real = names::type_path(&Ref { app: app.name.clone(), name: t.name.clone() }, From::Models(&app.name));
    let d = code!(::charter_runtime::__private::draft);
    let mut fields = Vec::new();
    let mut finishes = Vec::new();
    let mut defaults = Vec::new();
    let mut locals = Vec::new();
    for f in &t.fields {
        let fname = ident(&f.name);
        let wire = &f.wire_name;
        let ty = draft_shape(&f.shape, &app.name);
        let finish = finisher(&f.shape, &d);
        let helper = match &f.default {
            Some(default) => {
                // A defaulted field is never missing: the draft holds the final value.
                let fn_name = ident(&charter_names::draft_default_fn(&f.name));
                let fn_path = fn_name.to_string();
                let value = literal(default, &f.shape, From::Models(&app.name));
                defaults.push(code!(fn #fn_name() -> #ty { #value }));
                fields.push(code!(#[serde(rename = #wire, default = #fn_path)] pub #fname: #ty));
                code!(defaulted)
            }
            None if f.clearable => {
                fields.push(code!(#[serde(rename = #wire, default)] pub #fname: ::charter_runtime::Patch<#ty>));
                code!(patch)
            }
            None => {
                fields.push(code!(#[serde(rename = #wire, default)] pub #fname: Option<#ty>));
                if f.optional { code!(optional) } else { code!(required) }
            }
        };
        finishes.push(code!(let #fname = #d::#helper(self.#fname, #wire, path, errors, #finish);));
        locals.push(fname);
    }
    // One field is `?` (clippy's `question_mark`); several are one `let ... else`.
    let unwrap = match locals.as_slice() {
        [one] => code!(let #one = #one?;),
        many => crate::rust::code::let_all_some(many, code!(return None;)),
    };
    let rust_names: Vec<String> = t.fields.iter().map(|f| ident(&f.name).to_string()).collect();
    let rules: Vec<_> = t
        .fields
        .iter()
        .zip(&rust_names)
        .map(|(f, n)| validation::type_field(f, n, validation::draft_holder(f)))
        .collect();
    let validate = validation::validate_impl(&name, &rules);
    code! {
        #[derive(Debug, ::charter_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::charter_runtime::__private::serde")]
        pub struct #name {
            #(#fields,)*
        }

        #validate

        #(#defaults)*

        impl #d::Draft for #name {
            type Real = #real;

            fn finish(
                self,
                path: &mut ::charter_runtime::JsonPath,
                errors: &mut Vec<::charter_runtime::FieldError>,
            ) -> Option<#real> {
                #(#finishes)*
                #unwrap
                Some(#real { #(#locals),* })
            }
        }
    }
}

/// How a present draft value becomes the real value: kept as is unless a draft object is inside it.
fn finisher(s: &Shape, d: &Code) -> Code {
    match s {
        Shape::Named(_) => code!(#d::object),
        Shape::List(inner) if contains_object(inner) => {
            let item = finisher(inner, d);
            code!(|v, p, e| #d::list(v, p, e, #item))
        }
        Shape::Scalar(_) | Shape::List(_) => code!(#d::keep),
    }
}

fn contains_object(s: &Shape) -> bool {
    match s {
        Shape::Named(_) => true,
        Shape::List(inner) => contains_object(inner),
        Shape::Scalar(_) => false,
    }
}
