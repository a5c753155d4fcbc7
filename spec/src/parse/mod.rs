//! Pass one: located YAML nodes into raw, unresolved declarations. Checks shapes and keys only; names and
//! references are resolved in `resolve`.

mod app;
mod project;
mod reader;
mod types;

pub use app::parse_app;
pub use project::parse_project;
pub use reader::Reader;

use crate::ir::{Constraints, ErrorKind, Method, OnDelete};
use crate::source::Span;
use crate::yaml::Node;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RawApp {
    pub name: Name,
    pub description: Option<String>,
    pub depends_on: Vec<Name>,
    pub models: Vec<RawModel>,
    pub types: Vec<RawType>,
    pub endpoints: Vec<RawEndpoint>,
}

#[derive(Debug, Clone)]
pub struct RawModel {
    pub name: Name,
    pub table: Option<String>,
    pub description: Option<String>,
    pub mixins: Vec<Name>,
    pub primary_key: Option<RawPrimaryKey>,
    pub fields: Vec<RawModelField>,
    pub indexes: Vec<RawIndex>,
    /// The table's previous name, so a migration renames instead of dropping and creating.
    pub renamed_from: Option<Name>,
    /// `ordering: [-created_at]`.
    pub ordering: Vec<Name>,
    /// `filters: { tag: tags.name, feed: { field: author, in: following } }`.
    pub filters: Vec<RawFilter>,
}

#[derive(Debug, Clone)]
pub struct RawFilter {
    pub name: Name,
    /// `path` form: `column`, `relation.column`.
    pub path: Option<Name>,
    /// `{ field, in }` form.
    pub field_in: Option<(Name, Name)>,
}

#[derive(Debug, Clone)]
pub struct RawPrimaryKey {
    pub name: Name,
    pub ty: Name,
}

#[derive(Debug, Clone)]
pub struct RawIndex {
    pub columns: Vec<Name>,
    pub unique: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum RawModelFieldKind {
    Column { ty: Name, values: Vec<String> },
    BelongsTo { target: Name, on_delete: OnDelete },
    ManyToMany { target: Name },
}

#[derive(Debug, Clone)]
pub struct RawModelField {
    pub name: Name,
    pub kind: RawModelFieldKind,
    pub optional: bool,
    pub default: Option<Node>,
    pub unique: bool,
    /// `unique: case_insensitive`: where it was written (`unique` is then true too).
    pub unique_case_insensitive: Option<Span>,
    pub index: bool,
    pub constraints: Constraints,
    pub description: Option<String>,
    /// The field's previous name (a migration renames the column).
    pub renamed_from: Option<Name>,
    /// The value existing rows get when this required column is added.
    pub backfill: Option<Node>,
}

/// A type expression: `string`, `core.Profile`, `{ list: X }`, `{ fields: {...} }`, `{ type: X, ... }`.
#[derive(Debug, Clone)]
pub struct RawTypeExpr {
    pub kind: RawTypeKind,
    /// `source: tags.name`: computed from the type's model.
    pub source: Option<Name>,
    pub optional: bool,
    pub default: Option<Node>,
    pub constraints: Constraints,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum RawTypeKind {
    /// A scalar type name or a type reference (`Article`, `core.Profile`).
    Name(Name),
    Enum(Vec<String>),
    List(Box<RawTypeExpr>),
    Object(Vec<RawTypeField>),
}

#[derive(Debug, Clone)]
pub struct RawTypeField {
    pub name: Name,
    pub expr: RawTypeExpr,
}

#[derive(Debug, Clone)]
pub struct RawType {
    pub name: Name,
    pub description: Option<String>,
    pub from: Option<Name>,
    pub pick: Option<Vec<Name>>,
    pub omit: Option<Vec<Name>>,
    pub partial: bool,
    pub add: Vec<RawTypeField>,
    pub fields: Vec<RawTypeField>,
}

#[derive(Debug, Clone)]
pub enum RawBody {
    Empty,
    Named(Name),
    Fields(Vec<RawTypeField>),
}

#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub body: RawBody,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RawEndpoint {
    pub name: Name,
    pub method: Method,
    pub path: Name,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub auth: Option<(crate::ir::AuthRequirement, Span)>,
    pub rate_limit: Option<crate::ir::RateLimit>,
    pub path_params: Vec<RawTypeField>,
    pub query: Vec<RawTypeField>,
    pub body: Option<(RawBody, Span)>,
    pub responses: Vec<RawResponse>,
    pub errors: Vec<(ErrorKind, Span)>,
}

#[derive(Debug, Clone)]
pub struct RawProject {
    pub project: crate::ir::Project,
    pub apps: Option<Vec<Name>>,
}
