//! Spec IR -> [`Schema`]: one table per model, one join table per many-to-many relation.

use std::fmt;

use charter_spec::{
    Auto, Constraints, Diagnostic, Diagnostics, Field, Index as SpecIndex, Literal, ManyToMany, Model, OnDelete,
    ScalarType, Span, Spec,
};

use super::locate::Locator;
use super::names::constraint_name;
use super::order::dependency_order;
use super::schema::{
    Check, CheckRule, Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table, Unique,
};

/// Why a spec (or a snapshot) does not describe a schema the database can hold: every problem, each a
/// diagnostic located where the spec declares the model, field, index or relation concerned (or in the
/// snapshot), rendered like the spec's own.
#[derive(Debug, Clone)]
pub struct SchemaError {
    pub diagnostics: Diagnostics,
    /// The closing line, after the diagnostics.
    summary: String,
}

impl SchemaError {
    pub(crate) fn new(diagnostics: Diagnostics, summary: impl Into<String>) -> SchemaError {
        SchemaError { diagnostics, summary: summary.into() }
    }

    /// Each problem's message, in order.
    pub fn messages(&self) -> Vec<&str> {
        self.diagnostics.items.iter().map(|d| d.message.as_str()).collect()
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}error: {}", self.diagnostics.render_items(false), self.summary)
    }
}

impl std::error::Error for SchemaError {}

impl Schema {
    /// The schema the spec's models need, validated (see [`Schema::problems`]).
    pub fn from_spec(spec: &Spec) -> Result<Schema, SchemaError> {
        let mut b = Builder { spec, problems: Vec::new() };
        let mut tables = Vec::new();
        for app in &spec.apps {
            for model in &app.models {
                tables.push(b.model_table(model));
            }
        }
        for app in &spec.apps {
            for model in &app.models {
                for m in &model.many_to_many {
                    if let Some(t) = b.join_table(model, m) {
                        tables.push(t);
                    }
                }
            }
        }
        let schema = Schema { tables: dependency_order(tables) };
        let mut problems = b.problems;
        let mut locate = Locator::new(Some(spec), None);
        if problems.is_empty() {
            problems = schema.problems().into_iter().map(|p| locate.error(p.code, &p.subject, p.message)).collect();
        }
        if problems.is_empty() {
            return Ok(schema);
        }
        let diagnostics = locate.finish(problems);
        Err(SchemaError::new(diagnostics, "the spec's models make an invalid database schema"))
    }
}

struct Builder<'a> {
    spec: &'a Spec,
    problems: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn model_table(&mut self, model: &Model) -> Table {
        let mut t = Table {
            name: model.table.clone(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            renamed_from: model.renamed_from.clone(),
        };
        for f in &model.fields {
            let column = self.field_column(model, f);
            t.columns.push(column);
            add_field_keys(&mut t, f);
        }
        for ix in &model.indexes {
            if let Some(columns) = self.index_columns(model, ix) {
                add_model_index(&mut t, ix.unique, columns);
            }
        }
        drop_redundant_indexes(&mut t);
        index_foreign_keys(&mut t);
        t
    }

    fn field_column(&mut self, model: &Model, f: &Field) -> Column {
        let default = match (&f.default, f.auto) {
            (Some(lit), _) => self.literal(lit, f.span, &format!("default of `{}.{}`", model.name, f.name)),
            (None, Some(Auto::CreatedAt | Auto::UpdatedAt)) => Some(DefaultValue::Now),
            _ => None,
        };
        let backfill = match &f.backfill {
            Some(lit) => self.literal(lit, f.span, &format!("backfill of `{}.{}`", model.name, f.name)),
            None => None,
        };
        Column {
            name: f.column.clone(),
            ty: column_type(&f.ty, &f.constraints),
            nullable: f.optional && !f.primary_key,
            default,
            auto_increment: f.auto == Some(Auto::Increment),
            renamed_from: f.renamed_from.clone(),
            backfill,
        }
    }

    /// The columns of the fields a model's index names, or `None` (with a problem recorded for each name
    /// that is not a field) when any is unknown.
    fn index_columns(&mut self, model: &Model, ix: &SpecIndex) -> Option<Vec<String>> {
        let mut columns = Vec::with_capacity(ix.columns.len());
        for c in &ix.columns {
            // The spec names fields (`author`); the table has their columns (`author_id`).
            match model.field(c).or_else(|| model.fields.iter().find(|f| &f.column == c)) {
                Some(f) => columns.push(f.column.clone()),
                None => self.problems.push(
                    Diagnostic::error(
                        "unknown-field",
                        ix.span,
                        format!("index of `{}` names `{c}`, which is not one of its fields", model.name),
                    )
                    .label("in this index"),
                ),
            }
        }
        (columns.len() == ix.columns.len()).then_some(columns)
    }

    fn join_table(&mut self, model: &Model, m: &ManyToMany) -> Option<Table> {
        let Some(source_pk) = model.fields.iter().find(|f| f.primary_key) else {
            self.problems.push(
                Diagnostic::error("no-primary-key", m.span, format!("`{}` has no primary key", model.name))
                    .label("this relation's join table needs it"),
            );
            return None;
        };
        let Some(target_pk) = self.spec.model(&m.target).and_then(|t| t.fields.iter().find(|f| f.primary_key)) else {
            self.problems.push(
                Diagnostic::error(
                    "no-primary-key",
                    m.span,
                    format!(
                        "`{}.{}` targets `{}.{}`, which has no table with a primary key",
                        model.name, m.name, m.target.app, m.target.name
                    ),
                )
                .label("this relation's join table needs it"),
            );
            return None;
        };
        let name = m.join_table.clone();
        let (src, dst) = (m.source_column.clone(), m.target_column.clone());
        let key_column = |column: &str, ty: ColumnType| Column {
            name: column.to_owned(),
            ty,
            nullable: false,
            default: None,
            auto_increment: false,
            renamed_from: None,
            backfill: None,
        };
        let fk = |column: &str, ref_table: &str, ref_column: &str| ForeignKey {
            name: constraint_name("fk", &name, &[column.to_owned()], None),
            columns: vec![column.to_owned()],
            ref_table: ref_table.to_owned(),
            ref_columns: vec![ref_column.to_owned()],
            on_delete: ReferentialAction::Cascade,
        };
        Some(Table {
            name: name.clone(),
            columns: vec![
                key_column(&src, column_type(&source_pk.ty, &source_pk.constraints)),
                key_column(&dst, column_type(&target_pk.ty, &target_pk.constraints)),
            ],
            primary_key: vec![src.clone(), dst.clone()],
            foreign_keys: vec![fk(&src, &model.table, &source_pk.column), fk(&dst, &m.target_table, &target_pk.column)],
            uniques: Vec::new(),
            // The primary key serves lookups by source; this one serves the reverse direction and the
            // cascade when a target row is deleted.
            indexes: vec![Index {
                name: constraint_name("ix", &name, std::slice::from_ref(&dst), None),
                columns: vec![dst],
            }],
            checks: Vec::new(),
            // The join table is named after its source table: when that one is renamed, so is this one.
            renamed_from: model.renamed_from.as_ref().map(|old| format!("{old}_{}", m.name)),
        })
    }

    fn literal(&mut self, lit: &Literal, span: Span, what: &str) -> Option<DefaultValue> {
        Some(match lit {
            Literal::String(s) => DefaultValue::String(s.clone()),
            Literal::Int(i) => DefaultValue::Int(*i),
            Literal::Float(x) if x.is_finite() => DefaultValue::Float(*x),
            Literal::Float(x) => {
                self.problems.push(
                    Diagnostic::error(
                        "schema-default",
                        span,
                        format!("{what} is `{x}`, which a database cannot store"),
                    )
                    .label("this field's column"),
                );
                return None;
            }
            Literal::Bool(b) => DefaultValue::Bool(*b),
        })
    }
}

/// The keys, index and checks one field's column brings to its table.
fn add_field_keys(t: &mut Table, f: &Field) {
    let col = vec![f.column.clone()];
    if f.primary_key {
        t.primary_key.push(f.column.clone());
    }
    // `on_delete: set_null` on a required relation is the spec resolver's error (`set-null-required`).
    if let Some(bt) = &f.belongs_to {
        t.foreign_keys.push(ForeignKey {
            name: constraint_name("fk", &t.name, &col, None),
            columns: col.clone(),
            ref_table: bt.target_table.clone(),
            ref_columns: vec![bt.target_column.clone()],
            on_delete: action(bt.on_delete),
        });
    }
    if f.unique && !f.primary_key {
        t.uniques.push(Unique {
            name: constraint_name("uq", &t.name, &col, None),
            columns: col.clone(),
            case_insensitive: f.unique_case_insensitive,
        });
    }
    if f.indexed && !f.primary_key && (!f.unique || f.unique_case_insensitive) {
        t.indexes.push(Index { name: constraint_name("ix", &t.name, &col, None), columns: col.clone() });
    }
    for rule in check_rules(&f.ty, &f.constraints) {
        t.checks.push(Check {
            name: constraint_name("ck", &t.name, &col, Some(rule.suffix())),
            column: f.column.clone(),
            rule,
        });
    }
}

/// A model-level index on `columns`, unless a key or index already there serves it.
fn add_model_index(t: &mut Table, unique: bool, columns: Vec<String>) {
    // A case-insensitive unique on the same columns is the stronger key, but its index (on the folded
    // values) serves no lookup of the values as they are.
    let is_unique = t.primary_key == columns || t.uniques.iter().any(|u| u.columns == columns);
    let is_exact = t.primary_key == columns || t.uniques.iter().any(|u| u.columns == columns && !u.case_insensitive);
    if unique && !is_unique {
        // A unique key serves every lookup a plain index on the same columns would.
        t.indexes.retain(|i| i.columns != columns);
        t.uniques.push(Unique {
            name: constraint_name("uq", &t.name, &columns, None),
            columns,
            case_insensitive: false,
        });
    } else if !unique && !is_exact && !t.indexes.iter().any(|i| i.columns == columns) {
        t.indexes.push(Index { name: constraint_name("ix", &t.name, &columns, None), columns });
    }
}

pub(crate) fn column_type(ty: &ScalarType, c: &Constraints) -> ColumnType {
    match ty {
        ScalarType::String => ColumnType::String { max_length: c.max_length },
        ScalarType::Text => ColumnType::Text,
        ScalarType::Int => ColumnType::Int,
        ScalarType::BigInt => ColumnType::BigInt,
        ScalarType::Float => ColumnType::Float,
        ScalarType::Bool => ColumnType::Bool,
        ScalarType::Uuid => ColumnType::Uuid,
        ScalarType::DateTime => ColumnType::DateTime,
        ScalarType::Date => ColumnType::Date,
        ScalarType::Json => ColumnType::Json,
        ScalarType::Enum(_) => ColumnType::Enum,
    }
}

fn check_rules(ty: &ScalarType, c: &Constraints) -> Vec<CheckRule> {
    let mut out = Vec::new();
    if ty.is_numeric() {
        out.extend(c.min.map(|value| CheckRule::Min { value }));
        out.extend(c.max.map(|value| CheckRule::Max { value }));
    }
    if ty.is_textual() {
        // `min_length: 0` allows everything; a check for it would only be noise.
        out.extend(c.min_length.filter(|n| *n > 0).map(|value| CheckRule::MinLength { value }));
        out.extend(c.max_length.map(|value| CheckRule::MaxLength { value }));
    }
    if let ScalarType::Enum(e) = ty {
        out.push(CheckRule::OneOf { values: e.values.clone() });
    }
    out
}

fn action(on_delete: OnDelete) -> ReferentialAction {
    match on_delete {
        OnDelete::Cascade => ReferentialAction::Cascade,
        OnDelete::Restrict => ReferentialAction::Restrict,
        OnDelete::SetNull => ReferentialAction::SetNull,
        OnDelete::NoAction => ReferentialAction::NoAction,
    }
}

fn leads(key: &[String], cols: &[String]) -> bool {
    key.len() >= cols.len() && key[..cols.len()] == *cols
}

/// An index whose columns lead the primary key, a unique key or a longer index is never needed: the
/// longer one serves the same lookups (belongs_to columns are indexed, and often lead a composite index).
fn drop_redundant_indexes(t: &mut Table) {
    let all = t.indexes.clone();
    let (pk, uniques) = (&t.primary_key, &t.uniques);
    t.indexes.retain(|ix| {
        !leads(pk, &ix.columns)
            && !uniques.iter().any(|u| !u.case_insensitive && leads(&u.columns, &ix.columns))
            && !all.iter().any(|o| o.columns.len() > ix.columns.len() && leads(&o.columns, &ix.columns))
    });
}

/// PostgreSQL does not index foreign keys by itself; without an index every delete of a referenced row
/// scans the referencing table. A key whose columns lead an existing index is already served.
fn index_foreign_keys(t: &mut Table) {
    let mut added = Vec::new();
    for fk in &t.foreign_keys {
        let served = leads(&t.primary_key, &fk.columns)
            || t.uniques.iter().any(|u| !u.case_insensitive && leads(&u.columns, &fk.columns))
            || t.indexes.iter().chain(&added).any(|i: &Index| leads(&i.columns, &fk.columns));
        if !served {
            added.push(Index { name: constraint_name("ix", &t.name, &fk.columns, None), columns: fk.columns.clone() });
        }
    }
    t.indexes.extend(added);
}
