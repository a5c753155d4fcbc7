//! Computed fields that the single-statement loader cannot express in SQL (a relation whose type loads
//! itself, lists of values JSON cannot carry on every backend): one extra statement per field and relation
//! level, still in batch, never one per row.

use crate::rust::code::{Code, code};
use charter_spec::{Model, Ref, Shape, Source, Spec};

use super::super::names::{self, From, ident};

/// The statements that fetch one computed field for all rows, and the expression that reads it per row.
pub(super) fn computed(
    spec: &Spec,
    model: &Model,
    model_path: &Code,
    f: &charter_spec::TypeField,
    source: &Source,
    from: From<'_>,
) -> Option<(Code, Code)> {
    let cx = Fallback { spec, model, model_path, f, from, var: ident(&format!("computed_{}", f.name)) };
    let m2m = |rel: &str| model.many_to_many.iter().find(|r| r.name == rel);
    match source {
        Source::Values { relation, target, target_column } => {
            values(&cx, m2m(relation)?, relation, target, target_column)
        }
        // Counts and caller checks are always one column of the loader's statement (`select.rs`).
        Source::Count { .. } | Source::ContainsCaller { .. } | Source::CallerContains { .. } => None,
        Source::Related { column, target, .. } => related(&cx, column, target),
    }
}

/// What a fallback statement is for: field `f` of a type built from rows of `model`, its map held in `var`.
struct Fallback<'a> {
    spec: &'a Spec,
    model: &'a Model,
    model_path: &'a Code,
    f: &'a charter_spec::TypeField,
    from: From<'a>,
    var: crate::rust::code::Ident,
}

/// The target values of a many-to-many relation, per row: the links, then the targets, in two statements.
fn values(
    cx: &Fallback<'_>,
    rel: &charter_spec::ManyToMany,
    relation: &str,
    target: &charter_spec::Ref,
    target_column: &str,
) -> Option<(Code, Code)> {
    let Fallback { spec, model, model_path, f, from, ref var } = *cx;
    let pk_col = ident(&model.primary_key().column);
    let keys_fn = ident(&charter_names::link_fns(relation).keys);
    let target_model = spec.model(target)?;
    let target_path = names::model_path(target, from);
    let target_pk = ident(&target_model.primary_key().column);
    let tcol = ident(target_column);
    let key_ty = names::column(&rel.source_key, from);
    let value_ty = match &f.shape {
        Shape::List(inner) => names::shape(inner, from),
        _ => return None,
    };
    Some((
        code! {
            let #var: ::std::collections::HashMap<#key_ty, Vec<#value_ty>> = {
                let links = #model_path::#keys_fn(db, &keys).await?;
                let mut targets: Vec<_> = links.iter().map(|(_, t)| ::std::clone::Clone::clone(t)).collect();
                targets.sort();
                targets.dedup();
                let values: ::std::collections::HashMap<_, _> = #target_path::get_many(db, &targets)
                    .await?
                    .into_iter()
                    .map(|t| (t.#target_pk, t.#tcol))
                    .collect();
                let mut by_row: ::std::collections::HashMap<#key_ty, Vec<#value_ty>> = ::std::collections::HashMap::new();
                for (row, target) in links {
                    if let Some(v) = values.get(&target) {
                        by_row.entry(row).or_default().push(::std::clone::Clone::clone(v));
                    }
                }
                for list in by_row.values_mut() {
                    list.sort_by(|a, b| a.partial_cmp(b).unwrap_or(::std::cmp::Ordering::Equal));
                }
                by_row
            };
        },
        code!(#var.get(&row.#pk_col).cloned().unwrap_or_default()),
    ))
}

/// A related row's type, loaded by its own `load` for every row's foreign key at once.
fn related(cx: &Fallback<'_>, column: &str, target: &charter_spec::Ref) -> Option<(Code, Code)> {
    let Fallback { spec, model, f, from, ref var, .. } = *cx;
    let fk = model.fields.iter().find(|x| x.column == *column)?;
    let fk_col = ident(column);
    let target_model = spec.model(target)?;
    let target_path = names::model_path(target, from);
    let target_pk = ident(&target_model.primary_key().column);
    let target_key = names::owned(code!(t.#target_pk), &target_model.primary_key().ty);
    let key_ty = names::column(&fk.ty, from);
    let nested: &Ref = match &f.shape {
        Shape::Named(r) => r,
        _ => return None,
    };
    let nested_path = names::type_path(nested, from);
    let fk_values = if fk.optional {
        let key = names::owned(code!(r.#fk_col), &fk.ty);
        code!(rows.iter().filter_map(|r| #key).collect())
    } else {
        let key = names::owned(code!(r.#fk_col), &fk.ty);
        code!(rows.iter().map(|r| #key).collect())
    };
    let missing = format!("{} row without its related `{}`", model.name, target_model.name);
    let read = if fk.optional {
        code!(row.#fk_col.as_ref().and_then(|k| #var.get(k).cloned()))
    } else {
        code!(#var.get(&row.#fk_col).cloned().ok_or_else(|| ::charter_runtime::DbError::Decode(#missing.into()))?)
    };
    Some((
        code! {
            let #var: ::std::collections::HashMap<#key_ty, #nested_path> = {
                let mut related: Vec<#key_ty> = #fk_values;
                related.sort();
                related.dedup();
                let targets = #target_path::get_many(db, &related).await?;
                // Boxed: a type may (through others) load itself.
                let loaded = Box::pin(#nested_path::load(db, &targets, caller)).await?;
                targets.iter().map(|t| #target_key).zip(loaded).collect()
            };
        },
        read,
    ))
}
