//! `<Type>::load(db, rows, caller)`: builds response types from a page of model rows, computing every
//! `source:` field in batch. All computed fields come from one statement over the page's keys
//! ([`select`]); the rare field SQL cannot carry on both backends takes one statement of its own
//! ([`fallback`]). Never a statement per row.

mod fallback;
mod select;

use charter_spec::{App, Field, ScalarType, Spec, TypeDef, TypeField};
use proc_macro2::TokenStream;
use quote::quote;

use self::select::{Dialect, Projection};
use super::names::{self, From, ident};

/// Loaders for every type of the app that can be built from its model.
pub fn emit(spec: &Spec, app: &App) -> TokenStream {
    let loaders = app.types.iter().filter(|t| loadable(t)).filter_map(|t| emit_loader(spec, app, t));
    quote!(#(#loaders)*)
}

fn loadable(t: &TypeDef) -> bool {
    t.from_model.is_some() && t.fields.iter().all(|f| f.model_field.is_some() || f.source.is_some())
}

/// A model column's value as the type's field wants it: enums parsed from their stored text, and wrapped
/// in `Some` when the type makes a required column optional. `owned` is an owned column value.
fn plain_value(mf: &Field, f: &TypeField, owned: TokenStream, from: From<'_>) -> TokenStream {
    let value = match &mf.ty {
        ScalarType::Enum(e) => {
            let ety = names::scalar(&ScalarType::Enum(e.clone()), from);
            if mf.optional {
                quote!(match #owned { Some(v) => Some(v.parse::<#ety>().map_err(::charter_runtime::DbError::Decode)?), None => None })
            } else {
                quote!(#owned.parse::<#ety>().map_err(::charter_runtime::DbError::Decode)?)
            }
        }
        _ => owned,
    };
    if f.optional && !mf.optional { quote!(Some(#value)) } else { value }
}

fn emit_loader(spec: &Spec, app: &App, t: &TypeDef) -> Option<TokenStream> {
    let from = From::App(&app.name);
    let model_ref = t.from_model.as_ref()?;
    let model = spec.model(model_ref)?;
    let name = ident(&t.name);
    let model_path = names::model_path(model_ref, from);
    let pk = model.primary_key();
    let pk_col = ident(&pk.column);
    let pk_ty = names::column(&pk.ty, from);

    let mut projection = Projection::new(spec, from);
    projection.plain("key".into(), pk_ty.clone(), "t1", &pk.column);
    let mut prepare = Vec::new();
    let mut fallback_caller_key = None;
    let mut inits = Vec::new();
    for f in &t.fields {
        let fname = ident(&f.name);
        let value = match &f.source {
            None => {
                let mf = model.field(f.model_field.as_deref()?)?;
                let col = ident(&mf.column);
                plain_value(mf, f, quote!(::std::clone::Clone::clone(&row.#col)), from)
            }
            Some(source) => {
                let alias = format!("f_{}", f.name);
                match projection.computed(model, "t1", &alias, f, source, &mut vec![t.name.clone()]) {
                    Some(read) => read,
                    None => {
                        let caller_key = &mut fallback_caller_key;
                        let (prep, read) = fallback::computed(spec, model, &model_path, f, source, from, caller_key)?;
                        prepare.push(prep);
                        read
                    }
                }
            }
        };
        inits.push(quote!(#fname: #value));
    }

    let caller_key = projection.caller_key.clone().or(fallback_caller_key).map(|ty| {
        quote! {
            let caller_key: ::std::option::Option<#ty> = caller.and_then(|c| c.subject.parse().ok());
        }
    });
    let (select, build) = if projection.columns.len() > 1 {
        let fields: Vec<_> = projection.columns.iter().map(|c| ident(&c.alias)).collect();
        let types: Vec<_> = projection.columns.iter().map(|c| &c.ty).collect();
        let prefix = |d, signed_in| projection.sql_prefix(d, signed_in, &model.table, &pk.column);
        let sql = if projection.uses_caller() {
            let (lite, pg) = (prefix(Dialect::Sqlite, true), prefix(Dialect::Postgres, true));
            let (lite_anon, pg_anon) = (prefix(Dialect::Sqlite, false), prefix(Dialect::Postgres, false));
            quote! {
                let (prefix, first) = match (db.backend(), caller_key.is_some()) {
                    (::charter_runtime::Backend::Sqlite, true) => (#lite, 2),
                    (::charter_runtime::Backend::Postgres, true) => (#pg, 2),
                    (::charter_runtime::Backend::Sqlite, false) => (#lite_anon, 1),
                    (::charter_runtime::Backend::Postgres, false) => (#pg_anon, 1),
                };
            }
        } else {
            let (lite, pg) = (prefix(Dialect::Sqlite, false), prefix(Dialect::Postgres, false));
            if lite == pg {
                quote!(let (prefix, first) = (#lite, 1);)
            } else {
                quote! {
                    let (prefix, first) = match db.backend() {
                        ::charter_runtime::Backend::Sqlite => (#lite, 1),
                        ::charter_runtime::Backend::Postgres => (#pg, 1),
                    };
                }
            }
        };
        let bind_caller = projection.uses_caller().then(|| {
            quote! {
                if let Some(me) = &caller_key {
                    query = query.bind(::std::clone::Clone::clone(me));
                }
            }
        });
        let select = quote! {
            struct Loaded { #(#fields: #types),* }
            ::charter_runtime::__private::impl_from_row!(Loaded { #(#fields),* });
            let loaded: ::std::collections::HashMap<#pk_ty, Loaded> = if rows.is_empty() {
                ::std::collections::HashMap::new()
            } else {
                #sql
                let sql = ::std::format!("{}{})", prefix, ::charter_runtime::__private::sql::placeholders(first, keys.len()));
                let mut query = db.query(sql);
                #bind_caller
                query
                    .bind_all(keys.iter().cloned())
                    .fetch_all::<Loaded>()
                    .await?
                    .into_iter()
                    .map(|c| (::std::clone::Clone::clone(&c.key), c))
                    .collect()
            };
        };
        // A row deleted between the caller's query and this one is left out rather than failing the page.
        let build = quote! {
            let Some(c) = loaded.get(&row.#pk_col) else { continue };
        };
        (select, build)
    } else {
        (quote!(), quote!())
    };
    let doc =
        format!(" Builds `{}` for each row, computing every `source:` field in one statement for all rows.", t.name);
    Some(quote! {
        impl #name {
            #[doc = #doc]
            #[allow(unused_variables, unused_mut)]
            pub async fn load(
                db: &::charter_runtime::Db,
                rows: &[#model_path],
                caller: ::std::option::Option<&::charter_runtime::Caller>,
            ) -> ::std::result::Result<::std::vec::Vec<Self>, ::charter_runtime::DbError> {
                let keys: ::std::vec::Vec<#pk_ty> = rows.iter().map(|r| ::std::clone::Clone::clone(&r.#pk_col)).collect();
                #caller_key
                #(#prepare)*
                #select
                let mut out = ::std::vec::Vec::with_capacity(rows.len());
                for row in rows {
                    #build
                    out.push(Self { #(#inits),* });
                }
                Ok(out)
            }
        }
    })
}
