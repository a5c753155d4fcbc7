//! Models: columns, keys, relations, indexes.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, a_or_an};
use crate::ir::{Auto, BelongsTo, Constraints, EnumType, Field, Index, ManyToMany, Model, OnDelete, Ref, ScalarType};
use crate::parse::{Name, RawApp, RawModel, RawModelField, RawModelFieldKind};
use crate::snake_case;
use crate::source::Span;
use crate::suggest::did_you_mean;

use super::literal::default_for;
use super::scope::{Kind, Scope};
use super::{is_rust_keyword, is_snake_ident};

pub const SCALARS: &[&str] =
    &["string", "text", "int", "bigint", "float", "bool", "uuid", "datetime", "date", "json", "enum"];

/// A scalar type by name (`enum` needs its values, so it is built by the caller).
pub fn scalar(name: &str) -> Option<ScalarType> {
    Some(match name {
        "string" => ScalarType::String,
        "text" => ScalarType::Text,
        "int" => ScalarType::Int,
        "bigint" => ScalarType::BigInt,
        "float" => ScalarType::Float,
        "bool" => ScalarType::Bool,
        "uuid" => ScalarType::Uuid,
        "datetime" => ScalarType::DateTime,
        "date" => ScalarType::Date,
        "json" => ScalarType::Json,
        _ => return None,
    })
}

pub fn unknown_scalar(name: &Name) -> Diagnostic {
    Diagnostic::error("unknown-type", name.span, format!("unknown type `{}`", name.text))
        .label("not a known type")
        .help(match did_you_mean(&name.text, SCALARS.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("field types: {}", SCALARS.join(", ")),
        })
}

/// Reports constraints that cannot apply to `ty` (a `min_length` on an int, say).
pub fn check_constraints(ty: &ScalarType, c: &Constraints, span: Span, list: bool, diags: &mut Vec<Diagnostic>) {
    let mut bad = Vec::new();
    if !ty.is_textual() {
        if c.min_length.is_some() {
            bad.push("min_length");
        }
        if c.max_length.is_some() {
            bad.push("max_length");
        }
        if c.pattern.is_some() {
            bad.push("pattern");
        }
        if c.format.is_some() {
            bad.push("format");
        }
    }
    if !ty.is_numeric() {
        if c.min.is_some() {
            bad.push("min");
        }
        if c.max.is_some() {
            bad.push("max");
        }
    }
    if !list {
        if c.min_items.is_some() {
            bad.push("min_items");
        }
        if c.max_items.is_some() {
            bad.push("max_items");
        }
    }
    for key in bad {
        diags.push(
            Diagnostic::error("constraint-type", span, format!("`{key}` does not apply to `{}`", ty.name()))
                .label(format!("{} `{}` field", a_or_an(ty.name()), ty.name()))
                .help(match key {
                    "min" | "max" => "`min`/`max` bound numbers; use `min_length`/`max_length` for text",
                    "min_items" | "max_items" => "`min_items`/`max_items` bound lists",
                    _ => "length, pattern and format constraints apply to `string` and `text`",
                }),
        );
    }
}

/// Table, key column and key type of every model, known before any model is resolved (relations may
/// point forward, or into another app).
pub type KeyMap = BTreeMap<Ref, (String, String, ScalarType)>;

pub fn model_keys(apps: &[RawApp]) -> KeyMap {
    let mut keys = KeyMap::new();
    for app in apps {
        for m in &app.models {
            let (pk_name, pk_ty) = match &m.primary_key {
                Some(pk) => (pk.name.text.clone(), scalar(&pk.ty.text).unwrap_or(ScalarType::BigInt)),
                None => ("id".to_string(), ScalarType::BigInt),
            };
            keys.insert(
                Ref { app: app.name.text.clone(), name: m.name.text.clone() },
                (table_name(&app.name.text, m), pk_name, pk_ty),
            );
        }
    }
    keys
}

fn table_name(app: &str, m: &RawModel) -> String {
    m.table.clone().unwrap_or_else(|| format!("{app}_{}", snake_case(&m.name.text)))
}

pub fn resolve_models(scope: &Scope, app: &RawApp, keys: &KeyMap, diags: &mut Vec<Diagnostic>) -> Vec<Model> {
    app.models.iter().map(|m| resolve_model(scope, app, m, keys, diags)).collect()
}

/// What resolving the fields of one model needs besides the field itself.
struct ModelCx<'a> {
    scope: &'a Scope,
    app: &'a RawApp,
    m: &'a RawModel,
    keys: &'a KeyMap,
    diags: &'a mut Vec<Diagnostic>,
}

fn resolve_model(scope: &Scope, app: &RawApp, m: &RawModel, keys: &KeyMap, diags: &mut Vec<Diagnostic>) -> Model {
    let table = table_name(&app.name.text, m);
    check_identifier_length(&table, "table", m.name.span, diags);
    let mut model = Model {
        name: m.name.text.clone(),
        table,
        description: m.description.clone(),
        fields: Vec::new(),
        many_to_many: Vec::new(),
        indexes: Vec::new(),
        renamed_from: m.renamed_from.as_ref().map(|n| n.text.clone()),
        renamed_from_span: m.renamed_from.as_ref().map(|n| n.span),
        ordering: Vec::new(),
        filters: Vec::new(),
        unresolved: Vec::new(),
        span: m.name.span,
    };
    model.fields.push(primary_key(m, diags));
    check_mixins(m, diags);
    let timestamps = m.mixins.iter().any(|x| x.text == "timestamps");
    declared_fields(&mut ModelCx { scope, app, m, keys, diags }, &mut model, timestamps);
    for f in model.fields.iter().filter(|f| f.auto.is_none() || f.primary_key) {
        check_identifier_length(&f.column, "column", f.span, diags);
    }
    check_columns(&model, diags);
    mark_unresolved(m, &mut model);
    if timestamps {
        add_timestamps(m, &mut model);
    }
    model.indexes = indexes(m, &model, diags);
    model
}

fn check_mixins(m: &RawModel, diags: &mut Vec<Diagnostic>) {
    for mixin in m.mixins.iter().filter(|x| x.text != "timestamps") {
        diags.push(
            Diagnostic::error("unknown-mixin", mixin.span, format!("unknown mixin `{}`", mixin.text))
                .label("not a known mixin")
                .help_opt(Some(match did_you_mean(&mixin.text, ["timestamps"]) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "known mixins: timestamps".to_string(),
                })),
        );
    }
}

/// Adds the declared fields to `model`, whose first field is already the primary key.
fn declared_fields(cx: &mut ModelCx<'_>, model: &mut Model, timestamps: bool) {
    let m = cx.m;
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    seen.insert(model.fields[0].name.clone(), model.fields[0].span);
    for f in &m.fields {
        if !usable_field_name(cx, f, &model.fields[0].name, &mut seen, timestamps) {
            continue;
        }
        match &f.kind {
            RawModelFieldKind::ManyToMany { target } => {
                if let Some(t) = cx.scope.resolve(&cx.app.name.text, target, Kind::Model, cx.diags) {
                    let m2m = many_to_many(&cx.app.name.text, m, &model.table, f, t, cx.keys);
                    check_identifier_length(&m2m.join_table, "join table", f.name.span, cx.diags);
                    model.many_to_many.push(m2m);
                }
                reject_column_keys(f, cx.diags);
            }
            _ => {
                if let Some(field) = column(cx, f) {
                    model.fields.push(field);
                }
            }
        }
    }
}

/// False (and reported) when the field's name cannot be a column of this model.
fn usable_field_name(
    cx: &mut ModelCx<'_>,
    f: &RawModelField,
    primary_key: &str,
    seen: &mut BTreeMap<String, Span>,
    timestamps: bool,
) -> bool {
    if snake_case(&f.name.text) == primary_key {
        cx.diags.push(primary_key_again(cx.m, &f.name));
        return false;
    }
    if !check_field_name(&f.name, seen, cx.diags) {
        return false;
    }
    if !is_snake_ident(&f.name.text) {
        cx.diags.push(
            Diagnostic::error("bad-name", f.name.span, format!("model field `{}` must be snake_case", f.name.text))
                .label("model fields are column names")
                .help(format!("write `{}`; `json_case` decides how it looks on the wire", snake_case(&f.name.text))),
        );
        return false;
    }
    if timestamps && (f.name.text == "created_at" || f.name.text == "updated_at") {
        cx.diags.push(
            Diagnostic::error(
                "duplicate-name",
                f.name.span,
                format!("field `{}` comes from the `timestamps` mixin", f.name.text),
            )
            .label("declared again here")
            .help("remove it, or drop the mixin"),
        );
        return false;
    }
    true
}

/// A `belongs_to` whose target is unknown stays as a plain column (so the model keeps its shape), but it
/// is no relation: uses of it as one would only repeat the target's error.
fn mark_unresolved(m: &RawModel, model: &mut Model) {
    for f in &m.fields {
        let resolved = match &f.kind {
            RawModelFieldKind::ManyToMany { .. } => model.many_to_many.iter().any(|x| x.name == f.name.text),
            RawModelFieldKind::BelongsTo { .. } => {
                model.fields.iter().any(|x| x.name == f.name.text && x.belongs_to.is_some())
            }
            RawModelFieldKind::Column { .. } => model.fields.iter().any(|x| x.name == f.name.text),
        };
        if !resolved {
            model.unresolved.push(f.name.text.clone());
        }
    }
}

fn add_timestamps(m: &RawModel, model: &mut Model) {
    for (name, auto) in [("created_at", Auto::CreatedAt), ("updated_at", Auto::UpdatedAt)] {
        model.fields.push(Field {
            name: name.into(),
            column: name.into(),
            ty: ScalarType::DateTime,
            optional: false,
            default: None,
            primary_key: false,
            unique: false,
            unique_case_insensitive: false,
            indexed: false,
            constraints: Constraints::default(),
            auto: Some(auto),
            belongs_to: None,
            description: None,
            renamed_from: None,
            renamed_from_span: None,
            backfill: None,
            span: m.mixins.iter().find(|x| x.text == "timestamps").map(|x| x.span).unwrap_or(m.name.span),
        });
    }
}

/// The declared indexes; an index none of whose columns resolved is dropped.
fn indexes(m: &RawModel, model: &Model, diags: &mut Vec<Diagnostic>) -> Vec<Index> {
    let mut out = Vec::new();
    for ix in &m.indexes {
        let mut columns = Vec::new();
        for c in &ix.columns {
            match model.fields.iter().find(|f| f.name == c.text || f.column == c.text) {
                Some(f) => columns.push(f.column.clone()),
                None if model.is_unresolved(&c.text) => {}
                None => {
                    let names = model.fields.iter().map(|f| f.name.as_str());
                    diags.push(
                        Diagnostic::error(
                            "unknown-field",
                            c.span,
                            format!("model `{}` has no field `{}`", m.name.text, c.text),
                        )
                        .label("not a field of this model")
                        .help_opt(did_you_mean(&c.text, names).map(|s| format!("did you mean `{s}`?"))),
                    );
                }
            }
        }
        if columns.is_empty() {
            continue;
        }
        let prefix = if ix.unique { "uq" } else { "ix" };
        out.push(Index {
            name: format!("{prefix}_{}_{}", model.table, columns.join("_")),
            columns,
            unique: ix.unique,
            span: ix.span,
        });
    }
    out
}

/// The longest identifier PostgreSQL keeps (longer ones are cut, so two can become one).
pub const MAX_IDENT_LEN: usize = 63;

/// Reported here, with a place, rather than by the SQL generator's schema check, which has none.
fn check_identifier_length(name: &str, what: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if name.len() > MAX_IDENT_LEN {
        diags.push(
            Diagnostic::error("bad-name", span, format!("{what} name `{name}` is longer than {MAX_IDENT_LEN} bytes"))
                .label(format!("its {what} name is {} bytes", name.len()))
                .note("PostgreSQL cuts identifiers to 63 bytes")
                .help(match what {
                    "table" => "set a shorter `table:`",
                    "join table" => {
                        "the join table is `<table>_<relation>`: shorten the relation or set a shorter `table:`"
                    }
                    _ => "use a shorter field name",
                }),
        );
    }
}

/// A `belongs_to` is stored in `<name>_id`: a field of that name would be a second column of the name,
/// which the database refuses (the SQL generator found it, with no place in the spec).
fn check_columns(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut columns: BTreeMap<&str, &Field> = BTreeMap::new();
    for f in &model.fields {
        match columns.get(f.column.as_str()) {
            Some(first) => {
                let (relation, plain) = if first.belongs_to.is_some() { (*first, f) } else { (f, *first) };
                diags.push(
                    Diagnostic::error(
                        "duplicate-name",
                        f.span,
                        format!("fields `{}` and `{}` are both stored in column `{}`", first.name, f.name, f.column),
                    )
                    .label(format!("column `{}`", f.column))
                    .related(first.span, format!("column `{}`", first.column))
                    .note(format!(
                        "a `belongs_to` field `{}` is stored in the column `{}_id`",
                        relation.name, relation.name
                    ))
                    .help(format!("rename `{}` or `{}`", plain.name, relation.name)),
                );
            }
            None => {
                columns.insert(&f.column, f);
            }
        }
    }
}

/// A field named like the key: "declared twice" alone sends people looking for the first `id` they wrote.
fn primary_key_again(m: &RawModel, name: &Name) -> Diagnostic {
    let d = Diagnostic::error(
        "duplicate-name",
        name.span,
        format!("field `{}` is declared twice: it is the primary key of `{}`", name.text, m.name.text),
    )
    .label("declared again here");
    match &m.primary_key {
        Some(pk) => d.related(pk.name.span, "the primary key is declared here").help("remove the field"),
        None => d
            .related(m.name.span, "every model gets `id: bigint` as its primary key")
            .note("`id` is the implicit primary key: an auto-increment `bigint`")
            .help("remove the field; to change the key's type, write `primary_key: { name: id, type: uuid }`"),
    }
}

fn primary_key(m: &RawModel, diags: &mut Vec<Diagnostic>) -> Field {
    let (name, ty, span) = match &m.primary_key {
        Some(pk) => {
            let ty = match pk.ty.text.as_str() {
                "int" => ScalarType::Int,
                "bigint" => ScalarType::BigInt,
                "uuid" => ScalarType::Uuid,
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "bad-primary-key",
                            pk.ty.span,
                            format!("a primary key cannot be `{}`", pk.ty.text),
                        )
                        .label("expected int, bigint or uuid"),
                    );
                    ScalarType::BigInt
                }
            };
            (pk.name.text.clone(), ty, pk.name.span)
        }
        None => ("id".to_string(), ScalarType::BigInt, m.name.span),
    };
    let auto = if ty == ScalarType::Uuid { Auto::Uuid } else { Auto::Increment };
    Field {
        column: name.clone(),
        name,
        ty,
        optional: false,
        default: None,
        primary_key: true,
        unique: false,
        unique_case_insensitive: false,
        indexed: false,
        constraints: Constraints::default(),
        auto: Some(auto),
        belongs_to: None,
        description: None,
        renamed_from: None,
        renamed_from_span: None,
        backfill: None,
        span,
    }
}

/// Checks a field name is usable everywhere it ends up (Rust, SQL, JSON); false if it must be skipped.
pub fn check_field_name(name: &Name, seen: &mut BTreeMap<String, Span>, diags: &mut Vec<Diagnostic>) -> bool {
    let snake = snake_case(&name.text);
    if !is_snake_ident(&snake) {
        diags.push(
            Diagnostic::error("bad-name", name.span, format!("field name `{}` is not a valid identifier", name.text))
                .label("use letters, digits and `_`")
                .help("field names are snake_case (or camelCase, converted to snake_case in Rust)"),
        );
        return false;
    }
    if is_rust_keyword(&snake) {
        diags.push(
            Diagnostic::error("reserved-name", name.span, format!("field name `{}` is a Rust keyword", name.text))
                .label("reserved")
                .help(format!("rename it, e.g. `{snake}_value` or `kind`")),
        );
        return false;
    }
    if let Some(first) = seen.get(&snake) {
        diags.push(
            Diagnostic::error("duplicate-name", name.span, format!("field `{}` is declared twice", name.text))
                .label("declared again here")
                .related(*first, "first declared here"),
        );
        return false;
    }
    seen.insert(snake, name.span);
    true
}

fn column(cx: &mut ModelCx<'_>, f: &RawModelField) -> Option<Field> {
    let mut field = Field {
        name: f.name.text.clone(),
        column: f.name.text.clone(),
        ty: ScalarType::String,
        optional: f.optional,
        default: None,
        primary_key: false,
        unique: f.unique,
        unique_case_insensitive: f.unique_case_insensitive.is_some(),
        indexed: f.index,
        constraints: f.constraints.clone(),
        auto: None,
        belongs_to: None,
        description: f.description.clone(),
        renamed_from: f.renamed_from.as_ref().map(|n| n.text.clone()),
        renamed_from_span: f.renamed_from.as_ref().map(|n| n.span),
        backfill: None,
        span: f.name.span,
    };
    match &f.kind {
        RawModelFieldKind::Column { ty, values } => {
            let Some(ty) = column_type(cx, f, ty, values) else {
                // Keep the field (as text) so references to it do not cascade into more errors, but
                // do not check its constraints and default against a type nobody wrote.
                field.ty = ScalarType::Text;
                return Some(field);
            };
            field.ty = ty;
        }
        RawModelFieldKind::BelongsTo { target, on_delete } => {
            field.column = format!("{}_id", f.name.text);
            field.renamed_from = f.renamed_from.as_ref().map(|n| format!("{}_id", n.text));
            field.ty = ScalarType::BigInt;
            let Some((relation, key_ty)) = belongs_to(cx, f, target, *on_delete) else { return Some(field) };
            field.ty = key_ty;
            field.belongs_to = Some(relation);
            field.indexed = true;
        }
        RawModelFieldKind::ManyToMany { .. } => return None,
    }
    check_constraints(&field.ty, &field.constraints, f.name.span, false, cx.diags);
    check_case_insensitive(f, &mut field, cx.diags);
    default_and_backfill(f, &mut field, cx.diags);
    Some(field)
}

/// The type a column declares; None (reported) when its name is no type at all.
fn column_type(cx: &mut ModelCx<'_>, f: &RawModelField, ty: &Name, values: &[String]) -> Option<ScalarType> {
    if ty.text == "enum" {
        let name = charter_names::inline_type(&cx.m.name.text, &f.name.text);
        return Some(match enum_type(&name, values, ty.span, cx.diags) {
            Some(e) => ScalarType::Enum(e),
            None => ScalarType::Text,
        });
    }
    if let Some(s) = scalar(&ty.text) {
        return Some(s);
    }
    let mut d = unknown_scalar(ty);
    if did_you_mean(&ty.text, SCALARS.iter().copied()).is_none() && cx.keys.keys().any(|r| r.name == ty.text) {
        d = d.help(format!("to refer to model `{}`, use `belongs_to: {}`", ty.text, ty.text));
    }
    cx.diags.push(d);
    None
}

/// The relation and its key's type, when the target resolves.
fn belongs_to(
    cx: &mut ModelCx<'_>,
    f: &RawModelField,
    target: &Name,
    on_delete: OnDelete,
) -> Option<(BelongsTo, ScalarType)> {
    let t = cx.scope.resolve(&cx.app.name.text, target, Kind::Model, cx.diags)?;
    let (target_table, target_column, key_ty) = cx.keys.get(&t).cloned()?;
    if on_delete == OnDelete::SetNull && !f.optional {
        cx.diags.push(
            Diagnostic::error("set-null-required", f.name.span, "`on_delete: set_null` needs `optional: true`")
                .label("this relation is required")
                .help("make it `optional: true`, or use `cascade` or `restrict`"),
        );
    }
    Some((BelongsTo { target: t, target_table, target_column, on_delete }, key_ty))
}

fn check_case_insensitive(f: &RawModelField, field: &mut Field, diags: &mut Vec<Diagnostic>) {
    if let Some(span) = f.unique_case_insensitive
        && (!field.ty.is_textual() || field.belongs_to.is_some())
    {
        diags.push(
            Diagnostic::error(
                "constraint-type",
                span,
                format!(
                    "`unique: case_insensitive` applies to `string` and `text` fields; `{}` is not one",
                    f.name.text
                ),
            )
            .label("only text can be compared ignoring case")
            .help("use `unique: true`"),
        );
        field.unique_case_insensitive = false;
    }
}

fn default_and_backfill(f: &RawModelField, field: &mut Field, diags: &mut Vec<Diagnostic>) {
    if let Some(d) = &f.default {
        field.default = default_for(d, &field.ty, &field.constraints, diags);
    }
    let Some(b) = &f.backfill else { return };
    if field.optional || field.default.is_some() {
        diags.push(
            Diagnostic::error("unused-key", b.span, "`backfill` is for required fields without a default")
                .label("existing rows get NULL or the default here")
                .help("remove `backfill`"),
        );
    } else {
        field.backfill = default_for(b, &field.ty, &field.constraints, diags);
    }
}

pub fn enum_type(name: &str, values: &[String], span: Span, diags: &mut Vec<Diagnostic>) -> Option<EnumType> {
    if values.is_empty() {
        diags.push(Diagnostic::error("empty-enum", span, "an enum needs at least one value").label("no values"));
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        diags.push(
            Diagnostic::error("duplicate-name", span, format!("enum value `{}` is listed twice", w[0]))
                .label("in this enum"),
        );
        return None;
    }
    if let Some(bad) = values.iter().find(|v| {
        let p = EnumType::variant(v);
        !p.starts_with(|c: char| c.is_ascii_alphabetic()) || !p.chars().all(|c| c.is_ascii_alphanumeric())
    }) {
        diags.push(
            Diagnostic::error("bad-name", span, format!("enum value `{bad}` cannot become a Rust variant"))
                .help("use letters, digits and `_`, starting with a letter"),
        );
        return None;
    }
    let mut variants: BTreeMap<String, &str> = BTreeMap::new();
    for v in values {
        if let Some(first) = variants.insert(EnumType::variant(v), v) {
            let variant = EnumType::variant(v);
            diags.push(
                Diagnostic::error(
                    "duplicate-name",
                    span,
                    format!("enum values `{first}` and `{v}` both become the Rust variant `{variant}`"),
                )
                .label("in this enum")
                .help("`-`, `_` and case are dropped in variant names; give the values distinct letters or digits"),
            );
            return None;
        }
    }
    Some(EnumType { name: name.to_string(), values: values.to_vec() })
}

fn many_to_many(app: &str, m: &RawModel, table: &str, f: &RawModelField, target: Ref, keys: &KeyMap) -> ManyToMany {
    let key_of = |r: &Ref| keys.get(r).map(|k| k.2.clone()).unwrap_or(ScalarType::BigInt);
    let source_key = key_of(&Ref { app: app.to_string(), name: m.name.text.clone() });
    let target_key = key_of(&target);
    let target_table = keys.get(&target).map(|k| k.0.clone()).unwrap_or_default();
    let source = snake_case(&m.name.text);
    let mut target_col = snake_case(&target.name);
    if target_col == source {
        // Self relation (users following users): name the far side after the relation.
        target_col = f.name.text.clone();
    }
    ManyToMany {
        name: f.name.text.clone(),
        join_table: format!("{table}_{}", f.name.text),
        source_column: format!("{source}_id"),
        target_column: format!("{target_col}_id"),
        target_table,
        target,
        source_key,
        target_key,
        span: f.name.span,
    }
}

fn reject_column_keys(f: &RawModelField, diags: &mut Vec<Diagnostic>) {
    if f.unique || f.index || f.default.is_some() || f.optional || !f.constraints.is_empty() {
        diags.push(
            Diagnostic::error("unused-key", f.name.span, "a `many_to_many` relation takes no column options")
                .label("unique, index, default, optional and constraints do not apply here")
                .help("a join table holds the relation; it has no column of its own"),
        );
    }
}
