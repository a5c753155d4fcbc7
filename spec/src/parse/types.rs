//! Type expressions: `string`, `core.Profile`, `{ list: X }`, `{ fields: {..} }`, `{ type: X, ..constraints }`.

use crate::diag::Diagnostic;
use crate::yaml::{Node, Value};

use super::reader::{CONSTRAINT_KEYS, get};
use super::{Name, RawBody, RawTypeExpr, RawTypeField, RawTypeKind, Reader};

const EXPR_KEYS: &[&str] = &["type", "list", "fields", "values", "optional", "default", "description", "source"];

fn expr_keys() -> Vec<&'static str> {
    EXPR_KEYS.iter().chain(CONSTRAINT_KEYS).copied().collect()
}

pub fn type_expr(r: &mut Reader<'_>, node: &Node) -> Option<RawTypeExpr> {
    let bare = |kind| RawTypeExpr {
        kind,
        source: None,
        optional: false,
        default: None,
        constraints: Default::default(),
        description: None,
        span: node.span,
    };
    match &node.value {
        Value::Scalar { text, .. } => Some(bare(RawTypeKind::Name(Name { text: text.clone(), span: node.span }))),
        Value::Map(_) => {
            let allowed = expr_keys();
            let entries = r.map(node, "a type", &allowed)?;
            let entries = &*entries;
            let heads: Vec<&str> =
                ["type", "list", "fields"].into_iter().filter(|k| get(entries, k).is_some()).collect();
            let kind = match heads.as_slice() {
                ["type"] => {
                    let ty = r.name(get(entries, "type")?)?;
                    if ty.text == "enum" {
                        match get(entries, "values") {
                            Some(v) => RawTypeKind::Enum(r.strings(v)),
                            None => {
                                r.error(
                                    Diagnostic::error("missing-key", ty.span, "an enum needs `values`")
                                        .help("for example `{ type: enum, values: [draft, published] }`"),
                                );
                                return None;
                            }
                        }
                    } else {
                        RawTypeKind::Name(ty)
                    }
                }
                ["list"] => RawTypeKind::List(Box::new(type_expr(r, get(entries, "list")?)?)),
                ["fields"] => RawTypeKind::Object(fields(r, get(entries, "fields")?)),
                [] => {
                    r.error(
                        Diagnostic::error("missing-key", node.span, "a type needs one of `type`, `list` or `fields`")
                            .label("no `type`, `list` or `fields` here")
                            .help("for example `{ type: string, max_length: 255 }` or `{ list: string }`"),
                    );
                    return None;
                }
                _ => {
                    r.error(
                        Diagnostic::error(
                            "conflicting-keys",
                            node.span,
                            format!("a type takes one of `type`, `list` or `fields`, found {}", heads.join(" and ")),
                        )
                        .label("more than one"),
                    );
                    return None;
                }
            };
            if let Some(v) = get(entries, "values")
                && !matches!(kind, RawTypeKind::Enum(_))
            {
                r.error(Diagnostic::error("unused-key", v.span, "`values` needs `type: enum`").label("ignored"));
            }
            let optional = get(entries, "optional").and_then(|v| r.bool(v)).unwrap_or(false);
            let description = get(entries, "description").and_then(|v| r.string(v));
            let constraints = r.constraints(entries);
            let source = get(entries, "source").and_then(|v| r.name(v));
            Some(RawTypeExpr {
                kind,
                source,
                optional,
                default: get(entries, "default").cloned(),
                constraints,
                description,
                span: node.span,
            })
        }
        _ => {
            r.expected(node, "a type name or a mapping");
            None
        }
    }
}

/// A mapping of field name to type expression.
pub fn fields(r: &mut Reader<'_>, node: &Node) -> Vec<RawTypeField> {
    let Some(entries) = r.named_map(node, "fields") else { return Vec::new() };
    entries
        .iter()
        .filter_map(|e| {
            let expr = type_expr(r, &e.value)?;
            Some(RawTypeField { name: Name { text: e.key.clone(), span: e.key_span }, expr })
        })
        .collect()
}

/// A body or response: nothing, a type name, or a mapping of fields (an inline object).
pub fn body(r: &mut Reader<'_>, node: &Node) -> RawBody {
    match &node.value {
        Value::Null => RawBody::Empty,
        Value::Scalar { text, .. } if text == "empty" => RawBody::Empty,
        Value::Scalar { text, .. } => RawBody::Named(Name { text: text.clone(), span: node.span }),
        Value::Map(_) => RawBody::Fields(fields(r, node)),
        Value::Seq(_) => {
            r.expected(node, "a type name or a mapping of fields");
            RawBody::Empty
        }
    }
}
