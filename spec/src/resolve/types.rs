//! Types: derived from models (`from` + `pick`/`omit`/`add`) or declared with `fields`; inline objects
//! become named types of their own.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::ir::{Constraints, JsonCase, Model, Ref, ScalarType, Shape, TypeDef, TypeField, TypeOrigin};
use crate::parse::{Name, RawApp, RawType, RawTypeExpr, RawTypeField, RawTypeKind};
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::{camel_case, snake_case};

use super::literal::default_for;
use super::models::{check_constraints, check_field_name, enum_type, scalar, unknown_scalar};
use super::scope::{Kind, Scope};

/// What building a field list needs: where names resolve, and where synthesized types go.
pub struct Cx<'a> {
    pub scope: &'a Scope,
    pub app: &'a str,
    pub synthesized: &'a mut Vec<TypeDef>,
    pub diags: &'a mut Vec<Diagnostic>,
}

pub fn resolve_types(
    scope: &Scope,
    app: &RawApp,
    models: &[(String, Model)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<TypeDef> {
    let mut declared = Vec::new();
    let mut synthesized = Vec::new();
    for t in &app.types {
        let mut cx = Cx { scope, app: &app.name.text, synthesized: &mut synthesized, diags };
        declared.push(resolve_type(&mut cx, t, models));
    }
    declared.extend(synthesized);
    declared
}

fn resolve_type(cx: &mut Cx<'_>, t: &RawType, models: &[(String, Model)]) -> TypeDef {
    let mut def = TypeDef {
        name: t.name.text.clone(),
        description: t.description.clone(),
        fields: Vec::new(),
        from_model: None,
        origin: TypeOrigin::Declared,
        span: t.name.span,
    };
    let mut seen = BTreeMap::new();
    match (&t.from, t.fields.is_empty()) {
        (Some(from), true) => {
            if let Some(r) = cx.scope.resolve(cx.app, from, Kind::Model, cx.diags)
                && let Some((_, model)) = models.iter().find(|(a, m)| *a == r.app && m.name == r.name)
            {
                def.fields = derive_fields(cx, t, model, &mut seen);
                def.from_model = Some(r);
            }
        }
        (Some(from), false) => cx.diags.push(
            Diagnostic::error(
                "conflicting-keys",
                from.span,
                format!("type `{}` has both `from` and `fields`", t.name.text),
            )
            .label("derived from a model here")
            .help("use `add` to extend a derived type, or drop `from`"),
        ),
        (None, _) => {
            for (key, list) in [("pick", &t.pick), ("omit", &t.omit)] {
                if let Some(first) = list.as_ref().and_then(|l| l.first()) {
                    cx.diags.push(
                        Diagnostic::error("unused-key", first.span, format!("`{key}` needs `from: <Model>`"))
                            .label("nothing to pick from"),
                    );
                }
            }
            def.fields = field_list(cx, &t.name.text, &t.fields, &mut seen);
        }
    }
    if t.from.is_some() || !t.add.is_empty() {
        let mut added = field_list(cx, &t.name.text, &t.add, &mut seen);
        let model = def.from_model.as_ref().and_then(|r| models.iter().find(|(a, m)| *a == r.app && m.name == r.name));
        for raw in &t.add {
            let Some(src) = &raw.expr.source else { continue };
            let Some(field) = added.iter_mut().find(|f| f.name == crate::snake_case(&raw.name.text)) else { continue };
            match model {
                Some((_, m)) => field.source = super::relations::source(m, models, field, src, cx.diags),
                None => cx.diags.push(
                    Diagnostic::error("bad-source", src.span, "`source` needs a type derived with `from: <Model>`")
                        .label("nothing to compute from"),
                ),
            }
        }
        def.fields.extend(added);
    }
    if t.partial {
        for f in &mut def.fields {
            // A nullable column can be cleared: `null` must not mean "unchanged" as absent does.
            f.clearable = f.optional && f.model_field.is_some();
            f.optional = true;
            // Absent means unchanged in an update, never "the default".
            f.default = None;
        }
    }
    def
}

fn derive_fields(cx: &mut Cx<'_>, t: &RawType, model: &Model, seen: &mut BTreeMap<String, Span>) -> Vec<TypeField> {
    if let (Some(_), Some(omit)) = (&t.pick, &t.omit)
        && let Some(first) = omit.first()
    {
        cx.diags.push(
            Diagnostic::error("conflicting-keys", first.span, "use `pick` or `omit`, not both")
                .label("`omit` given with `pick`"),
        );
    }
    let known: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
    let check = |cx: &mut Cx<'_>, names: &[Name]| {
        for n in names {
            if model.many_to_many.iter().any(|m| m.name == n.text) {
                cx.diags.push(
                    Diagnostic::error(
                        "pick-relation",
                        n.span,
                        format!("`{}` is a many-to-many relation and cannot be picked", n.text),
                    )
                    .label("not a column")
                    .help(format!("add it with `add:`, e.g. `{}: {{ list: string }}`", n.text)),
                );
            } else if !known.contains(&n.text.as_str()) && !model.is_unresolved(&n.text) {
                cx.diags.push(
                    Diagnostic::error(
                        "unknown-field",
                        n.span,
                        format!("model `{}` has no field `{}`", model.name, n.text),
                    )
                    .label("not a field of this model")
                    .help_opt(did_you_mean(&n.text, known.iter().copied()).map(|s| format!("did you mean `{s}`?"))),
                );
            }
        }
    };
    let picked: Vec<&crate::ir::Field> = match (&t.pick, &t.omit) {
        (Some(pick), _) => {
            check(cx, pick);
            pick.iter().filter_map(|n| model.field(&n.text)).collect()
        }
        (None, omit) => {
            let omit = omit.clone().unwrap_or_default();
            check(cx, &omit);
            model.fields.iter().filter(|f| !omit.iter().any(|n| n.text == f.name)).collect()
        }
    };
    let json_case = cx.scope.json_case;
    picked
        .into_iter()
        .map(|f| {
            // A `belongs_to` is exposed as its key (`author_id`); the related object is an `add`.
            let name = if f.belongs_to.is_some() { f.column.clone() } else { f.name.clone() };
            seen.insert(name.clone(), f.span);
            TypeField {
                wire_name: wire(&name, json_case),
                name,
                shape: Shape::Scalar(f.ty.clone()),
                optional: f.optional,
                clearable: false,
                default: f.default.clone(),
                constraints: f.constraints.clone(),
                item_constraints: Constraints::default(),
                description: f.description.clone(),
                model_field: Some(f.name.clone()),
                source: None,
                span: f.span,
            }
        })
        .collect()
}

pub fn wire(snake: &str, case: JsonCase) -> String {
    match case {
        JsonCase::Snake => snake.to_string(),
        JsonCase::Camel => camel_case(snake),
    }
}

/// Fields of a type, a body or a response; `owner` names synthesized inline types (`<Owner><Field>`).
pub fn field_list(
    cx: &mut Cx<'_>,
    owner: &str,
    fields: &[RawTypeField],
    seen: &mut BTreeMap<String, Span>,
) -> Vec<TypeField> {
    let mut out = Vec::new();
    for f in fields {
        if !check_field_name(&f.name, seen, cx.diags) {
            continue;
        }
        if let Some(tf) = field(cx, owner, f) {
            out.push(tf);
        }
    }
    out
}

fn field(cx: &mut Cx<'_>, owner: &str, f: &RawTypeField) -> Option<TypeField> {
    let name = snake_case(&f.name.text);
    let e = &f.expr;
    let inline_name = charter_names::inline_type(owner, &name);
    let (shape, item_constraints) = match &e.kind {
        RawTypeKind::List(inner) => {
            let item = shape(cx, &inline_name, inner)?;
            if matches!(item, Shape::List(_)) {
                cx.diags.push(
                    Diagnostic::error("nested-list", inner.span, "lists of lists are not supported")
                        .label("a list inside a list")
                        .help("wrap the inner list in a type with `fields`"),
                );
                return None;
            }
            if let Shape::Scalar(ty) = &item {
                check_constraints(ty, &inner.constraints, inner.span, false, cx.diags);
            }
            let list_only = Constraints {
                min_items: e.constraints.min_items,
                max_items: e.constraints.max_items,
                ..Default::default()
            };
            if list_only != e.constraints {
                cx.diags.push(
                    Diagnostic::error("constraint-type", e.span, "a list takes only `min_items`/`max_items`")
                        .label("constraints for the items go on the item type")
                        .help("for example `{ list: { type: string, max_length: 64 }, max_items: 10 }`"),
                );
            }
            (Shape::List(Box::new(item)), inner.constraints.clone())
        }
        _ => {
            let s = shape(cx, &inline_name, e)?;
            match &s {
                Shape::Scalar(ty) => check_constraints(ty, &e.constraints, e.span, false, cx.diags),
                _ if !e.constraints.is_empty() => cx.diags.push(
                    Diagnostic::error("constraint-type", e.span, "constraints apply to scalar fields, not to a type")
                        .label("this field is an object"),
                ),
                _ => {}
            }
            (s, Constraints::default())
        }
    };
    let default = match (&e.default, &shape) {
        (Some(node), Shape::Scalar(ty)) => default_for(node, ty, &e.constraints, cx.diags),
        (Some(node), _) => {
            cx.diags.push(
                Diagnostic::error("default-type", node.span, "only scalar fields take a default").label("not a scalar"),
            );
            None
        }
        (None, _) => None,
    };
    Some(TypeField {
        wire_name: wire(&name, cx.scope.json_case),
        name,
        shape,
        optional: e.optional,
        clearable: false,
        default,
        constraints: e.constraints.clone(),
        item_constraints,
        description: e.description.clone(),
        model_field: None,
        source: None,
        span: f.name.span,
    })
}

/// The shape of one type expression; inline objects are synthesized as `name`.
pub fn shape(cx: &mut Cx<'_>, name: &str, e: &RawTypeExpr) -> Option<Shape> {
    match &e.kind {
        RawTypeKind::Name(n) => {
            if let Some(s) = scalar(&n.text) {
                return Some(Shape::Scalar(s));
            }
            let looks_scalar = !n.text.contains('.') && n.text.chars().next().is_some_and(|c| c.is_ascii_lowercase());
            if looks_scalar {
                cx.diags.push(unknown_scalar(n));
                return None;
            }
            cx.scope.resolve(cx.app, n, Kind::Type, cx.diags).map(Shape::Named)
        }
        RawTypeKind::Enum(values) => {
            enum_type(name, values, e.span, cx.diags).map(|t| Shape::Scalar(ScalarType::Enum(t)))
        }
        RawTypeKind::List(inner) => shape(cx, name, inner).map(|s| Shape::List(Box::new(s))),
        RawTypeKind::Object(fields) => {
            if cx.scope.has_type(cx.app, name) {
                cx.diags.push(
                    Diagnostic::error(
                        "duplicate-name",
                        e.span,
                        format!("this inline object would be named `{name}`, which is already a type"),
                    )
                    .label("inline object")
                    .help("declare the object as a named type and refer to it"),
                );
                return None;
            }
            let mut seen = BTreeMap::new();
            let fields = field_list(cx, name, fields, &mut seen);
            cx.synthesized.push(TypeDef {
                name: name.to_string(),
                description: e.description.clone(),
                fields,
                from_model: None,
                origin: TypeOrigin::Inline,
                span: e.span,
            });
            Some(Shape::Named(Ref { app: cx.app.to_string(), name: name.to_string() }))
        }
    }
}

/// A type by app and name.
type TypeKey<'a> = (&'a str, &'a str);

/// A type that contains itself other than through a list (`Book { sequel: Book }`, or through other
/// types) has no finite size in Rust and no finite JSON when the field is required; reported once per
/// cycle, on the field that closes it from the cycle's first type in spec order.
pub fn check_recursion(apps: &[crate::ir::App], diags: &mut Vec<Diagnostic>) {
    let types: BTreeMap<TypeKey<'_>, &TypeDef> =
        apps.iter().flat_map(|a| a.types.iter().map(move |t| ((a.name.as_str(), t.name.as_str()), t))).collect();
    fn direct(t: &TypeDef) -> Vec<(&TypeField, TypeKey<'_>)> {
        t.fields
            .iter()
            .filter_map(|f| match &f.shape {
                Shape::Named(r) => Some((f, (r.app.as_str(), r.name.as_str()))),
                _ => None,
            })
            .collect()
    }
    let mut reported: Vec<TypeKey<'_>> = Vec::new();
    for (&start, &t) in &types {
        // Depth-first over direct (non-list) fields, remembering the path to report it.
        let mut stack: Vec<(TypeKey<'_>, Vec<TypeKey<'_>>)> = vec![(start, vec![start])];
        let mut seen = std::collections::BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            let Some(current) = types.get(&at) else { continue };
            for (field, next) in direct(current) {
                if next == start {
                    if path.iter().any(|p| reported.contains(p)) {
                        continue;
                    }
                    reported.extend(path.iter().copied());
                    let chain: Vec<String> =
                        path.iter().chain([&start]).map(|(_, n)| format!("`{n}`")).collect::<Vec<_>>();
                    let first = direct(t).into_iter().find(|(_, n)| *n == path.get(1).copied().unwrap_or(start));
                    let span = first.map_or(field.span, |(f, _)| f.span);
                    diags.push(
                        Diagnostic::error(
                            "recursive-type",
                            span,
                            format!("type `{}` contains itself: {}", t.name, chain.join(" -> ")),
                        )
                        .label("a value of this type would hold another one inside it")
                        .help(
                            "nest a smaller type here (e.g. one with the key and the title only), or make the \
                             field a list (`{ list: .. }`), which may be empty",
                        ),
                    );
                } else if seen.insert(next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
}
