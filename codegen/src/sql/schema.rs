//! The dialect-neutral schema: what the database should look like, derived from the spec IR.
//!
//! It is also the on-disk snapshot (`migrations/schema.json`) that the migration engine diffs against,
//! so every constraint is named, every type explicit, and the order of everything deterministic.

use serde::{Deserialize, Serialize};

/// Every table, in dependency order: a table comes after the tables its foreign keys reference
/// (except in reference cycles), ties broken by name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub tables: Vec<Table>,
}

/// Equality ignores `renamed_from`: a hint about the previous migration, not part of the table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub name: String,
    /// In declaration order: primary key, declared fields, mixin columns.
    pub columns: Vec<Column>,
    /// Column names; one for model tables, two for many-to-many join tables.
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    pub uniques: Vec<Unique>,
    pub indexes: Vec<Index>,
    pub checks: Vec<Check>,
    /// The table's previous name (the spec's `renamed_from`): the diff renames instead of dropping and
    /// creating. Never in `schema.json`, which records the state after the last migration.
    #[serde(skip)]
    pub renamed_from: Option<String>,
}

/// Equality ignores the migration hints (`renamed_from`, `backfill`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    /// Filled by the database on insert (SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`, PostgreSQL identity).
    pub auto_increment: bool,
    /// The column's previous name (the spec's `renamed_from`); not persisted, like [`Table::renamed_from`].
    #[serde(skip)]
    pub renamed_from: Option<String>,
    /// The value existing rows get when this NOT NULL column without a default is added, or made NOT
    /// NULL; used once by the migration that does it, so not persisted either.
    #[serde(skip)]
    pub backfill: Option<DefaultValue>,
}

impl PartialEq for Table {
    fn eq(&self, o: &Table) -> bool {
        self.name == o.name
            && self.columns == o.columns
            && self.primary_key == o.primary_key
            && self.foreign_keys == o.foreign_keys
            && self.uniques == o.uniques
            && self.indexes == o.indexes
            && self.checks == o.checks
    }
}

impl PartialEq for Column {
    fn eq(&self, o: &Column) -> bool {
        self.name == o.name
            && self.ty == o.ty
            && self.nullable == o.nullable
            && self.default == o.default
            && self.auto_increment == o.auto_increment
    }
}

/// The spec's scalar types; each dialect maps them to its own column types (see `ddl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnType {
    /// Short text; a `max_length` becomes `VARCHAR(n)` on PostgreSQL.
    String {
        max_length: Option<u64>,
    },
    Text,
    Int,
    // The spec's spelling, not serde's `big_int`.
    #[serde(rename = "bigint")]
    BigInt,
    Float,
    Bool,
    Uuid,
    #[serde(rename = "datetime")]
    DateTime,
    Date,
    Json,
    /// Text restricted by a `OneOf` check that lists the values.
    Enum,
}

impl ColumnType {
    /// Short human form used in change summaries, e.g. `string(255)`.
    pub fn describe(&self) -> String {
        match self {
            ColumnType::String { max_length: Some(n) } => format!("string({n})"),
            ColumnType::String { max_length: None } => "string".to_owned(),
            ColumnType::Text => "text".to_owned(),
            ColumnType::Int => "int".to_owned(),
            ColumnType::BigInt => "bigint".to_owned(),
            ColumnType::Float => "float".to_owned(),
            ColumnType::Bool => "bool".to_owned(),
            ColumnType::Uuid => "uuid".to_owned(),
            ColumnType::DateTime => "datetime".to_owned(),
            ColumnType::Date => "date".to_owned(),
            ColumnType::Json => "json".to_owned(),
            ColumnType::Enum => "enum".to_owned(),
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, ColumnType::Int | ColumnType::BigInt)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case", deny_unknown_fields)]
pub enum DefaultValue {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// The current time (or date) at insert; set for `created_at` / `updated_at` so that rows inserted
    /// outside the generated code, and columns added to tables that already have rows, get a value.
    Now,
}

impl DefaultValue {
    pub fn describe(&self) -> String {
        match self {
            DefaultValue::String(s) => format!("{s:?}"),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Float(f) => f.to_string(),
            DefaultValue::Bool(b) => b.to_string(),
            DefaultValue::Now => "now".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// `fk_<table>_<column>`.
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: ReferentialAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    Cascade,
    Restrict,
    SetNull,
    NoAction,
}

impl ReferentialAction {
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::NoAction => "NO ACTION",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unique {
    /// `uq_<table>_<columns>`.
    pub name: String,
    pub columns: Vec<String>,
    /// The spec's `unique: case_insensitive`: values are compared with the ASCII letters folded to lower
    /// case (`ddl::fold_case`), so this is a unique index on the folded columns, not a table constraint.
    /// Left out of `schema.json` when false, so older snapshots read the same.
    #[serde(default, skip_serializing_if = "is_false")]
    pub case_insensitive: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A non-unique index (unique ones are [`Unique`] constraints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// `ix_<table>_<columns>`.
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// `ck_<table>_<column>_<rule>`: stable, so the runtime can map a violation back to a field.
    pub name: String,
    pub column: String,
    pub rule: CheckRule,
}

/// The spec constraints a database can enforce portably (`pattern` and `format` cannot: SQLite has no
/// regular expressions built in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckRule {
    Min { value: f64 },
    Max { value: f64 },
    MinLength { value: u64 },
    MaxLength { value: u64 },
    OneOf { values: Vec<String> },
}

impl CheckRule {
    /// The suffix in the constraint name.
    pub fn suffix(&self) -> &'static str {
        match self {
            CheckRule::Min { .. } => "min",
            CheckRule::Max { .. } => "max",
            CheckRule::MinLength { .. } => "min_length",
            CheckRule::MaxLength { .. } => "max_length",
            CheckRule::OneOf { .. } => "values",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CheckRule::Min { value } => format!(">= {value}"),
            CheckRule::Max { value } => format!("<= {value}"),
            CheckRule::MinLength { value } => format!("length >= {value}"),
            CheckRule::MaxLength { value } => format!("length <= {value}"),
            CheckRule::OneOf { values } => format!("one of {}", values.join(", ")),
        }
    }
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
