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
    let root = format!("\"{}\"", model.table);

    // `load` reads plain fields from the rows it is given; `page` and `get*` select them too.
    let mut projection = Projection::new(spec, from);
    projection.plain("key".into(), pk_ty.clone(), &root, &pk.column);
    let mut prepare = Vec::new();
    let mut from_rows = Vec::new();
    let mut from_loaded = Vec::new();
    let mut plain_columns = Vec::new();
    for f in &t.fields {
        let fname = ident(&f.name);
        match &f.source {
            None => {
                let mf = model.field(f.model_field.as_deref()?)?;
                let col = ident(&mf.column);
                let alias = format!("f_{}", f.name);
                let read = ident(&alias);
                let from_row = plain_value(mf, f, quote!(::std::clone::Clone::clone(&row.#col)), from);
                let from_load = plain_value(mf, f, quote!(::std::clone::Clone::clone(&c.#read)), from);
                from_rows.push(quote!(#fname: #from_row));
                from_loaded.push(quote!(#fname: #from_load));
                let base = names::column(&mf.ty, from);
                let ty = if mf.optional { quote!(::std::option::Option<#base>) } else { base };
                plain_columns.push((alias, ty, mf.column.clone()));
            }
            Some(source) => {
                let alias = format!("f_{}", f.name);
                let read = match projection.computed(model, &root, &alias, f, source, &mut vec![t.name.clone()]) {
                    Some(read) => read,
                    None => {
                        let (prep, read) = fallback::computed(spec, model, &model_path, f, source, from)?;
                        prepare.push(prep);
                        read
                    }
                };
                from_rows.push(quote!(#fname: #read));
                from_loaded.push(quote!(#fname: #read));
            }
        }
    }

    let caller_key_ty = projection.caller_key.clone();
    let caller_key = caller_key_ty.as_ref().map(|ty| {
        quote! {
            let caller_key: ::std::option::Option<#ty> = caller.and_then(|c| c.subject.parse().ok());
        }
    });
    let computes = projection.columns.len() > 1;
    let load = emit_load(
        &name,
        &model_path,
        &pk_ty,
        &pk_col,
        &root,
        &pk.column,
        &projection,
        &caller_key,
        &prepare,
        &from_rows,
    );
    // Types with computed fields and no fallback also come straight from the database: one statement
    // for a page or a row, instead of the rows and then `load`.
    let direct = (computes && prepare.is_empty())
        .then(|| {
            let mut full = projection.clone();
            for (alias, ty, column) in plain_columns {
                full.plain(alias, ty, &root, &column);
            }
            emit_direct(t, model, &model_path, &full, &caller_key, &from_loaded, from)
        })
        .flatten();
    Some(quote! {
        #load
        #direct
    })
}

/// The `match` that picks a statement's text by backend and by whether a caller is signed in, binding
/// `head` (`SELECT <columns> FROM `) and `joins` around the root; `first` is the number of the first
/// placeholder after the caller's key.
fn pick_sql(projection: &Projection<'_>) -> TokenStream {
    let sql = |d, signed_in| projection.sql(d, signed_in);
    let arm = |(head, joins): (String, String), first: usize| quote!((#head, #joins, #first));
    if projection.uses_caller() {
        let (lite, pg) = (arm(sql(Dialect::Sqlite, true), 2), arm(sql(Dialect::Postgres, true), 2));
        let (lite_anon, pg_anon) = (arm(sql(Dialect::Sqlite, false), 1), arm(sql(Dialect::Postgres, false), 1));
        quote! {
            let (head, joins, first): (&str, &str, usize) = match (db.backend(), caller_key.is_some()) {
                (::charter_runtime::Backend::Sqlite, true) => #lite,
                (::charter_runtime::Backend::Postgres, true) => #pg,
                (::charter_runtime::Backend::Sqlite, false) => #lite_anon,
                (::charter_runtime::Backend::Postgres, false) => #pg_anon,
            };
        }
    } else {
        let (lite, pg) = (sql(Dialect::Sqlite, false), sql(Dialect::Postgres, false));
        if lite == pg {
            let lite = arm(lite, 1);
            quote!(let (head, joins, first): (&str, &str, usize) = #lite;)
        } else {
            let (lite, pg) = (arm(lite, 1), arm(pg, 1));
            quote! {
                let (head, joins, first): (&str, &str, usize) = match db.backend() {
                    ::charter_runtime::Backend::Sqlite => #lite,
                    ::charter_runtime::Backend::Postgres => #pg,
                };
            }
        }
    }
}

/// The row struct of a projection's statement.
fn row_struct(row: &proc_macro2::Ident, projection: &Projection<'_>) -> TokenStream {
    let fields: Vec<_> = projection.columns.iter().map(|c| ident(&c.alias)).collect();
    let types: Vec<_> = projection.columns.iter().map(|c| &c.ty).collect();
    quote! {
        // Nested fields are `<field>__<nested field>`: unambiguous, if not snake case.
        #[allow(non_snake_case)]
        struct #row { #(#fields: #types),* }
        ::charter_runtime::__private::impl_from_row!(#row { #(#fields),* });
    }
}

/// Binds the caller's key as `$1` when the statement compares with it.
fn bind_caller(projection: &Projection<'_>, args: TokenStream) -> TokenStream {
    if projection.uses_caller() {
        quote! {
            if let Some(me) = &caller_key {
                #args.push(::std::convert::Into::into(::std::clone::Clone::clone(me)));
            }
        }
    } else {
        quote!()
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_load(
    name: &proc_macro2::Ident,
    model_path: &TokenStream,
    pk_ty: &TokenStream,
    pk_col: &proc_macro2::Ident,
    root: &str,
    pk_column: &str,
    projection: &Projection<'_>,
    caller_key: &Option<TokenStream>,
    prepare: &[TokenStream],
    inits: &[TokenStream],
) -> TokenStream {
    let (select, build) = if projection.columns.len() > 1 {
        let row = ident("Loaded");
        let row_struct = row_struct(&row, projection);
        let pick = pick_sql(projection);
        let bind = bind_caller(projection, quote!(args));
        let select = quote! {
            #row_struct
            let loaded: ::std::collections::HashMap<#pk_ty, Loaded> = if rows.is_empty() {
                ::std::collections::HashMap::new()
            } else {
                #pick
                let sql = ::std::format!("{head}{root}{joins} WHERE {root}.\"{}\" IN ({})", #pk_column, ::charter_runtime::__private::sql::placeholders(first, keys.len()), root = #root);
                let mut args: ::std::vec::Vec<::charter_runtime::Value> = ::std::vec::Vec::new();
                #bind
                db.query(sql)
                    .bind_all(args)
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
    let doc = format!(" Builds `{name}` for each row, computing every `source:` field in one statement for all rows.");
    quote! {
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
    }
}

/// `page`, `get` and `get_by_<unique>` of a type, each one statement (plus a count for pages that need it).
#[allow(clippy::too_many_arguments)]
fn emit_direct(
    t: &TypeDef,
    model: &charter_spec::Model,
    model_path: &TokenStream,
    projection: &Projection<'_>,
    caller_key: &Option<TokenStream>,
    inits: &[TokenStream],
    from: From<'_>,
) -> Option<TokenStream> {
    let name = ident(&t.name);
    let row = ident(&format!("__{}Row", t.name));
    let row_struct = row_struct(&row, projection);
    let pick = pick_sql(projection);
    let bind = bind_caller(projection, quote!(args));
    let filter_path = names::models_item(t.from_model.as_ref()?, &format!("{}Filter", model.name), from);
    let count_sql = format!("SELECT COUNT(*) FROM \"{}\"", model.table);
    let root = format!("\"{}\"", model.table);
    let mut getters = Vec::new();
    for f in model.fields.iter().filter(|f| f.primary_key || f.unique) {
        let fn_name = ident(&if f.primary_key { "get".to_owned() } else { format!("get_by_{}", f.column) });
        let arg = ident(&f.column);
        let arg_ty = if f.ty.is_textual() { quote!(&str) } else { names::column(&f.ty, from) };
        let doc = names::doc(&format!("The `{}` whose row has this `{}`, if any, in one statement.", t.name, f.column));
        let column = f.column.clone();
        getters.push(quote! {
            #doc
            #[allow(unused_mut)]
            pub async fn #fn_name(
                db: &::charter_runtime::Db,
                #arg: #arg_ty,
                caller: ::std::option::Option<&::charter_runtime::Caller>,
            ) -> ::std::result::Result<::std::option::Option<Self>, ::charter_runtime::DbError> {
                #caller_key
                #pick
                let mut args: ::std::vec::Vec<::charter_runtime::Value> = ::std::vec::Vec::new();
                #bind
                let sql = ::std::format!("{head}{root}{joins} WHERE {root}.\"{}\" = ${first}", #column, root = #root);
                let row = db.query(sql).bind_all(args).bind(#arg).fetch_optional::<#row>().await?;
                row.as_ref().map(Self::from_loaded_row).transpose()
            }
        });
    }
    Some(quote! {
        #row_struct

        impl #name {
            fn from_loaded_row(c: &#row) -> ::std::result::Result<Self, ::charter_runtime::DbError> {
                Ok(Self { #(#inits),* })
            }

            /// One page of the rows matching `filter`, in the model's ordering, with every field computed in
            /// the same statement, and how many rows match in all.
            #[allow(unused_mut, unused_variables)]
            pub async fn page(
                db: &::charter_runtime::Db,
                filter: &#filter_path,
                limit: i64,
                offset: i64,
                caller: ::std::option::Option<&::charter_runtime::Caller>,
            ) -> ::std::result::Result<(::std::vec::Vec<Self>, i64), ::charter_runtime::DbError> {
                #caller_key
                #pick
                let mut args: ::std::vec::Vec<::charter_runtime::Value> = ::std::vec::Vec::new();
                #bind
                let filter_sql = filter.where_sql(&mut args);
                // The page is picked first, as a derived table under the table's own name, so the computed
                // columns are evaluated for its rows only, not for every match before the sort and limit.
                let order = #model_path::PAGE_ORDER;
                let sql = ::std::format!(
                    "{head}(SELECT * FROM {root}{filter_sql} ORDER BY {order} LIMIT ${} OFFSET ${}) AS {root}{joins} ORDER BY {order}",
                    args.len() + 1,
                    args.len() + 2,
                    root = #root,
                );
                let rows = db.query(sql).bind_all(args).bind(limit).bind(offset).fetch_all::<#row>().await?;
                let items = rows.iter().map(Self::from_loaded_row).collect::<::std::result::Result<::std::vec::Vec<_>, _>>()?;
                // A first page that is not full holds every match: no need to count them.
                let total = if offset == 0 && (items.len() as i64) < limit {
                    items.len() as i64
                } else {
                    let mut count_args = ::std::vec::Vec::new();
                    let count_filter = filter.where_sql(&mut count_args);
                    db.query(::std::format!("{}{}", #count_sql, count_filter)).bind_all(count_args).fetch_scalar().await?
                };
                Ok((items, total))
            }

            #(#getters)*
        }
    })
}
