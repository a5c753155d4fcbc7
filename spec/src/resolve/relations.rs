//! What reads across relations: computed type fields (`source:`), and a model's `ordering` and `filters`.

use crate::diag::Diagnostic;
use crate::ir::{
    App, Field, Filter, FilterKind, ManyToMany, Model, Order, Ref, ScalarType, Shape, Source, TypeDef, TypeField,
};
use crate::parse::{Name, RawApp};
use crate::suggest::did_you_mean;

fn model_of<'a>(models: &'a [(String, Model)], r: &Ref) -> Option<&'a Model> {
    models.iter().find(|(a, m)| *a == r.app && m.name == r.name).map(|(_, m)| m)
}

/// None for a relation that is declared but did not resolve: its own error says why.
fn unknown_relation(m: &Model, name: &Name, what: &str) -> Option<Diagnostic> {
    if m.is_unresolved(&name.text) {
        return None;
    }
    if let Some(d) = wrong_kind_of_relation(m, name, what) {
        return Some(d);
    }
    let names = m.fields.iter().filter(|f| f.belongs_to.is_some()).map(|f| f.name.as_str());
    let names: Vec<&str> = names.chain(m.many_to_many.iter().map(|r| r.name.as_str())).collect();
    let d =
        Diagnostic::error("unknown-relation", name.span, format!("model `{}` has no {what} `{}`", m.name, name.text))
            .label("not a relation of this model")
            .help_opt(did_you_mean(&name.text, names.iter().copied()).map(|s| format!("did you mean `{s}`?")));
    Some(d)
}

/// The name is a relation, of the other kind: suggesting the very name back would be no help.
fn wrong_kind_of_relation(m: &Model, name: &Name, what: &str) -> Option<Diagnostic> {
    let is = |kind: &str| format!("`{}` is a {kind} of `{}`, not a {what}", name.text, m.name);
    if m.many_to_many.iter().any(|r| r.name == name.text) {
        return Some(
            Diagnostic::error("unknown-relation", name.span, is("many-to-many relation"))
                .label("a many-to-many relation"),
        );
    }
    m.fields.iter().find(|f| f.name == name.text && f.belongs_to.is_some()).map(|_| {
        Diagnostic::error("unknown-relation", name.span, is("`belongs_to` relation"))
            .label("a `belongs_to` relation")
            .help(format!("`source: {}` alone loads the related object", name.text))
    })
}

fn bad_source(name: &Name, message: String, help: &str) -> Diagnostic {
    Diagnostic::error("bad-source", name.span, message).label("in this `source`").help(help.to_string())
}

/// One `source:` being resolved: the field it computes, on a type derived from `model`.
struct SourceCx<'a> {
    model: &'a Model,
    field: &'a TypeField,
    raw: &'a Name,
    diags: &'a mut Vec<Diagnostic>,
}

impl<'a> SourceCx<'a> {
    /// A part of the source as a name; it has no span of its own, so it points at the whole source.
    fn part(&self, text: &str) -> Name {
        Name { text: text.to_string(), span: self.raw.span }
    }

    /// Reports a field whose type is not what its source computes (`what`).
    fn expect(&mut self, ok: bool, what: &str) {
        if !ok {
            self.diags.push(bad_source(
                self.raw,
                format!("`source: {}` gives {what}, but the field is not", self.raw.text),
                "change the field's type to match",
            ));
        }
    }

    fn is_bool(&self) -> bool {
        matches!(self.field.shape, Shape::Scalar(ScalarType::Bool))
    }

    fn many_to_many(&mut self, rel: &str) -> Option<&'a ManyToMany> {
        let model = self.model;
        let found = model.many_to_many.iter().find(|r| r.name == rel);
        if found.is_none() {
            self.diags.extend(unknown_relation(self.model, &self.part(rel), "many-to-many relation"));
        }
        found
    }
}

/// Resolves `source:` of a field of a type derived from `model`.
pub fn source(
    model: &Model,
    models: &[(String, Model)],
    field: &TypeField,
    raw: &Name,
    diags: &mut Vec<Diagnostic>,
) -> Option<Source> {
    let parts: Vec<&str> = raw.text.split('.').collect();
    let mut cx = SourceCx { model, field, raw, diags };
    match parts.as_slice() {
        ["caller", rel, "contains"] => caller_contains(&mut cx, rel),
        [rel] => related(&mut cx, rel),
        [rel, what] => through_many_to_many(&mut cx, models, rel, what),
        _ => {
            cx.diags.push(bad_source(
                raw,
                format!("`source: {}` is not a known form", raw.text),
                "forms: `<belongs_to>`, `<many_to_many>.<field>`, `<many_to_many>.count`, `<many_to_many>.contains_caller`, `caller.<self many_to_many>.contains`",
            ));
            None
        }
    }
}

/// `caller.<rel>.contains`: whether the caller is linked to the row, over a relation of the model to itself.
fn caller_contains(cx: &mut SourceCx<'_>, rel: &str) -> Option<Source> {
    let m2m = cx.many_to_many(rel)?;
    if m2m.target.name != cx.model.name {
        cx.diags.push(bad_source(
            cx.raw,
            format!("`caller.{rel}.contains` needs a relation from `{}` to itself", cx.model.name),
            "use `<relation>.contains_caller` for a relation to the caller's model",
        ));
        return None;
    }
    let is_bool = cx.is_bool();
    cx.expect(is_bool, "a bool");
    Some(Source::CallerContains { relation: rel.to_string() })
}

/// `<rel>`: the object a `belongs_to` points at.
fn related(cx: &mut SourceCx<'_>, rel: &str) -> Option<Source> {
    let model = cx.model;
    let Some(f) = model.fields.iter().find(|f| f.name == rel && f.belongs_to.is_some()) else {
        let d = unknown_relation(model, &cx.part(rel), "`belongs_to` relation");
        cx.diags.extend(d.map(|d| {
            match model.many_to_many.iter().find(|r| r.name == rel) {
                Some(m2m) => d
                    .note(format!(
                        "from a many-to-many relation, `source` computes `{rel}.<field>` (a list of one field of \
                     each linked `{}`), `{rel}.count` or `{rel}.contains_caller`; a list of whole related \
                     objects is not supported",
                        m2m.target.name
                    ))
                    .help(format!("for example `source: {rel}.<field>` on a field `{{ list: <that field's type> }}`")),
                None => d,
            }
        }));
        return None;
    };
    let target = f.belongs_to.as_ref().map(|b| b.target.clone())?;
    cx.expect(matches!(cx.field.shape, Shape::Named(_)), "a related object");
    Some(Source::Related { relation: rel.to_string(), column: f.column.clone(), target })
}

/// `<rel>.count`, `<rel>.contains_caller` or `<rel>.<field>` of a many-to-many relation.
fn through_many_to_many(cx: &mut SourceCx<'_>, models: &[(String, Model)], rel: &str, what: &str) -> Option<Source> {
    let m2m = cx.many_to_many(rel)?;
    match what {
        "count" => {
            cx.expect(matches!(cx.field.shape, Shape::Scalar(ScalarType::Int | ScalarType::BigInt)), "an integer");
            Some(Source::Count { relation: rel.to_string() })
        }
        "contains_caller" => {
            let is_bool = cx.is_bool();
            cx.expect(is_bool, "a bool");
            Some(Source::ContainsCaller { relation: rel.to_string() })
        }
        column => linked_values(cx, model_of(models, &m2m.target)?, m2m, rel, column),
    }
}

/// `<rel>.<column>`: one column of every row linked through `m2m`, whose model is `target`.
fn linked_values(cx: &mut SourceCx<'_>, target: &Model, m2m: &ManyToMany, rel: &str, column: &str) -> Option<Source> {
    let Some(tf) = target.field(column) else {
        if target.is_unresolved(column) {
            return None;
        }
        let names = target.fields.iter().map(|f| f.name.as_str()).chain(["count", "contains_caller"]);
        cx.diags.push(
            Diagnostic::error("unknown-field", cx.raw.span, format!("model `{}` has no field `{column}`", target.name))
                .label(format!("`{rel}` links to `{}`", target.name))
                .help_opt(did_you_mean(column, names).map(|s| format!("did you mean `{rel}.{s}`?"))),
        );
        return None;
    };
    let ok = matches!(&cx.field.shape, Shape::List(inner) if **inner == Shape::Scalar(tf.ty.clone()));
    cx.expect(ok, &format!("a list of `{}`", tf.ty.name()));
    Some(Source::Values { relation: rel.to_string(), target: m2m.target.clone(), target_column: tf.column.clone() })
}

/// A type can be loaded from rows when every field is copied from its model or computed.
pub fn loadable(t: &TypeDef) -> bool {
    t.from_model.is_some() && t.fields.iter().all(|f| f.model_field.is_some() || f.source.is_some())
}

/// A `Related` source needs its type to be loadable from the related model.
pub fn check_related(apps: &[App], diags: &mut Vec<Diagnostic>) {
    let types: Vec<&TypeDef> = apps.iter().flat_map(|a| a.types.iter()).collect();
    for t in &types {
        for f in &t.fields {
            let (Some(Source::Related { target, .. }), Shape::Named(r)) = (&f.source, &f.shape) else { continue };
            let Some(nested) =
                apps.iter().find(|a| a.name == r.app).and_then(|a| a.types.iter().find(|x| x.name == r.name))
            else {
                continue;
            };
            if nested.from_model.as_ref() != Some(target) || !loadable(nested) {
                diags.push(
                    Diagnostic::error(
                        "bad-source",
                        f.span,
                        format!(
                            "field `{}` is loaded from `{}`, but type `{}` cannot be built from it",
                            f.name, target.name, nested.name
                        ),
                    )
                    .label("computed from a relation")
                    .help(format!(
                        "derive `{}` with `from: {}`, and give each field it adds a `source`",
                        nested.name, target.name
                    )),
                );
            }
        }
    }
}

/// `ordering` and `filters` of every model, once all models exist (filters reach into other models).
pub fn resolve_lists(apps: &mut [App], raw_apps: &[RawApp], diags: &mut Vec<Diagnostic>) {
    let all: Vec<(String, Model)> =
        apps.iter().flat_map(|a| a.models.iter().map(|m| (a.name.clone(), m.clone()))).collect();
    for (app, raw) in apps.iter_mut().zip(raw_apps) {
        for (model, raw_model) in app.models.iter_mut().zip(&raw.models) {
            for o in &raw_model.ordering {
                let (name, descending) = match o.text.strip_prefix('-') {
                    Some(n) => (n, true),
                    None => (o.text.as_str(), false),
                };
                match model.fields.iter().find(|f| f.name == name || f.column == name) {
                    Some(f) => model.ordering.push(Order { column: f.column.clone(), descending }),
                    None => diags.extend(unknown_field(model, o, name)),
                }
            }
            let mut filters = Vec::new();
            for rf in &raw_model.filters {
                if let Some(kind_ty) = filter(model, &all, rf, diags) {
                    filters.push(Filter {
                        name: rf.name.text.clone(),
                        ty: kind_ty.1,
                        kind: kind_ty.0,
                        span: rf.name.span,
                    });
                }
            }
            model.filters = filters;
        }
    }
}

/// None for a field that is declared but did not resolve: its own error says why.
fn unknown_field(m: &Model, at: &Name, name: &str) -> Option<Diagnostic> {
    if m.is_unresolved(name) {
        return None;
    }
    let names = m.fields.iter().map(|f| f.name.as_str());
    let d = Diagnostic::error("unknown-field", at.span, format!("model `{}` has no field `{name}`", m.name))
        .label("not a field of this model")
        .help_opt(did_you_mean(name, names).map(|s| format!("did you mean `{s}`?")));
    Some(d)
}

fn filter(
    model: &Model,
    all: &[(String, Model)],
    rf: &crate::parse::RawFilter,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FilterKind, ScalarType)> {
    if let Some((field, rel)) = &rf.field_in {
        return target_of_filter(model, all, field, rel, diags);
    }
    let path = rf.path.as_ref()?;
    match path.text.split('.').collect::<Vec<_>>().as_slice() {
        [col] => match model.fields.iter().find(|f| f.name == *col) {
            Some(f) => Some((FilterKind::Column { column: f.column.clone() }, f.ty.clone())),
            None => {
                diags.extend(unknown_field(model, path, col));
                None
            }
        },
        [rel, col] => match model.fields.iter().find(|f| f.name == *rel && f.belongs_to.is_some()) {
            Some(f) => related_filter(f, all, path, col, diags),
            None => linked_filter(model, all, path, rel, col, diags),
        },
        _ => {
            diags.push(
                Diagnostic::error(
                    "bad-filter",
                    path.span,
                    format!("filter `{}` is not `<field>` or `<relation>.<field>`", path.text),
                )
                .label("in this filter")
                .help("for example `author.username`, or `{ field: author, in: following }`"),
            );
            None
        }
    }
}

/// `{ field: <belongs_to>, in: <rel> }`: rows whose related object is among the targets of `rel`.
fn target_of_filter(
    model: &Model,
    all: &[(String, Model)],
    field: &Name,
    rel: &Name,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FilterKind, ScalarType)> {
    let Some(f) = model.fields.iter().find(|f| f.name == field.text && f.belongs_to.is_some()) else {
        diags.extend(unknown_relation(model, field, "`belongs_to` relation"));
        return None;
    };
    let target_ref = &f.belongs_to.as_ref()?.target;
    let target = model_of(all, target_ref)?;
    // The relation's targets are rows of the same model the field points to (users following users).
    let Some(m2m) = target.many_to_many.iter().find(|r| r.name == rel.text && r.target == *target_ref) else {
        diags.extend(unknown_relation(target, rel, "self many-to-many relation"));
        return None;
    };
    Some((
        FilterKind::TargetOf {
            column: f.column.clone(),
            join_table: m2m.join_table.clone(),
            source_column: m2m.source_column.clone(),
            target_column: m2m.target_column.clone(),
        },
        m2m.source_key.clone(),
    ))
}

/// `<belongs_to>.<col>`: a column of the related row.
fn related_filter(
    f: &Field,
    all: &[(String, Model)],
    path: &Name,
    col: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FilterKind, ScalarType)> {
    let b = f.belongs_to.as_ref()?;
    let target = model_of(all, &b.target)?;
    let Some(tf) = target.field(col) else {
        diags.extend(unknown_field(target, path, col));
        return None;
    };
    Some((
        FilterKind::Related {
            column: f.column.clone(),
            target_table: b.target_table.clone(),
            target_key: b.target_column.clone(),
            target_column: tf.column.clone(),
        },
        tf.ty.clone(),
    ))
}

/// `<many_to_many>.<col>`: a column of any linked row.
fn linked_filter(
    model: &Model,
    all: &[(String, Model)],
    path: &Name,
    rel: &str,
    col: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FilterKind, ScalarType)> {
    let Some(m2m) = model.many_to_many.iter().find(|r| r.name == rel) else {
        diags.extend(unknown_relation(model, &Name { text: rel.to_string(), span: path.span }, "relation"));
        return None;
    };
    let target = model_of(all, &m2m.target)?;
    let Some(tf) = target.field(col) else {
        diags.extend(unknown_field(target, path, col));
        return None;
    };
    Some((
        FilterKind::Linked {
            join_table: m2m.join_table.clone(),
            source_column: m2m.source_column.clone(),
            target_column: m2m.target_column.clone(),
            target_table: m2m.target_table.clone(),
            target_key: target.primary_key().column.clone(),
            target_field: tf.column.clone(),
        },
        tf.ty.clone(),
    ))
}
