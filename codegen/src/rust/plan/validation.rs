//! The checks of each generated request type, decided from the spec's constraints in one place for type
//! fields and endpoint parameters alike, and printed as an `impl Validate` by `charter-macros-core`'s
//! printer (the one `#[derive(Validate)]` uses), so nothing is written as an attribute and parsed back.

use charter_macros_core::validate::checks::{Bound, FieldRules, Holder, IMPORT, Rule, field_checks};
use charter_spec::{Constraints, Format, Param, ScalarType, Shape, TypeField};

use crate::rust::code::{Code, Ident, code};

/// A type field's rules: its own constraints, its items' (for a list), and its nested type's `Validate`;
/// `holder` is how the type holds the field ([`holder`] for the request type, [`draft_holder`] for its
/// draft).
pub fn type_field<'a>(f: &'a TypeField, rust_name: &'a str, holder: Holder) -> FieldRules<'a> {
    let scalar = |s: &'a Shape| match s {
        Shape::Scalar(t) => Some(t),
        _ => None,
    };
    let mut rules = constraint_rules(&f.constraints, scalar(&f.shape));
    match &f.shape {
        Shape::List(inner) => {
            let mut items = constraint_rules(&f.item_constraints, scalar(inner));
            if matches!(**inner, Shape::Named(_)) {
                items.push(Rule::Nested);
            }
            if !items.is_empty() {
                rules.push(Rule::Each(items));
            }
        }
        Shape::Named(_) => rules.push(Rule::Nested),
        Shape::Scalar(_) => {}
    }
    FieldRules { field: rust_name, wire: &f.wire_name, holder, rules, flatten: false }
}

/// How a request type holds field `f`: `Patch` if it can be cleared, `Option` if it may be absent.
pub fn holder(f: &TypeField) -> Holder {
    if f.clearable {
        Holder::Patch
    } else if f.optional && f.default.is_none() {
        Holder::Option
    } else {
        Holder::Plain
    }
}

/// How a draft holds field `f`: every field may be absent, except one with a default.
pub fn draft_holder(f: &TypeField) -> Holder {
    if f.default.is_some() {
        Holder::Plain
    } else if f.clearable {
        Holder::Patch
    } else {
        Holder::Option
    }
}

/// A path or query parameter's rules; a list parameter's constraints bound its items, except the counts.
pub fn param<'a>(p: &'a Param, rust_name: &'a str) -> FieldRules<'a> {
    let mut rules = constraint_rules(&p.constraints, Some(&p.ty));
    if p.list {
        let (counts, items): (Vec<Rule>, Vec<Rule>) =
            rules.into_iter().partition(|r| matches!(r, Rule::MinItems(_) | Rule::MaxItems(_)));
        rules = counts;
        if !items.is_empty() {
            rules.push(Rule::Each(items));
        }
    }
    let holder = if !p.list && p.optional && p.default.is_none() { Holder::Option } else { Holder::Plain };
    FieldRules { field: rust_name, wire: &p.wire_name, holder, rules, flatten: false }
}

/// The rules of one set of constraints on a value of type `scalar` (`None` for a list or a named type).
fn constraint_rules(c: &Constraints, scalar: Option<&ScalarType>) -> Vec<Rule> {
    let mut out = Vec::new();
    out.extend(c.min_length.map(Rule::MinLength));
    out.extend(c.max_length.map(Rule::MaxLength));
    let integers = match scalar {
        Some(ScalarType::Int) => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
        Some(ScalarType::BigInt) => Some((-9.0e15, 9.0e15)),
        _ => None,
    };
    out.extend(c.min.map(|v| Rule::Min(bound(v, integers, f64::ceil))));
    out.extend(c.max.map(|v| Rule::Max(bound(v, integers, f64::floor))));
    out.extend(c.min_items.map(Rule::MinItems));
    out.extend(c.max_items.map(Rule::MaxItems));
    if let Some(p) = &c.pattern {
        out.push(Rule::Pattern(p.clone()));
    }
    match c.format {
        Some(Format::Email) => out.push(Rule::Email),
        Some(Format::Url) => out.push(Rule::Url),
        Some(Format::Password) | None => {}
    }
    out
}

/// A bound of an integer field is the integer the bound admits (`min: 1.5` is `2`), within the values the
/// field can hold (`integers`; for `bigint`, the ±9·10^15 an `f64` bound holds exactly), so the literal
/// fits the field's type: a bound beyond them is one no value of the type crosses.
fn bound(v: f64, integers: Option<(f64, f64)>, round: fn(f64) -> f64) -> Bound {
    match integers {
        Some((lowest, highest)) => Bound::Int(round(v).clamp(lowest, highest) as i64),
        None => Bound::Float(v),
    }
}

/// `impl Validate for <name>`: every field's checks, in field order; an empty impl (the trait's default,
/// which checks nothing) for a type without any.
pub fn validate_impl(name: &Ident, fields: &[FieldRules<'_>]) -> Code {
    let mut body = String::new();
    for f in fields {
        field_checks(f, &mut body);
    }
    if body.is_empty() {
        return code!(impl ::charter_runtime::validate::Validate for #name {});
    }
    let mut checks = Code::new();
    checks.push_str(IMPORT);
    checks.push_str(&body);
    checks.push_str(" ");
    code! {
        impl ::charter_runtime::validate::Validate for #name {
            fn validate_into(&self, path: &mut ::charter_runtime::JsonPath, errors: &mut Vec<::charter_runtime::FieldError>) {
                #checks
            }
        }
    }
}
