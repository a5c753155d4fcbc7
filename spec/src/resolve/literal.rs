//! Default values, checked against the type they default.

use crate::diag::{Diagnostic, a_or_an};
use crate::ir::{Constraints, Literal, ScalarType};
use crate::yaml::{Node, Value};

pub fn default_for(
    node: &Node,
    ty: &ScalarType,
    constraints: &Constraints,
    diags: &mut Vec<Diagnostic>,
) -> Option<Literal> {
    let Value::Scalar { text, quoted } = &node.value else {
        diags.push(match node.value {
            Value::Null => mismatch(node, ty, "`default: null` is not a value".into())
                .help("leave `default` out: an optional field is already null when absent"),
            _ => mismatch(node, ty, format!("default is {}, not a single `{}` value", node.kind(), ty.name())),
        });
        return None;
    };
    // Quoted as written: `"20"` is a string even where an `int` is expected.
    let found = if *quoted { format!("\"{text}\"") } else { format!("`{text}`") };
    let lit = match ty {
        ScalarType::Int | ScalarType::BigInt if !quoted => text
            .parse::<i64>()
            .ok()
            .map(Literal::Int)
            .filter(|l| *ty == ScalarType::BigInt || matches!(l, Literal::Int(v) if i32::try_from(*v).is_ok())),
        ScalarType::Float if !quoted => text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Literal::Float),
        ScalarType::Bool if !quoted => match text.as_str() {
            "true" => Some(Literal::Bool(true)),
            "false" => Some(Literal::Bool(false)),
            _ => None,
        },
        ScalarType::String | ScalarType::Text => Some(Literal::String(text.clone())),
        ScalarType::Enum(e) => e.values.contains(text).then(|| Literal::String(text.clone())),
        ScalarType::Date if is_date(text) => Some(Literal::String(text.clone())),
        _ => None,
    };
    let Some(lit) = lit else {
        let mut d = mismatch(node, ty, format!("default {found} is not a valid `{}`", ty.name()));
        if let ScalarType::Enum(e) = ty {
            d = d.help(format!("the enum's values are: {}", e.values.join(", ")));
        } else if *ty == ScalarType::Int && !quoted && text.parse::<i64>().is_ok() {
            d = mismatch(
                node,
                ty,
                format!("default {found} does not fit in `int`, a 32-bit integer ({} to {})", i32::MIN, i32::MAX),
            )
            .help("use `type: bigint` for a 64-bit integer");
        } else if *quoted && matches!(ty, ScalarType::Int | ScalarType::BigInt | ScalarType::Float | ScalarType::Bool) {
            d = d.help(format!("remove the quotes: `default: {text}`"));
        }
        diags.push(d);
        return None;
    };
    if let Some(problem) = violates(&lit, constraints) {
        diags.push(
            Diagnostic::error(
                "default-violates",
                node.span,
                format!("default {found} breaks its own constraint: {problem}"),
            )
            .label("this default would be rejected"),
        );
    }
    Some(lit)
}

fn mismatch(node: &Node, ty: &ScalarType, message: String) -> Diagnostic {
    Diagnostic::error("default-type", node.span, message).label(format!(
        "expected {} `{}` value",
        a_or_an(ty.name()),
        ty.name()
    ))
}

fn violates(lit: &Literal, c: &Constraints) -> Option<String> {
    match lit {
        Literal::Int(v) => range(*v as f64, c),
        Literal::Float(v) => range(*v, c),
        Literal::String(s) => {
            let n = s.chars().count() as u64;
            if c.min_length.is_some_and(|m| n < m) {
                Some(format!("shorter than min_length {}", c.min_length.unwrap_or_default()))
            } else if c.max_length.is_some_and(|m| n > m) {
                Some(format!("longer than max_length {}", c.max_length.unwrap_or_default()))
            } else {
                None
            }
        }
        Literal::Bool(_) => None,
    }
}

fn range(v: f64, c: &Constraints) -> Option<String> {
    if let Some(min) = c.min.filter(|m| v < *m) {
        return Some(format!("less than min {min}"));
    }
    c.max.filter(|m| v > *m).map(|max| format!("greater than max {max}"))
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}
