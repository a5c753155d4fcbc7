//! Request and response types: serde structs with their `Validate` impls, the enums they use, and
//! `from_model` constructors for types derived from a model.

use std::collections::BTreeSet;

use crate::rust::code::{Code, code};
use charter_spec::{App, EnumType, Literal, Model, ScalarType, Shape, Spec, TypeDef};

use super::names::{self, From, ident};
use super::plan::validation;

/// `answered` is [`response_types`] of the spec.
pub fn emit(spec: &Spec, app: &App, answered: &BTreeSet<(&str, &str)>) -> Code {
    let from = From::App(&app.name);
    let enums = enums(app).into_iter().map(emit_enum);
    let structs = app.types.iter().map(|t| emit_struct(t, from));
    let ctors = app.types.iter().filter_map(|t| {
        let readable = answered.contains(&(app.name.as_str(), t.name.as_str()));
        from_model(spec, t, readable, from)
    });
    code! { #(#enums)* #(#structs)* #(#ctors)* }
}

/// The types some endpoint answers with, directly or nested: `(app, type)`.
pub fn response_types(spec: &Spec) -> BTreeSet<(&str, &str)> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&charter_spec::Ref> = spec
        .apps
        .iter()
        .flat_map(|a| &a.endpoints)
        .flat_map(|e| &e.responses)
        .filter_map(|r| r.body.as_ref())
        .collect();
    while let Some(r) = todo.pop() {
        let Some(t) = spec.type_def(r) else { continue };
        if seen.insert((r.app.as_str(), r.name.as_str())) {
            todo.extend(t.fields.iter().filter_map(|f| named(&f.shape)));
        }
    }
    seen
}

fn named(s: &Shape) -> Option<&charter_spec::Ref> {
    match s {
        Shape::Named(r) => Some(r),
        Shape::List(inner) => named(inner),
        Shape::Scalar(_) => None,
    }
}

/// Every enum used by the app's models and types, once each, in first-use order.
fn enums(app: &App) -> Vec<&EnumType> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let model_enums = app.models.iter().flat_map(|m| m.fields.iter().map(|f| &f.ty));
    let type_enums = app.types.iter().flat_map(|t| t.fields.iter()).flat_map(|f| scalars(&f.shape));
    let param_enums = app.endpoints.iter().flat_map(|e| e.path_params.iter().chain(&e.query)).map(|p| &p.ty);
    for ty in model_enums.chain(type_enums).chain(param_enums) {
        if let ScalarType::Enum(e) = ty
            && seen.insert(e.name.clone())
        {
            out.push(e);
        }
    }
    out
}

fn scalars(s: &Shape) -> Vec<&ScalarType> {
    match s {
        Shape::Scalar(t) => vec![t],
        Shape::List(inner) => scalars(inner),
        Shape::Named(_) => Vec::new(),
    }
}

fn emit_enum(e: &EnumType) -> Code {
    let name = ident(&e.name);
    let variants: Vec<_> = e.values.iter().map(|v| ident(&EnumType::variant(v))).collect();
    let wires = &e.values;
    code! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::charter_runtime::__private::serde::Serialize, ::charter_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::charter_runtime::__private::serde")]
        pub enum #name {
            #( #[serde(rename = #wires)] #variants, )*
        }

        impl #name {
            pub const fn as_str(self) -> &'static str {
                match self { #( #name::#variants => #wires, )* }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    #( #wires => Ok(#name::#variants), )*
                    other => Err(::std::format!("`{other}` is not one of: {}", [#(#wires),*].join(", "))),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

fn emit_struct(t: &TypeDef, from: From<'_>) -> Code {
    let name = ident(&t.name);
    let doc = t.description.as_deref().map(names::doc);
    let mut default_fns = Vec::new();
    let fields = t
        .fields
        .iter()
        .map(|f| {
            let fname = ident(&f.name);
            let ty = names::shape(&f.shape, from);
            let mut serde_attrs = Vec::new();
            if f.wire_name != f.name {
                let w = &f.wire_name;
                serde_attrs.push(code!(rename = #w));
            }
            let ty = if f.clearable {
                serde_attrs.push(code!(default));
                code!(::charter_runtime::Patch<#ty>)
            } else if f.optional && f.default.is_none() {
                serde_attrs.push(code!(default));
                code!(Option<#ty>)
            } else {
                if let Some(d) = &f.default {
                    let fn_name = ident(&charter_names::default_fn(&t.name, &f.name));
                    let value = literal(d, &f.shape, from);
                    let fn_path = fn_name.to_string();
                    default_fns.push(code! {
                        fn #fn_name() -> #ty { #value }
                    });
                    serde_attrs.push(code!(default = #fn_path));
                }
                ty
            };
            if let (Shape::List(_), Some(max), false) = (&f.shape, f.constraints.max_items, f.optional) {
                // The declared bound holds for what is sent, whatever the use case put in the list.
                let path = format!("::charter_runtime::__private::respond::at_most::<{max}, _, _>");
                serde_attrs.push(code!(serialize_with = #path));
            }
            let serde = (!serde_attrs.is_empty()).then(|| code!(#[serde(#(#serde_attrs),*)]));
            let doc = f.description.as_deref().map(names::doc);
            code! { #doc #serde pub #fname: #ty }
        })
        .collect::<Vec<_>>();
    // Each bounded list's `max_items`, for the use case's query (`LIMIT`) to ask for no more.
    let bounds: Vec<Code> = t
        .fields
        .iter()
        .filter_map(|f| {
            let max = f.constraints.max_items.filter(|_| matches!(f.shape, Shape::List(_)))? as usize;
            let konst = ident(&charter_names::max_items_const(&f.name));
            let doc = names::doc(&format!("The most items `{}` holds (its `max_items`).", f.name));
            Some(code!(#doc pub const #konst: usize = #max;))
        })
        .collect();
    let bounds = (!bounds.is_empty()).then(|| code!(impl #name { #(#bounds)* }));
    let rust_names: Vec<String> = t.fields.iter().map(|f| ident(&f.name).to_string()).collect();
    let rules: Vec<_> =
        t.fields.iter().zip(&rust_names).map(|(f, n)| validation::type_field(f, n, validation::holder(f))).collect();
    let validate = validation::validate_impl(&name, &rules);
    code! {
        #doc
        #[derive(Debug, Clone, PartialEq, ::charter_runtime::__private::serde::Serialize, ::charter_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::charter_runtime::__private::serde")]
        pub struct #name {
            #(#fields,)*
        }
        #validate
        #bounds
        #(#default_fns)*
    }
}

/// A default value as an expression written in `from` (an enum value names its enum by path from there).
pub fn literal(l: &Literal, shape: &Shape, from: From<'_>) -> Code {
    match (l, shape) {
        (Literal::String(s), Shape::Scalar(ty @ ScalarType::Enum(_))) => {
            let ty = names::scalar(ty, from);
            let v = ident(&EnumType::variant(s));
            code!(#ty::#v)
        }
        (Literal::String(s), _) => code!(String::from(#s)),
        (Literal::Int(i), Shape::Scalar(ScalarType::Int)) => {
            let v = crate::rust::code::int(i64::from(*i as i32));
            code!(#v)
        }
        (Literal::Int(i), _) => {
            let v = crate::rust::code::int(*i);
            code!(#v)
        }
        (Literal::Float(f), _) => {
            let v = crate::rust::code::float(*f);
            code!(#v)
        }
        (Literal::Bool(b), _) => code!(#b),
    }
}

/// `Type::from_model(&row, added...)`: the picked fields come from the row, the added ones are arguments.
/// A response type without computed (`source:`) fields also gets `Type::get(db, key, added...)`, which
/// reads only the columns it picks (`get` of a type with computed fields is its loader's).
fn from_model(spec: &Spec, t: &TypeDef, readable: bool, from: From<'_>) -> Option<Code> {
    let model_ref = t.from_model.as_ref()?;
    let model: &Model = spec.model(model_ref)?;
    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut picked = Vec::new();
    for f in &t.fields {
        let name = ident(&f.name);
        match f.model_field.as_deref().and_then(|m| model.field(m)) {
            Some(mf) => {
                if matches!(mf.ty, ScalarType::Enum(_)) {
                    return None;
                }
                let col = ident(&mf.column);
                let value = names::owned(code!(model.#col), &mf.ty);
                inits.push(if f.clearable {
                    code!(#name: ::charter_runtime::Patch::from(#value))
                } else if f.optional && !mf.optional {
                    code!(#name: Some(#value))
                } else {
                    code!(#name: #value)
                });
                picked.push((f, mf));
            }
            None => {
                let ty = names::shape(&f.shape, from);
                let ty = if f.optional { code!(Option<#ty>) } else { ty };
                params.push(code!(#name: #ty));
                args.push(code!(#name));
                inits.push(code!(#name));
            }
        }
    }
    let name = ident(&t.name);
    let model_path = names::model_path(model_ref, from);
    let doc = names::doc(&format!(
        "Builds a `{}` from a `{}` row; the arguments are the fields the type adds.",
        t.name, model.name
    ));
    let computes = t.fields.iter().any(|f| f.source.is_some());
    // `db` and `key` are `get`'s own parameters: a type adding a field of either name keeps `from_model` only.
    let clash = t.fields.iter().any(|f| f.model_field.is_none() && matches!(f.name.as_str(), "db" | "key"));
    let get = if !readable || computes || clash || picked.is_empty() {
        None
    } else {
        Some(get_picked(t, model, &picked, &params, &args, from))
    };
    let (get_row, get_fn) = get.unzip();
    let from_model_allow = many_arguments(1 + params.len());
    Some(code! {
        #get_row
        impl #name {
            #doc
            #from_model_allow
            pub fn from_model(model: &#model_path, #(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #get_fn
        }
    })
}

/// The row struct and the `get` of a type whose model fields are `picked`: one statement by primary key
/// that selects those columns only.
fn get_picked(
    t: &TypeDef,
    model: &Model,
    picked: &[(&charter_spec::TypeField, &charter_spec::Field)],
    params: &[Code],
    args: &[Code],
    from: From<'_>,
) -> (Code, Code) {
    let row = ident(&charter_names::picked_row(&t.name));
    let pk = model.primary_key();
    let pk_ty = names::column(&pk.ty, from);
    let columns: Vec<String> = picked.iter().map(|(_, mf)| format!("\"{}\"", mf.column)).collect();
    let sql = format!("SELECT {} FROM \"{}\" WHERE \"{}\" = $1", columns.join(", "), model.table, pk.column);
    let fields: Vec<Code> = picked
        .iter()
        .map(|(f, mf)| {
            let name = ident(&f.name);
            let base = names::column(&mf.ty, from);
            let ty = if mf.optional { code!(Option<#base>) } else { base };
            code!(#name: #ty)
        })
        .collect();
    let names: Vec<_> = picked.iter().map(|(f, _)| ident(&f.name)).collect();
    let column_names: Vec<String> = picked.iter().map(|(_, mf)| mf.column.clone()).collect();
    let inits: Vec<Code> = picked
        .iter()
        .map(|(f, mf)| {
            let name = ident(&f.name);
            if f.optional && !mf.optional { code!(#name: Some(r.#name)) } else { code!(#name: r.#name) }
        })
        .collect();
    let adds = args.iter();
    let allow = many_arguments(2 + params.len());
    let doc = names::doc(&format!(
        "The `{}` of the `{}` row with this key, if any, reading only the columns it picks; the arguments \
         after the key are the fields the type adds.",
        t.name, model.name
    ));
    let row_def = code! {
        #[allow(non_camel_case_types, reason = "`__` keeps generated helpers apart from spec names")]
        struct #row { #(#fields),* }
        ::charter_runtime::__private::impl_from_row!(#row { #(#names as #column_names),* });
    };
    let get = code! {
        #doc
        #allow
        pub async fn get(db: impl ::charter_runtime::Conn<'_>, key: #pk_ty, #(#params),*) -> Result<Option<Self>, ::charter_runtime::DbError> {
            let row = db.query(#sql).bind(key).fetch_optional::<#row>().await?;
            Ok(row.map(|r| Self { #(#inits,)* #(#adds),* }))
        }
    };
    (row_def, get)
}

/// clippy's `too_many_arguments` allowance, for a function taking `n` arguments: a type may add any number
/// of fields, each an argument of its constructors.
fn many_arguments(n: usize) -> Option<Code> {
    // clippy's default `too-many-arguments-threshold`.
    const CLIPPY_MAX: usize = 7;
    (n > CLIPPY_MAX)
        .then(|| code!(#[allow(clippy::too_many_arguments, reason = "one argument per field the type adds")]))
}
