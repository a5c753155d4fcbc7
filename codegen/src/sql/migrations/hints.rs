//! The spec's `renamed_from` hints against the migrated schema (`schema.json`). A hint that names nothing
//! there is ignored by the diff, so a typo turns a rename into a drop and an add: data lost, or a
//! NOT NULL column refused with no place in the spec to look at. Only here are both the hint's place and
//! the old schema known, so it is checked before any migration is made.

use std::path::Path;

use charter_spec::{Diagnostic, Diagnostics, Model, Spec, did_you_mean};

use crate::sql::schema::{Schema, Table};

/// Every hint that names no table or column of `old` while the rename is still to be made.
pub fn check(spec: &Spec, old: &Schema, snapshot: &Path) -> Result<(), Diagnostics> {
    let mut items = Vec::new();
    let shown = snapshot.display().to_string();
    for model in spec.apps.iter().flat_map(|a| &a.models) {
        let Some(old_table) = old_table(spec, model, old, &shown, &mut items) else { continue };
        for f in &model.fields {
            let (Some(from), Some(span)) = (&f.renamed_from, f.renamed_from_span) else { continue };
            // Migrated already (the column has its new name), or a column that is there to rename.
            if old_table.column(&f.column).is_some() || old_table.column(from).is_some() && !has_column(model, from) {
                continue;
            }
            let gone: Vec<&str> =
                old_table.columns.iter().map(|c| c.name.as_str()).filter(|c| !has_column(model, c)).collect();
            let d = if old_table.column(from).is_some() {
                Diagnostic::error(
                    "unknown-rename",
                    span,
                    format!("`renamed_from: {from}`: column `{from}` is still in the spec"),
                )
                .label("not renamed: the model still has this column")
                .help("remove `renamed_from`, or rename the other field")
            } else {
                Diagnostic::error(
                    "unknown-rename",
                    span,
                    format!("`renamed_from`: table `{}` has no column `{from}` in the migrated schema", old_table.name),
                )
                .label("no such column to rename")
                .note(format!("{shown} records the schema after the last migration; columns of `{}` that the spec no longer has: {}", old_table.name, list(&gone)))
                .help_opt(did_you_mean(from, gone.iter().copied()).map(|s| format!("did you mean `{s}`?")))
            };
            items.push(d);
        }
    }
    if items.is_empty() {
        return Ok(());
    }
    items.sort_by_key(|d| (d.span.file, d.span.start));
    Err(Diagnostics { sources: spec.sources.clone(), items })
}

/// The model's table in `old`: by its name, or by a `renamed_from` that names one. None (with a
/// diagnostic when the hint is wrong) for a table the migration creates.
fn old_table<'a>(
    spec: &Spec,
    model: &Model,
    old: &'a Schema,
    shown: &str,
    items: &mut Vec<Diagnostic>,
) -> Option<&'a Table> {
    if let Some(t) = old.table(&model.table) {
        return Some(t);
    }
    let (Some(from), Some(span)) = (&model.renamed_from, model.renamed_from_span) else {
        // A new table: a field's hint has nothing to name.
        for f in model.fields.iter().filter(|f| f.renamed_from.is_some()) {
            if let Some(span) = f.renamed_from_span {
                items.push(
                    Diagnostic::error(
                        "unknown-rename",
                        span,
                        format!("`renamed_from` on a field of a new table `{}`", model.table),
                    )
                    .label("no column to rename")
                    .note(format!("{shown} has no table `{}`: the migration creates it", model.table))
                    .help("remove `renamed_from`, or give the model the `renamed_from` of its old table"),
                );
            }
        }
        return None;
    };
    let still_used = spec.apps.iter().flat_map(|a| &a.models).any(|m| m.table == *from);
    match old.table(from) {
        Some(t) if !still_used => Some(t),
        Some(_) => {
            items.push(
                Diagnostic::error(
                    "unknown-rename",
                    span,
                    format!("`renamed_from: {from}`: table `{from}` is still in the spec"),
                )
                .label("not renamed: another model has this table")
                .help("remove `renamed_from`, or rename the other model's table"),
            );
            None
        }
        None => {
            let gone: Vec<&str> = old
                .tables
                .iter()
                .map(|t| t.name.as_str())
                .filter(|t| !spec.apps.iter().flat_map(|a| &a.models).any(|m| m.table == *t))
                .collect();
            items.push(
                Diagnostic::error(
                    "unknown-rename",
                    span,
                    format!("`renamed_from`: no table `{from}` in the migrated schema"),
                )
                .label("no such table to rename")
                .note(format!(
                    "{shown} records the schema after the last migration; its tables that the spec no longer has: {}",
                    list(&gone)
                ))
                .help_opt(did_you_mean(from, gone.iter().copied()).map(|s| format!("did you mean `{s}`?"))),
            );
            None
        }
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn has_column(model: &Model, column: &str) -> bool {
    model.fields.iter().any(|f| f.column == column)
}
