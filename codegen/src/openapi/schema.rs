//! Types, fields and scalars as JSON Schema (the OpenAPI 3.0.3 subset).

use charter_spec::{Constraints, Format, Literal, ScalarType, Shape, TypeDef, TypeField};
use openapiv3::{
    AnySchema, ArrayType, BooleanType, IntegerFormat, IntegerType, NumberFormat, NumberType, ObjectType, ReferenceOr,
    Schema, SchemaData, SchemaKind, StringFormat, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::names::Names;

/// The component schema of a type. `response_only`: see [`super::usage`].
pub(crate) fn type_def(def: &TypeDef, names: &Names, response_only: bool) -> Schema {
    let mut object = ObjectType::default();
    for field in &def.fields {
        object.properties.insert(field.wire_name.clone(), boxed(field_schema(field, names)));
        // A client may leave out what the server fills in: optional fields, and fields with a default.
        let client_may_omit = field.optional || field.default.is_some();
        if response_only || !client_may_omit {
            object.required.push(field.wire_name.clone());
        }
    }
    Schema {
        schema_data: SchemaData { description: def.description.clone(), ..SchemaData::default() },
        schema_kind: SchemaKind::Type(Type::Object(object)),
    }
}

fn field_schema(field: &TypeField, names: &Names) -> ReferenceOr<Schema> {
    let base = shape(&field.shape, &field.constraints, &field.item_constraints, names);
    let default = field.default.as_ref().and_then(literal);
    // What `null` means is part of the contract: in a partial update it clears a nullable column;
    // elsewhere an optional field's `null` is the same as leaving it out.
    let description = if field.clearable {
        let rule = "Leave it out to keep the stored value; `null` clears it.";
        Some(field.description.as_ref().map_or_else(|| rule.to_owned(), |d| format!("{d}\n\n{rule}")))
    } else {
        field.description.clone()
    };
    decorate(base, description, default, field.optional)
}

/// Puts description, default and `nullable` on a schema. A `$ref` cannot carry siblings in 3.0.3, so a
/// decorated reference becomes `allOf: [$ref]` with the decorations beside it.
pub(crate) fn decorate(
    base: ReferenceOr<Schema>,
    description: Option<String>,
    default: Option<Value>,
    nullable: bool,
) -> ReferenceOr<Schema> {
    if description.is_none() && default.is_none() && !nullable {
        return base;
    }
    let mut schema = match base {
        ReferenceOr::Item(schema) => schema,
        reference @ ReferenceOr::Reference { .. } => {
            Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::AllOf { all_of: vec![reference] } }
        }
    };
    schema.schema_data.description = description.or(schema.schema_data.description);
    schema.schema_data.default = default.or(schema.schema_data.default);
    if nullable {
        schema.schema_data.nullable = true;
        // In 3.0.3 `enum` wins over `nullable`: null must be listed to be allowed.
        if let SchemaKind::Type(Type::String(s)) = &mut schema.schema_kind
            && !s.enumeration.is_empty()
            && !s.enumeration.contains(&None)
        {
            s.enumeration.push(None);
        }
    }
    ReferenceOr::Item(schema)
}

/// A shape with its constraints: `constraints` bound the value itself (item counts for a list),
/// `item_constraints` the scalars inside a list.
pub(crate) fn shape(
    shape: &Shape,
    constraints: &Constraints,
    item_constraints: &Constraints,
    names: &Names,
) -> ReferenceOr<Schema> {
    match shape {
        Shape::Scalar(ty) => ReferenceOr::Item(scalar(ty, constraints)),
        Shape::Named(r) => ReferenceOr::ref_(&names.type_ref(r)),
        Shape::List(inner) => {
            // The spec has no syntax for bounds on an inner list: only the outermost one is bounded.
            let inner_bounds =
                if matches!(**inner, Shape::List(_)) { &Constraints::default() } else { item_constraints };
            let items = self::shape(inner, inner_bounds, item_constraints, names);
            ReferenceOr::Item(array(items, constraints.min_items, constraints.max_items))
        }
    }
}

pub(crate) fn array(items: ReferenceOr<Schema>, min_items: Option<u64>, max_items: Option<u64>) -> Schema {
    kind(Type::Array(ArrayType {
        items: Some(boxed(items)),
        min_items: min_items.and_then(to_usize),
        max_items: max_items.and_then(to_usize),
        unique_items: false,
    }))
}

/// Constraints that do not apply to the type (the resolver rejects them) are left out.
pub(crate) fn scalar(ty: &ScalarType, c: &Constraints) -> Schema {
    match ty {
        ScalarType::String | ScalarType::Text => string(c.format.map(format), c),
        ScalarType::Uuid => string(Some(VariantOrUnknownOrEmpty::Unknown("uuid".into())), c),
        ScalarType::DateTime => string(Some(VariantOrUnknownOrEmpty::Item(StringFormat::DateTime)), c),
        ScalarType::Date => string(Some(VariantOrUnknownOrEmpty::Item(StringFormat::Date)), c),
        ScalarType::Enum(e) => kind(Type::String(StringType {
            enumeration: e.values.iter().cloned().map(Some).collect(),
            ..StringType::default()
        })),
        ScalarType::Int => integer(IntegerFormat::Int32, c),
        ScalarType::BigInt => integer(IntegerFormat::Int64, c),
        ScalarType::Float => kind(Type::Number(NumberType {
            format: VariantOrUnknownOrEmpty::Item(NumberFormat::Double),
            minimum: c.min.filter(|v| v.is_finite()),
            maximum: c.max.filter(|v| v.is_finite()),
            ..NumberType::default()
        })),
        ScalarType::Bool => kind(Type::Boolean(BooleanType::default())),
        // Any JSON value: the empty schema.
        ScalarType::Json => {
            Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::Any(AnySchema::default()) }
        }
    }
}

fn string(format: Option<VariantOrUnknownOrEmpty<StringFormat>>, c: &Constraints) -> Schema {
    kind(Type::String(StringType {
        format: format.unwrap_or_default(),
        pattern: c.pattern.clone(),
        enumeration: Vec::new(),
        min_length: c.min_length.and_then(to_usize),
        // A format's own bound holds too: the document says what the server accepts.
        max_length: match (c.max_length, c.format.and_then(Format::max_length)) {
            (Some(own), Some(implied)) => Some(own.min(implied)),
            (own, implied) => own.or(implied),
        }
        .and_then(to_usize),
    }))
}

fn integer(format: IntegerFormat, c: &Constraints) -> Schema {
    kind(Type::Integer(IntegerType {
        format: VariantOrUnknownOrEmpty::Item(format),
        // An integer is >= 1.5 exactly when it is >= 2.
        minimum: c.min.map(f64::ceil).and_then(to_i64),
        maximum: c.max.map(f64::floor).and_then(to_i64),
        ..IntegerType::default()
    }))
}

fn format(f: Format) -> VariantOrUnknownOrEmpty<StringFormat> {
    match f {
        Format::Email => VariantOrUnknownOrEmpty::Unknown("email".into()),
        Format::Url => VariantOrUnknownOrEmpty::Unknown("uri".into()),
        Format::Password => VariantOrUnknownOrEmpty::Item(StringFormat::Password),
    }
}

/// A spec literal as JSON; `None` for a float JSON cannot hold (NaN, infinity).
pub(crate) fn literal(l: &Literal) -> Option<Value> {
    match l {
        Literal::String(s) => Some(Value::String(s.clone())),
        Literal::Int(i) => Some(Value::from(*i)),
        Literal::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number),
        Literal::Bool(b) => Some(Value::Bool(*b)),
    }
}

pub(crate) fn kind(ty: Type) -> Schema {
    Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::Type(ty) }
}

pub(crate) fn boxed(schema: ReferenceOr<Schema>) -> ReferenceOr<Box<Schema>> {
    match schema {
        ReferenceOr::Item(s) => ReferenceOr::Item(Box::new(s)),
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
    }
}

fn to_usize(n: u64) -> Option<usize> {
    usize::try_from(n).ok()
}

fn to_i64(v: f64) -> Option<i64> {
    // The casts are exact at these bounds; NaN fails both comparisons.
    (v >= i64::MIN as f64 && v < i64::MAX as f64).then_some(v as i64)
}
