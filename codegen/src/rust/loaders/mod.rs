//! `<Type>::load(db, rows, caller)`: builds response types from a page of model rows, computing every
//! `source:` field in batch. All computed fields come from one statement over the page's keys
//! ([`select`]); the rare field SQL cannot carry on both backends takes one statement of its own
//! ([`fallback`]). Never a statement per row.

mod fallback;
mod select;

use crate::rust::code::{Code, code};
use charter_spec::{App, Field, ScalarType, Spec, TypeDef, TypeField};

use self::select::{Projection, Slot};
use super::names::{self, From, ident};
use super::plan::loader::{Computed, LoaderStrategy};

/// Loaders for every type of the app that can be built from its model.
pub fn emit(spec: &Spec, app: &App) -> Code {
    let loaders = app.types.iter().filter(|t| loadable(t)).filter_map(|t| emit_loader(spec, app, t));
    code!(#(#loaders)*)
}

fn loadable(t: &TypeDef) -> bool {
    t.from_model.is_some() && t.fields.iter().all(|f| f.model_field.is_some() || f.source.is_some())
}

/// A model column's value as the type's field wants it: enums parsed from their stored text, and wrapped
/// in `Some` when the type makes a required column optional. `owned` is an owned column value.
fn plain_value(mf: &Field, f: &TypeField, owned: Code, from: From<'_>) -> Code {
    let value = match &mf.ty {
        ScalarType::Enum(e) => {
            let ety = names::scalar(&ScalarType::Enum(e.clone()), from);
            if mf.optional {
                code!(match #owned { Some(v) => Some(v.parse::<#ety>().map_err(::charter_runtime::DbError::Decode)?), None => None })
            } else {
                code!(#owned.parse::<#ety>().map_err(::charter_runtime::DbError::Decode)?)
            }
        }
        _ => owned,
    };
    if f.optional && !mf.optional { code!(Some(#value)) } else { value }
}

fn emit_loader(spec: &Spec, app: &App, t: &TypeDef) -> Option<Code> {
    let strategy = LoaderStrategy::of(computed(spec, app, t)?);
    emit_loader_as(spec, app, t, strategy)
}

/// Tries each computed field of `t` on a loader statement of its own: which SQL carries, which not.
fn computed(spec: &Spec, app: &App, t: &TypeDef) -> Option<Computed> {
    let from = From::App(&app.name);
    let model = spec.model(t.from_model.as_ref()?)?;
    let root = format!("\"{}\"", model.table);
    let mut trial = Projection::new(spec, from, true);
    let mut out = Computed::default();
    for f in &t.fields {
        let Some(source) = &f.source else { continue };
        let alias = column_alias(f);
        match trial.computed(Slot { model, at: &root, alias: &alias, field: f }, source, &mut vec![t.name.clone()]) {
            Some(_) => out.in_statement = true,
            None => out.fallback = true,
        }
    }
    Some(out)
}

fn emit_loader_as(spec: &Spec, app: &App, t: &TypeDef, strategy: LoaderStrategy) -> Option<Code> {
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
    let mut projection = Projection::new(spec, from, strategy.owned());
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
                let alias = column_alias(f);
                let read = ident(&alias);
                let from_row = plain_value(mf, f, names::owned(code!(row.#col), &mf.ty), from);
                let from_load = plain_value(mf, f, projection.read(&read, names::is_copy(&mf.ty)), from);
                from_rows.push(code!(#fname: #from_row));
                from_loaded.push(code!(#fname: #from_load));
                let base = names::column(&mf.ty, from);
                let ty = if mf.optional { code!(Option<#base>) } else { base };
                plain_columns.push((alias, ty, mf.column.clone()));
            }
            Some(source) => {
                let alias = column_alias(f);
                let read = match projection.computed(
                    Slot { model, at: &root, alias: &alias, field: f },
                    source,
                    &mut vec![t.name.clone()],
                ) {
                    Some(read) => read,
                    None => {
                        let (prep, read) = fallback::computed(spec, model, &model_path, f, source, from)?;
                        prepare.push(prep);
                        read
                    }
                };
                from_rows.push(code!(#fname: #read));
                from_loaded.push(code!(#fname: #read));
            }
        }
    }

    let caller = caller_arg(&projection);
    if strategy == LoaderStrategy::Direct {
        let mut full = projection.clone();
        for (alias, ty, column) in plain_columns {
            full.plain(alias, ty, &root, &column);
        }
        return emit_direct(t, model, &model_path, &full, &caller, &from_loaded, from, &root);
    }
    let key = Key { ty: pk_ty, col: pk_col, column: &pk.column, copy: names::is_copy(&pk.ty) };
    Some(emit_load(&name, &model_path, &key, &projection, &caller, &prepare, &from_rows, &root))
}

fn load_doc(name: &str) -> String {
    format!(" Builds `{name}` for each row, computing every `source:` field in one statement for all rows.")
}

/// The caller's key as a statement argument, when some column compares with it.
fn caller_arg(projection: &Projection<'_>) -> Code {
    match (&projection.caller_key, projection.uses_caller()) {
        (Some(ty), true) => {
            code!(caller.and_then(|c| c.subject.parse::<#ty>().ok()).map(::charter_runtime::Value::from))
        }
        _ => code!(None),
    }
}

/// The name of the loaders' `caller` parameter: `_caller` when no column compares with it, so that a type
/// whose fields never look at the caller does not warn in the user's build (the signature stays the same).
fn caller_param(projection: &Projection<'_>) -> crate::rust::code::Ident {
    ident(if projection.caller_key.is_some() && projection.uses_caller() { "caller" } else { "_caller" })
}

/// The row struct of a projection's statement.
fn row_struct(row: &crate::rust::code::Ident, projection: &Projection<'_>) -> Code {
    let fields: Vec<_> = projection.columns.iter().map(|c| ident(&c.alias)).collect();
    let types: Vec<_> = projection.columns.iter().map(|c| &c.ty).collect();
    code! {
        // Nested fields are `<field>__<nested field>`: unambiguous, if not snake case.
        #[allow(non_snake_case, reason = "a nested field is `<field>__<nested field>`, unambiguous")]
        struct #row { #(#fields: #types),* }
        ::charter_runtime::__private::impl_from_row!(#row { #(#fields),* });
    }
}

#[allow(clippy::too_many_arguments)]
/// `get` (by key) or `get_by_<unique column>` of a type loaded by one statement.
fn direct_getter(
    t: &TypeDef,
    f: &Field,
    select: &crate::rust::code::Ident,
    caller_param: &crate::rust::code::Ident,
    caller: &Code,
    from: From<'_>,
) -> Code {
    let fn_name = ident(&if f.primary_key { "get".to_owned() } else { charter_names::get_by_fn(&f.column) });
    let arg = ident(&f.column);
    let arg_ty = if f.ty.is_textual() { code!(&str) } else { names::column(&f.ty, from) };
    let column = f.column.clone();
    // A case-insensitive field is looked up as its unique index compares, so the index serves it.
    let (lookup, doc) = if f.unique_case_insensitive {
        let doc = format!(
            "The `{}` whose row's `{}` equals this one ignoring ASCII case, if any, in one statement.",
            t.name, f.column
        );
        (code!(one_case_insensitive), doc)
    } else {
        (code!(one), format!("The `{}` whose row has this `{}`, if any, in one statement.", t.name, f.column))
    };
    let doc = names::doc(&doc);
    code! {
        #doc
        pub async fn #fn_name(
            db: &::charter_runtime::Db,
            #arg: #arg_ty,
            #caller_param: Option<&::charter_runtime::Caller>,
        ) -> Result<Option<Self>, ::charter_runtime::DbError> {
            ::charter_runtime::__private::loader::#lookup(
                db, &#select, #caller, #column, ::std::convert::Into::into(#arg), Self::from_loaded_row,
            ).await
        }
    }
}

/// The column of a loader's statement that holds field `f`.
fn column_alias(f: &TypeField) -> String {
    format!("f_{}", f.name)
}

/// A model's primary key as a loader reads it.
struct Key<'a> {
    ty: Code,
    col: crate::rust::code::Ident,
    column: &'a str,
    /// Read by value rather than cloned.
    copy: bool,
}

impl Key<'_> {
    /// The key of `row` (a row of the model or of a loader's statement), owned.
    fn of(&self, row: &str, field: &crate::rust::code::Ident) -> Code {
        let row = ident(row);
        if self.copy { code!(#row.#field) } else { code!(#row.#field.clone()) }
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_load(
    name: &crate::rust::code::Ident,
    model_path: &Code,
    key: &Key<'_>,
    projection: &Projection<'_>,
    caller: &Code,
    prepare: &[Code],
    inits: &[Code],
    root: &str,
) -> Code {
    let (pk_ty, pk_col, pk_column) = (&key.ty, &key.col, key.column);
    let row_key = key.of("r", pk_col);
    let loaded_key = key.of("c", &ident("key"));
    let (select, build) = if projection.columns.len() > 1 {
        let row = ident("Loaded");
        let row_struct = row_struct(&row, projection);
        let statement = projection.select(root);
        let select = code! {
            #row_struct
            static SELECT: ::charter_runtime::__private::loader::Select = #statement;
            let loaded = ::charter_runtime::__private::loader::keyed::<Loaded, #pk_ty>(
                db, &SELECT, #caller, #pk_column, &keys, |c| #loaded_key,
            ).await?;
        };
        // A row deleted between the caller's query and this one is left out rather than failing the page.
        let build = code! {
            let Some(c) = loaded.get(&row.#pk_col) else { continue };
        };
        (select, build)
    } else {
        (code!(), code!())
    };
    let doc = names::doc(&load_doc(&name.to_string()));
    code! {
        impl #name {
            #doc
            #[allow(unused_variables, reason = "`caller` is used only by fields that depend on it")]
            pub async fn load(
                db: &::charter_runtime::Db,
                rows: &[#model_path],
                caller: Option<&::charter_runtime::Caller>,
            ) -> Result<Vec<Self>, ::charter_runtime::DbError> {
                let keys: Vec<#pk_ty> = rows.iter().map(|r| #row_key).collect();
                #(#prepare)*
                #select
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    #build
                    out.push(Self { #(#inits),* });
                }
                Ok(out)
            }
        }
    }
}

/// `load`, `page`, `get` and `get_by_<unique>` of a type, each one statement (plus a count for pages that
/// need it), all from one `Select` (a static beside the type: statics cannot be associated items).
#[allow(clippy::too_many_arguments)]
fn emit_direct(
    t: &TypeDef,
    model: &charter_spec::Model,
    model_path: &Code,
    projection: &Projection<'_>,
    caller: &Code,
    inits: &[Code],
    from: From<'_>,
    root: &str,
) -> Option<Code> {
    let name = ident(&t.name);
    let row = ident(&charter_names::loader_row(&t.name));
    let row_struct = row_struct(&row, projection);
    let statement = projection.select(root);
    let select = ident(&charter_names::loader_select(&t.name));
    let pk = model.primary_key();
    let pk_col = ident(&pk.column);
    let pk_ty = names::column(&pk.ty, from);
    let pk_column = &pk.column;
    let key = Key { ty: pk_ty.clone(), col: pk_col.clone(), column: pk_column, copy: names::is_copy(&pk.ty) };
    let (row_key, loaded_key) = (key.of("r", &pk_col), key.of("c", &ident("key")));
    let filter_path = names::models_item(t.from_model.as_ref()?, &charter_names::filter_type(&model.name), from);
    let load_doc = names::doc(&load_doc(&t.name));
    let caller_param = caller_param(projection);
    let getters = model
        .fields
        .iter()
        .filter(|f| f.primary_key || f.unique)
        .map(|f| direct_getter(t, f, &select, &caller_param, caller, from));
    Some(code! {
        #row_struct

        #[allow(non_upper_case_globals, reason = "named after its type, `__<Type>_SELECT`")]
        static #select: ::charter_runtime::__private::loader::Select = #statement;

        impl #name {
            fn from_loaded_row(c: #row) -> Result<Self, ::charter_runtime::DbError> {
                Ok(Self { #(#inits),* })
            }

            #load_doc
            pub async fn load(
                db: &::charter_runtime::Db,
                rows: &[#model_path],
                #caller_param: Option<&::charter_runtime::Caller>,
            ) -> Result<Vec<Self>, ::charter_runtime::DbError> {
                let keys: Vec<#pk_ty> = rows.iter().map(|r| #row_key).collect();
                ::charter_runtime::__private::loader::by_keys(
                    db, &#select, #caller, #pk_column, &keys, |c: &#row| #loaded_key,
                    Self::from_loaded_row,
                ).await
            }

            /// One page of the rows matching `filter`, in the model's ordering, with every field computed in
            /// the same statement, and how many rows match in all.
            pub async fn page(
                db: &::charter_runtime::Db,
                filter: &#filter_path,
                limit: i64,
                offset: i64,
                #caller_param: Option<&::charter_runtime::Caller>,
            ) -> Result<(Vec<Self>, i64), ::charter_runtime::DbError> {
                ::charter_runtime::__private::loader::page(
                    db, &#select, #caller, |args| filter.where_sql(args), #model_path::PAGE_ORDER,
                    limit, offset, Self::from_loaded_row,
                ).await
            }

            #(#getters)*
        }
    })
}
