//! The resolved, validated spec: what every emitter reads. Every node keeps the span it came from.
//!
//! Names: models and types are PascalCase, fields and endpoints snake_case (checked by the resolver).
//! References are resolved: a [`Ref`] always names an existing model or type in an app that may see it.

use crate::source::{SourceMap, Span};

#[derive(Debug, Clone)]
pub struct Spec {
    pub project: Project,
    /// In dependency order (`core` first, then each app after the apps it depends on); ties by name.
    pub apps: Vec<App>,
    pub sources: SourceMap,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    pub auth: Option<AuthScheme>,
    pub errors: ErrorFormat,
    /// How field names appear on the wire.
    pub json_case: JsonCase,
    /// HTTP status of validation errors (422 unless the project says otherwise).
    pub validation_status: u16,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonCase {
    Snake,
    Camel,
}

/// How callers authenticate: a JWT in a header, after a prefix (`Bearer <jwt>`, Conduit's `Token <jwt>`).
#[derive(Debug, Clone)]
pub struct AuthScheme {
    /// The OpenAPI security scheme name (e.g. `Token`, `bearerAuth`).
    pub name: String,
    pub header: String,
    pub prefix: String,
    pub description: Option<String>,
    /// `invalidated_by: core.User.password_hash`: a token is valid only while this field of the
    /// caller's row is what it was when the token was issued (a password change ends other sessions).
    pub invalidated_by: Option<FieldRef>,
    pub span: Span,
}

/// A model field named from the project file: `app.Model.field`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    pub model: Ref,
    pub field: String,
    pub span: Span,
}

impl AuthScheme {
    /// Standard `Authorization: Bearer` is documented as an HTTP bearer scheme; anything else as an API key header.
    pub fn is_standard_bearer(&self) -> bool {
        self.header.eq_ignore_ascii_case("authorization") && self.prefix == "Bearer"
    }
}

#[derive(Debug, Clone)]
pub enum ErrorFormat {
    /// RFC 9457 `application/problem+json`.
    Problem,
    /// A project-defined JSON shape with placeholders, e.g. Conduit's `{"errors": {"body": "$messages"}}`.
    Custom { template: Template, content_type: String },
}

/// A JSON template: literal JSON where some string values are placeholders.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Placeholder(Placeholder),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `$message`: the error's message (string).
    Message,
    /// `$messages`: list of strings: the message, or one "<path> <message>" per failing field.
    Messages,
    /// `$code`: the machine-readable error code (string).
    Code,
    /// `$status`: the HTTP status (integer).
    Status,
    /// `$fields`: object of JSON path -> list of messages.
    Fields,
}

impl Placeholder {
    pub const ALL: [(&'static str, Placeholder); 5] = [
        ("$message", Placeholder::Message),
        ("$messages", Placeholder::Messages),
        ("$code", Placeholder::Code),
        ("$status", Placeholder::Status),
        ("$fields", Placeholder::Fields),
    ];
}

impl Template {
    /// JSON text of the template (placeholders stay as their `$name` strings); the runtime substitutes them.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Template::Object(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(k, out);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
            Template::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Template::String(s) => write_json_string(s, out),
            Template::Number(n) => out.push_str(&n.to_string()),
            Template::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Template::Null => out.push_str("null"),
            Template::Placeholder(p) => {
                let name = Placeholder::ALL.iter().find(|(_, q)| q == p).map(|(n, _)| *n).unwrap_or("$message");
                write_json_string(name, out);
            }
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub description: Option<String>,
    pub depends_on: Vec<String>,
    pub models: Vec<Model>,
    /// Declared types first (spec order), then the types the resolver synthesized for inline objects,
    /// endpoint bodies and responses (named `<Endpoint>Body`, `<Endpoint>Response`, `<Type><Field>`).
    pub types: Vec<TypeDef>,
    pub endpoints: Vec<Endpoint>,
    pub span: Span,
}

/// A reference to a model or type: the app that owns it and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ref {
    pub app: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub table: String,
    pub description: Option<String>,
    /// Columns in table order: the primary key, declared fields (a `belongs_to` is its `<name>_id` column),
    /// then mixin columns (`created_at`, `updated_at`).
    pub fields: Vec<Field>,
    pub many_to_many: Vec<ManyToMany>,
    pub indexes: Vec<Index>,
    /// The table's previous name (`renamed_from`): migrations rename rather than drop and create.
    pub renamed_from: Option<String>,
    /// Where `renamed_from` is written: a hint that names nothing in the migrated schema is reported there.
    pub renamed_from_span: Option<Span>,
    /// Default order of `page` queries; the primary key is the final tie-breaker.
    pub ordering: Vec<Order>,
    /// Named filters of `page` queries.
    pub filters: Vec<Filter>,
    /// Declared fields left out because they did not resolve (each reported where it is declared). Always
    /// empty in a spec that loads: the resolver reads it so that uses of such a field are not reported
    /// again as unknown.
    pub unresolved: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub column: String,
    pub descending: bool,
}

/// A filter a list query may apply: rows matching `value` through a column or a relation.
#[derive(Debug, Clone)]
pub struct Filter {
    pub name: String,
    /// The type of the value the filter takes.
    pub ty: ScalarType,
    pub kind: FilterKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterKind {
    /// `column = value`.
    Column { column: String },
    /// Through a `belongs_to`: the related row's `target_column = value`.
    Related { column: String, target_table: String, target_key: String, target_column: String },
    /// Through a many-to-many: some linked row's `target_column = value`.
    Linked {
        join_table: String,
        source_column: String,
        target_column: String,
        target_table: String,
        target_key: String,
        target_field: String,
    },
    /// `column` is among the targets the row with key `value` links to through `join_table`
    /// (a feed: articles whose author the given user follows).
    TargetOf { column: String, join_table: String, source_column: String, target_column: String },
}

impl Model {
    /// A field (or a `belongs_to`'s column) that is declared but did not resolve: its error is reported.
    pub fn is_unresolved(&self, name: &str) -> bool {
        self.unresolved.iter().any(|f| f == name || name.strip_suffix("_id") == Some(f.as_str()))
    }

    pub fn primary_key(&self) -> &Field {
        self.fields.iter().find(|f| f.primary_key).expect("resolver guarantees a primary key")
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    /// Rust and spec name; for a `belongs_to` this is the relation name (`author`), the column is `author_id`.
    pub name: String,
    pub column: String,
    pub ty: ScalarType,
    /// The column allows NULL and the Rust type is `Option<T>`.
    pub optional: bool,
    pub default: Option<Literal>,
    pub primary_key: bool,
    pub unique: bool,
    /// `unique: case_insensitive` (with `unique`): no two rows hold values that are equal once ASCII
    /// letters are folded to lower case; lookups by the field fold the same way.
    pub unique_case_insensitive: bool,
    pub indexed: bool,
    pub constraints: Constraints,
    /// Filled by the database or the generated data-access code, never by the caller.
    pub auto: Option<Auto>,
    pub belongs_to: Option<BelongsTo>,
    pub description: Option<String>,
    /// The column's previous name (`renamed_from`, as a column: `<name>_id` for a `belongs_to`).
    pub renamed_from: Option<String>,
    /// Where `renamed_from` is written.
    pub renamed_from_span: Option<Span>,
    /// The value existing rows get when this column is added as NOT NULL without a default.
    pub backfill: Option<Literal>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auto {
    /// Auto-increment integer key (SQLite `INTEGER PRIMARY KEY`, PostgreSQL identity).
    Increment,
    /// A random UUID v4 set on insert.
    Uuid,
    /// Set to now on insert (`created_at`).
    CreatedAt,
    /// Set to now on insert and on every update (`updated_at`).
    UpdatedAt,
}

#[derive(Debug, Clone)]
pub struct BelongsTo {
    pub target: Ref,
    pub target_table: String,
    pub target_column: String,
    pub on_delete: OnDelete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    Restrict,
    SetNull,
    NoAction,
}

#[derive(Debug, Clone)]
pub struct ManyToMany {
    pub name: String,
    pub target: Ref,
    pub target_table: String,
    /// Join table `<table>_<name>` with columns `<source>_id`, `<target>_id` (both keys, cascade on delete).
    pub join_table: String,
    pub source_column: String,
    pub target_column: String,
    pub source_key: ScalarType,
    pub target_key: ScalarType,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScalarType {
    /// Short text; `max_length` becomes VARCHAR(n) on PostgreSQL.
    String,
    Text,
    /// 32-bit integer.
    Int,
    /// 64-bit integer.
    BigInt,
    Float,
    Bool,
    Uuid,
    DateTime,
    Date,
    Json,
    Enum(EnumType),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// Rust name of the generated enum (`<Model><Field>` or `<Type><Field>`).
    pub name: String,
    pub values: Vec<String>,
}

impl EnumType {
    /// The Rust variant of an enum value (`in-review` -> `InReview`). The generator names variants with this
    /// and the resolver checks with it, so two values that would share a variant are rejected in the spec.
    pub fn variant(value: &str) -> String {
        crate::pascal_case(value)
    }
}

impl ScalarType {
    pub fn name(&self) -> &'static str {
        match self {
            ScalarType::String => "string",
            ScalarType::Text => "text",
            ScalarType::Int => "int",
            ScalarType::BigInt => "bigint",
            ScalarType::Float => "float",
            ScalarType::Bool => "bool",
            ScalarType::Uuid => "uuid",
            ScalarType::DateTime => "datetime",
            ScalarType::Date => "date",
            ScalarType::Json => "json",
            ScalarType::Enum(_) => "enum",
        }
    }

    pub fn is_textual(&self) -> bool {
        matches!(self, ScalarType::String | ScalarType::Text)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, ScalarType::Int | ScalarType::BigInt | ScalarType::Float)
    }
}

/// Constraints declared once in the spec and enforced at every layer that can: runtime validation,
/// OpenAPI keywords, database CHECKs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    pub format: Option<Format>,
    /// For lists: item count bounds.
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Email,
    Url,
    Password,
}

impl Format {
    /// The longest value the runtime's check of this format accepts, in bytes (RFC 5321's 254 for an
    /// address, 2048 for a URL), which the OpenAPI document states as `maxLength` when the field's own is
    /// larger. Mirrors `charter_runtime::validate::rules::{is_email, is_url}`.
    pub fn max_length(self) -> Option<u64> {
        match self {
            Format::Email => Some(254),
            Format::Url => Some(2048),
            Format::Password => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// A request or response shape.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<TypeField>,
    /// The model this type was derived from with `from`.
    pub from_model: Option<Ref>,
    pub origin: TypeOrigin,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeOrigin {
    Declared,
    /// An inline object inside another type.
    Inline,
    EndpointBody,
    EndpointResponse,
}

#[derive(Debug, Clone)]
pub struct TypeField {
    /// snake_case Rust name.
    pub name: String,
    /// Name on the wire (after the project's `json_case`).
    pub wire_name: String,
    pub shape: Shape,
    /// May be absent in a request; `null` in a response.
    pub optional: bool,
    /// A nullable model field in a `partial: true` type: absent keeps the stored value, `null` clears it
    /// (Rust `Patch<T>` rather than `Option<T>`).
    pub clearable: bool,
    pub default: Option<Literal>,
    /// For a scalar: its constraints. For a list: `min_items`/`max_items` only.
    pub constraints: Constraints,
    /// For a list of scalars: the constraints each item must meet.
    pub item_constraints: Constraints,
    pub description: Option<String>,
    /// The model field this one was copied from (`from` + `pick`/`omit`).
    pub model_field: Option<String>,
    /// How a generated loader computes this field from the type's model (`source:`).
    pub source: Option<Source>,
    pub span: Span,
}

/// A field computed from a model's relations, in batch for a whole page of rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A `belongs_to`: the related row, converted to the field's type (itself loadable).
    Related { relation: String, column: String, target: Ref },
    /// A many-to-many: one column of every linked row, sorted.
    Values { relation: String, target: Ref, target_column: String },
    /// A many-to-many: how many rows are linked.
    Count { relation: String },
    /// A many-to-many: whether the caller is among the linked rows.
    ContainsCaller { relation: String },
    /// A self many-to-many: whether the caller links to this row (`caller.following.contains`).
    CallerContains { relation: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Scalar(ScalarType),
    /// A type (declared or synthesized) in some app.
    Named(Ref),
    List(Box<Shape>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [(&'static str, Method); 5] = [
        ("get", Method::Get),
        ("post", Method::Post),
        ("put", Method::Put),
        ("patch", Method::Patch),
        ("delete", Method::Delete),
    ];

    pub fn as_str(self) -> &'static str {
        Method::ALL.iter().find(|(_, m)| *m == self).map(|(s, _)| *s).unwrap_or("get")
    }

    pub fn upper(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthRequirement {
    None,
    Optional,
    Required,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    /// snake_case: the hook (trait method) name, the operationId, the use-case file name.
    pub name: String,
    pub method: Method,
    /// As written, with `{param}` segments.
    pub path: String,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub body: Option<Ref>,
    /// Success responses, in status order (at least one).
    pub responses: Vec<Response>,
    /// Errors the hook may return, in catalog order; the generated error enum has exactly these.
    pub errors: Vec<ErrorKind>,
    pub auth: AuthRequirement,
    /// At most this many requests per client address (`rate_limit:`); over it, 429 before the use case.
    pub rate_limit: Option<RateLimit>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub span: Span,
}

/// `rate_limit: 10/minute`: `requests` per `window_seconds`, per client address and endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window_seconds: u32,
}

impl Endpoint {
    /// Errors the framework itself may answer with, beyond those the hook returns.
    pub fn implicit_errors(&self) -> Vec<ErrorKind> {
        let mut out = Vec::new();
        if self.body.is_some() {
            out.push(ErrorKind::BadRequest);
        }
        if self.body.is_some() || !self.query.is_empty() || !self.path_params.is_empty() {
            out.push(ErrorKind::Validation);
        }
        if self.auth != AuthRequirement::None {
            out.push(ErrorKind::Unauthorized);
        }
        if self.rate_limit.is_some() {
            out.push(ErrorKind::TooManyRequests);
        }
        out
    }

    /// Hook errors and framework errors together, each once, in catalog order.
    pub fn all_errors(&self) -> Vec<ErrorKind> {
        let mut all: Vec<ErrorKind> = self.errors.iter().copied().chain(self.implicit_errors()).collect();
        all.sort();
        all.dedup();
        all
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// Name in the URL (after `json_case` for query parameters; as written for path parameters).
    pub wire_name: String,
    pub ty: ScalarType,
    /// A query parameter that may repeat (`?tag=a&tag=b`).
    pub list: bool,
    pub optional: bool,
    pub default: Option<Literal>,
    pub constraints: Constraints,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// `None`: no body (e.g. 204).
    pub body: Option<Ref>,
    pub description: Option<String>,
    pub span: Span,
}

/// The error catalog. Order here is the order in generated enums and documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Validation,
    TooManyRequests,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Validation,
        ErrorKind::TooManyRequests,
    ];

    /// The spec keyword and the wire `code`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Validation => "validation",
            ErrorKind::TooManyRequests => "too_many_requests",
        }
    }

    /// Variant name in generated error enums.
    pub fn variant(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "BadRequest",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::Validation => "Validation",
            ErrorKind::TooManyRequests => "TooManyRequests",
        }
    }

    /// Validation's status is the project's `validation_status`; this is the default.
    pub fn default_status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Validation => 422,
            ErrorKind::TooManyRequests => 429,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "Malformed request",
            ErrorKind::Unauthorized => "Missing or invalid credentials",
            ErrorKind::Forbidden => "Not allowed for this caller",
            ErrorKind::NotFound => "No such resource",
            ErrorKind::Conflict => "Conflicts with existing data",
            ErrorKind::Validation => "Invalid input; every failing field is listed",
            ErrorKind::TooManyRequests => "Rate limited",
        }
    }
}

impl Project {
    pub fn status_of(&self, kind: ErrorKind) -> u16 {
        if kind == ErrorKind::Validation { self.validation_status } else { kind.default_status() }
    }
}

impl Spec {
    pub fn app(&self, name: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.name == name)
    }

    pub fn model(&self, r: &Ref) -> Option<&Model> {
        self.app(&r.app)?.models.iter().find(|m| m.name == r.name)
    }

    pub fn type_def(&self, r: &Ref) -> Option<&TypeDef> {
        self.app(&r.app)?.types.iter().find(|t| t.name == r.name)
    }

    pub fn endpoints(&self) -> impl Iterator<Item = (&App, &Endpoint)> {
        self.apps.iter().flat_map(|a| a.endpoints.iter().map(move |e| (a, e)))
    }

    /// `spec/articles.yaml:12:3` for a span.
    pub fn location(&self, span: Span) -> String {
        self.sources.location(span)
    }
}
