//! The error envelope: its schema and the content type errors are sent under.

use charter_spec::{ErrorFormat, Placeholder, Template};
use openapiv3::{
    AdditionalProperties, AnySchema, BooleanType, IntegerFormat, IntegerType, NumberType, ObjectType, ReferenceOr,
    Schema, SchemaData, SchemaKind, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::schema::{array, boxed, kind};

pub(crate) const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

pub(crate) fn content_type(format: &ErrorFormat) -> &str {
    match format {
        ErrorFormat::Problem => PROBLEM_CONTENT_TYPE,
        ErrorFormat::Custom { content_type, .. } => content_type,
    }
}

pub(crate) fn schema(format: &ErrorFormat) -> Schema {
    match format {
        ErrorFormat::Problem => problem(),
        ErrorFormat::Custom { template, .. } => {
            let mut schema = from_template(template);
            schema.schema_data.description = Some("The error envelope of every error response.".into());
            schema
        }
    }
}

/// RFC 9457 problem details plus Charter's `code` and per-field `errors`. Only what every problem carries
/// is required; `type` may be omitted (RFC 9457 reads that as `about:blank`).
fn problem() -> Schema {
    let mut object = ObjectType::default();
    let props = [
        ("type", described(uri_reference(), "A URI reference identifying the problem type.")),
        ("title", described(string(), "A short, human-readable summary of the problem type.")),
        ("status", described(integer(), "The HTTP status code.")),
        ("detail", described(string(), "A human-readable explanation of this occurrence.")),
        ("code", described(string(), "Machine-readable error code, e.g. `not_found` or `validation`.")),
        (
            "errors",
            described(
                array(ReferenceOr::Item(field_error()), None, None),
                "Every failing field, for validation errors.",
            ),
        ),
    ];
    for (name, schema) in props {
        object.properties.insert(name.into(), boxed(ReferenceOr::Item(schema)));
    }
    object.required = ["title", "status", "code"].map(String::from).to_vec();
    Schema {
        schema_data: SchemaData {
            description: Some("An RFC 9457 problem detail, sent as `application/problem+json`.".into()),
            ..SchemaData::default()
        },
        schema_kind: SchemaKind::Type(Type::Object(object)),
    }
}

fn field_error() -> Schema {
    let mut object = ObjectType::default();
    let props = [
        ("path", described(string(), "JSON path of the failing field.")),
        ("code", described(string(), "Machine-readable reason.")),
        ("message", described(string(), "Human-readable reason.")),
    ];
    for (name, schema) in props {
        object.properties.insert(name.into(), boxed(ReferenceOr::Item(schema)));
        object.required.push(name.into());
    }
    kind(Type::Object(object))
}

/// A custom template: objects keep their keys (all required), placeholders become the type they expand to,
/// literals become single-value enums.
fn from_template(t: &Template) -> Schema {
    match t {
        Template::Object(entries) => {
            let mut object = ObjectType::default();
            for (key, value) in entries {
                object.properties.insert(key.clone(), boxed(ReferenceOr::Item(from_template(value))));
                object.required.push(key.clone());
            }
            kind(Type::Object(object))
        }
        Template::Array(items) => array(ReferenceOr::Item(items_schema(items)), None, None),
        Template::String(s) => {
            kind(Type::String(StringType { enumeration: vec![Some(s.clone())], ..StringType::default() }))
        }
        Template::Number(n) => number_literal(*n),
        Template::Bool(b) => kind(Type::Boolean(BooleanType { enumeration: vec![Some(*b)] })),
        Template::Null => Schema {
            schema_data: SchemaData { nullable: true, ..SchemaData::default() },
            schema_kind: SchemaKind::Any(AnySchema { enumeration: vec![Value::Null], ..AnySchema::default() }),
        },
        Template::Placeholder(p) => placeholder(*p),
    }
}

/// One schema for all items when they agree; otherwise any of them.
fn items_schema(items: &[Template]) -> Schema {
    let mut distinct: Vec<Schema> = Vec::new();
    for item in items {
        let schema = from_template(item);
        if !distinct.contains(&schema) {
            distinct.push(schema);
        }
    }
    match distinct.len() {
        0 => Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::Any(AnySchema::default()) },
        1 => distinct.remove(0),
        _ => Schema {
            schema_data: SchemaData::default(),
            schema_kind: SchemaKind::AnyOf { any_of: distinct.into_iter().map(ReferenceOr::Item).collect() },
        },
    }
}

fn number_literal(n: f64) -> Schema {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        // Exact: integers below 2^53 survive the round trip through f64.
        kind(Type::Integer(IntegerType { enumeration: vec![Some(n as i64)], ..IntegerType::default() }))
    } else {
        let enumeration = if n.is_finite() { vec![Some(n)] } else { Vec::new() };
        kind(Type::Number(NumberType { enumeration, ..NumberType::default() }))
    }
}

fn placeholder(p: Placeholder) -> Schema {
    match p {
        Placeholder::Message => described(string(), "The error message."),
        Placeholder::Messages => described(
            array(ReferenceOr::Item(string()), None, None),
            "The error message, or one `<path> <message>` per failing field.",
        ),
        Placeholder::Code => described(string(), "Machine-readable error code, e.g. `not_found` or `validation`."),
        Placeholder::Status => described(integer(), "The HTTP status code."),
        Placeholder::Fields => {
            let messages = array(ReferenceOr::Item(string()), None, None);
            let object = ObjectType {
                additional_properties: Some(AdditionalProperties::Schema(Box::new(ReferenceOr::Item(messages)))),
                ..ObjectType::default()
            };
            described(kind(Type::Object(object)), "Messages per failing field, keyed by JSON path.")
        }
    }
}

fn described(mut schema: Schema, description: &str) -> Schema {
    schema.schema_data.description = Some(description.to_string());
    schema
}

fn string() -> Schema {
    kind(Type::String(StringType::default()))
}

fn uri_reference() -> Schema {
    kind(Type::String(StringType {
        format: VariantOrUnknownOrEmpty::Unknown("uri-reference".into()),
        ..StringType::default()
    }))
}

fn integer() -> Schema {
    kind(Type::Integer(IntegerType {
        format: VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32),
        ..IntegerType::default()
    }))
}
