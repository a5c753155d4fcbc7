//! Validation rules as data, and the one place that turns them into Rust: calls of
//! `charter_runtime::validate::rules`, written as source text.
//!
//! Two producers fill in the rules: the generator, from a spec's constraints, and `#[derive(Validate)]`,
//! from `#[validate(...)]` attributes on a user's own type. Both print them with [`field_checks`], so a
//! rule means the same in generated code and in a derive. The output is text, not a token stream: the
//! generator writes text (building token trees cost it most of its time on large specs), and the derive
//! parses the few lines it gets.

use std::fmt::Write;

/// One constraint on a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Characters, at least / at most.
    MinLength(u64),
    MaxLength(u64),
    /// Inclusive numeric bounds.
    Min(Bound),
    Max(Bound),
    /// Items of a list, at least / at most.
    MinItems(u64),
    MaxItems(u64),
    /// A regex-lite pattern, matched anywhere unless anchored.
    Pattern(String),
    Email,
    Url,
    /// Rules for every item of a list, each reported at its index.
    Each(Vec<Rule>),
    /// The value's own `Validate`.
    Nested,
}

/// A numeric bound as it is written in the check.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// For an integer value.
    Int(i64),
    /// For a floating-point value.
    Float(f64),
    /// A literal as a user wrote it in an attribute, for a value of a type the derive cannot see: cast
    /// to it (`0` bounds an `f64` field too).
    Written(String),
}

/// How a field holds the value its rules check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The value itself.
    Plain,
    /// `Option<T>`: checked when present.
    Option,
    /// `charter_runtime::Patch<T>`: checked when it sets a value.
    Patch,
}

/// A field and its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRules<'a> {
    /// The Rust field name (`r#type` for a keyword).
    pub field: &'a str,
    /// Its name in error paths (the wire name).
    pub wire: &'a str,
    pub holder: Holder,
    pub rules: Vec<Rule>,
    /// With [`Rule::Nested`] only: the nested value's fields report at this level of the path.
    pub flatten: bool,
}

/// The first statement of a `validate_into` body with checks: the checks name `rules::...`.
pub const IMPORT: &str = "use ::charter_runtime::validate::rules;";

const RULES: &str = "rules";

/// Appends the checks of one field, as statements of a `validate_into(&self, path, errors)` body that
/// starts with [`IMPORT`]. Writes nothing for a field without rules.
pub fn field_checks(f: &FieldRules<'_>, out: &mut String) {
    if f.rules.is_empty() {
        return;
    }
    // `Option`/`Patch` hold the value the rules see; `Nested` alone goes to the holder's own `Validate`.
    let through_holder = f.rules.iter().all(|r| matches!(r, Rule::Nested));
    let field = f.field;
    let bind = match f.holder {
        Holder::Plain => format!("let value = &self.{field};"),
        Holder::Option if through_holder => format!("let value = &self.{field};"),
        Holder::Patch if through_holder => format!("let value = &self.{field};"),
        Holder::Option => format!("if let ::std::option::Option::Some(value) = &self.{field}"),
        Holder::Patch => format!("if let ::std::option::Option::Some(value) = self.{field}.value()"),
    };
    if !f.flatten {
        let _ = write!(out, "path.push_field({:?});", f.wire);
    }
    // `let` needs a block of its own (the next field binds `value` again); `if let` has one.
    match bind.strip_prefix("if ") {
        Some(_) => out.push_str(&format!("{bind}{{")),
        None => out.push_str(&format!("{{{bind}")),
    }
    rule_checks(&f.rules, out);
    out.push('}');
    if !f.flatten {
        out.push_str("path.pop();");
    }
}

/// The checks of `rules` on `value` (a reference to the checked value), as statements.
fn rule_checks(rules: &[Rule], out: &mut String) {
    for rule in rules {
        match rule {
            Rule::MinLength(n) => call(out, "min_length", "value", &n.to_string()),
            Rule::MaxLength(n) => call(out, "max_length", "value", &n.to_string()),
            Rule::Min(b) => call(out, "min", "*value", &bound(b)),
            Rule::Max(b) => call(out, "max", "*value", &bound(b)),
            Rule::MinItems(n) => call(out, "min_items", "value", &n.to_string()),
            Rule::MaxItems(n) => call(out, "max_items", "value", &n.to_string()),
            // A block per pattern: a field may have several, each with its own `static`.
            Rule::Pattern(p) => {
                let _ = write!(
                    out,
                    "{{ static PATTERN: {RULES}::Pattern = {RULES}::Pattern::new({p:?}); \
                     {RULES}::pattern(value, &PATTERN, path, errors); }}"
                );
            }
            Rule::Email => call(out, "email", "value", ""),
            Rule::Url => call(out, "url", "value", ""),
            Rule::Nested => out.push_str("::charter_runtime::validate::Validate::validate_into(value, path, errors);"),
            Rule::Each(inner) => {
                out.push_str("for (index, value) in value.iter().enumerate() { path.push_index(index);");
                rule_checks(inner, out);
                out.push_str("path.pop(); }");
            }
        }
    }
}

fn call(out: &mut String, rule: &str, value: &str, args: &str) {
    let args = if args.is_empty() { String::new() } else { format!("{args}, ") };
    let _ = write!(out, "{RULES}::{rule}({value}, {args}path, errors);");
}

fn bound(b: &Bound) -> String {
    match b {
        Bound::Int(i) => i.to_string(),
        // A fraction or an exponent keeps the literal a float: `1.0`, `1e16`.
        Bound::Float(f) => {
            let text = format!("{f:?}");
            if text.contains(['.', 'e', 'E']) { text } else { format!("{text}.0") }
        }
        Bound::Written(text) => format!("{text} as _"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(holder: Holder, rules: Vec<Rule>) -> String {
        let mut out = String::new();
        field_checks(&FieldRules { field: "title", wire: "Title", holder, rules, flatten: false }, &mut out);
        out
    }

    #[test]
    fn rules_become_runtime_calls_without_suffixes() {
        let out = checks(Holder::Plain, vec![Rule::MaxLength(255)]);
        assert_eq!(
            out,
            "path.push_field(\"Title\");{let value = &self.title;\
             rules::max_length(value, 255, path, errors);}path.pop();"
        );
        let out = checks(Holder::Option, vec![Rule::Min(Bound::Float(1.0)), Rule::Max(Bound::Int(5))]);
        assert!(out.contains("if let ::std::option::Option::Some(value) = &self.title{"), "{out}");
        assert!(out.contains("rules::min(*value, 1.0, path, errors);rules::max(*value, 5, path, errors);"), "{out}");
    }

    #[test]
    fn nested_alone_sees_the_holder() {
        let out = checks(Holder::Option, vec![Rule::Nested]);
        assert!(out.contains("let value = &self.title;"), "{out}");
        assert!(checks(Holder::Plain, vec![]).is_empty());
    }
}
