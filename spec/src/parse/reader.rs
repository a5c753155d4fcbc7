//! Typed reads from YAML nodes that report, rather than stop at, every mismatch.

use std::borrow::Cow;

use crate::diag::Diagnostic;
use crate::ir::{Constraints, Format};
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::yaml::{Entry, Node, Value};

use super::Name;

pub struct Reader<'d> {
    pub diags: &'d mut Vec<Diagnostic>,
}

/// The keys every constraint-carrying node accepts.
pub const CONSTRAINT_KEYS: &[&str] =
    &["min_length", "max_length", "min", "max", "pattern", "format", "min_items", "max_items"];

impl Reader<'_> {
    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The node's entries if it is a mapping; reports keys not in `allowed` (with a suggestion). A misspelled
    /// key with a clear suggestion is then read as the key it was meant to be, so one typo (`modles:`) is one
    /// error, not also "model `User` not found" everywhere `User` is used.
    pub fn map<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&str]) -> Option<Cow<'n, [Entry]>> {
        match &node.value {
            Value::Map(entries) => Some(self.check_keys(entries, what, allowed)),
            _ => {
                self.expected(node, &format!("a mapping for {what}"));
                None
            }
        }
    }

    /// The node's entries if it is a mapping, with no key check (maps of user-chosen names).
    pub fn named_map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            Value::Null => Some(&[]),
            _ => {
                self.expected(node, &format!("a mapping of {what}"));
                None
            }
        }
    }

    fn check_keys<'n>(&mut self, entries: &'n [Entry], what: &str, allowed: &[&str]) -> Cow<'n, [Entry]> {
        let mut recovered = Cow::Borrowed(entries);
        for (i, e) in entries.iter().enumerate() {
            if allowed.contains(&e.key.as_str()) {
                continue;
            }
            let suggestion = did_you_mean(&e.key, allowed.iter().copied());
            let help = suggestion
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("{what} accepts: {}", allowed.join(", ")));
            self.error(
                Diagnostic::error("unknown-key", e.key_span, format!("unknown key `{}` in {what}", e.key))
                    .label("not a known key")
                    .help(help),
            );
            if let Some(s) = suggestion
                && !recovered.iter().any(|x| x.key == s)
            {
                recovered.to_mut()[i].key = s.to_string();
            }
        }
        recovered
    }

    pub fn expected(&mut self, node: &Node, expected: &str) {
        let found = match &node.value {
            Value::Scalar { text, .. } => format!("`{text}`"),
            _ => node.kind().to_string(),
        };
        self.error(
            Diagnostic::error("wrong-kind", node.span, format!("expected {expected}, found {found}"))
                .label(format!("expected {expected}")),
        );
    }

    pub fn string(&mut self, node: &Node) -> Option<String> {
        match &node.value {
            Value::Scalar { text, .. } => Some(text.clone()),
            _ => {
                self.expected(node, "a string");
                None
            }
        }
    }

    pub fn name(&mut self, node: &Node) -> Option<Name> {
        self.string(node).map(|text| Name { text, span: node.span })
    }

    pub fn bool(&mut self, node: &Node) -> Option<bool> {
        match node.as_str() {
            Some("true") if !node.is_quoted() => Some(true),
            Some("false") if !node.is_quoted() => Some(false),
            _ => {
                self.expected(node, "`true` or `false`");
                None
            }
        }
    }

    pub fn u64(&mut self, node: &Node) -> Option<u64> {
        match node.as_str().filter(|_| !node.is_quoted()).and_then(|s| s.parse::<u64>().ok()) {
            Some(n) => Some(n),
            None => {
                self.expected(node, "a non-negative integer");
                None
            }
        }
    }

    pub fn f64(&mut self, node: &Node) -> Option<f64> {
        match node.as_str().filter(|_| !node.is_quoted()).and_then(|s| s.parse::<f64>().ok()).filter(|f| f.is_finite())
        {
            Some(n) => Some(n),
            None => {
                self.expected(node, "a number");
                None
            }
        }
    }

    /// A list of names; a single scalar is accepted as a one-element list.
    pub fn names(&mut self, node: &Node) -> Vec<Name> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|n| self.name(n)).collect(),
            Value::Scalar { .. } => self.name(node).into_iter().collect(),
            Value::Null => Vec::new(),
            Value::Map(_) => {
                self.expected(node, "a list of names");
                Vec::new()
            }
        }
    }

    pub fn strings(&mut self, node: &Node) -> Vec<String> {
        self.names(node).into_iter().map(|n| n.text).collect()
    }

    /// Reads the constraint keys present in `entries` (other keys are the caller's business).
    pub fn constraints(&mut self, entries: &[Entry]) -> Constraints {
        let mut c = Constraints::default();
        for e in entries {
            let v = &e.value;
            match e.key.as_str() {
                "min_length" => c.min_length = self.u64(v),
                "max_length" => c.max_length = self.u64(v),
                "min" => c.min = self.f64(v),
                "max" => c.max = self.f64(v),
                "min_items" => c.min_items = self.u64(v),
                "max_items" => c.max_items = self.u64(v),
                "pattern" => {
                    if let Some(p) = self.string(v) {
                        if let Some(problem) = pattern_problem(&p) {
                            self.error(
                                Diagnostic::error("bad-pattern", v.span, format!("invalid pattern: {problem}"))
                                    .label("this regular expression does not parse"),
                            );
                        }
                        c.pattern = Some(p);
                    }
                }
                "format" => {
                    const FORMATS: &[(&str, Format)] =
                        &[("email", Format::Email), ("url", Format::Url), ("password", Format::Password)];
                    if let Some(s) = self.string(v) {
                        match FORMATS.iter().find(|(n, _)| *n == s) {
                            Some((_, f)) => c.format = Some(*f),
                            None => {
                                let names = FORMATS.iter().map(|(n, _)| *n);
                                let help = did_you_mean(&s, names.clone())
                                    .map(|x| format!("did you mean `{x}`?"))
                                    .unwrap_or_else(|| {
                                        format!("known formats: {}", names.collect::<Vec<_>>().join(", "))
                                    });
                                self.error(
                                    Diagnostic::error("unknown-format", v.span, format!("unknown format `{s}`"))
                                        .label("not a known format")
                                        .help(help),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        check_bounds(self, &c, entries);
        c
    }
}

fn check_bounds(r: &mut Reader<'_>, c: &Constraints, entries: &[Entry]) {
    let span_of = |key: &str| entries.iter().find(|e| e.key == key).map(|e| e.value.span).unwrap_or_default();
    let pairs: [(&str, &str, Option<f64>, Option<f64>); 3] = [
        ("min_length", "max_length", c.min_length.map(|v| v as f64), c.max_length.map(|v| v as f64)),
        ("min", "max", c.min, c.max),
        ("min_items", "max_items", c.min_items.map(|v| v as f64), c.max_items.map(|v| v as f64)),
    ];
    for (lo_key, hi_key, lo, hi) in pairs {
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            r.error(
                Diagnostic::error("empty-range", span_of(hi_key), format!("`{hi_key}` is less than `{lo_key}`"))
                    .label(format!("`{hi_key}` is {hi}"))
                    .related(span_of(lo_key), format!("`{lo_key}` is {lo}"))
                    .help("no value can satisfy both bounds"),
            );
        }
    }
}

/// The runtime compiles patterns with regex-lite; compiling here reports a bad one at spec time instead.
fn pattern_problem(p: &str) -> Option<String> {
    regex_lite::Regex::new(p).err().map(|e| e.to_string().lines().last().unwrap_or("invalid").trim().to_string())
}

/// Span of the value under `key`, or of the whole node.
pub fn key_span(entries: &[Entry], key: &str, fallback: Span) -> Span {
    entries.iter().find(|e| e.key == key).map(|e| e.key_span).unwrap_or(fallback)
}

pub fn get<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Node> {
    entries.iter().find(|e| e.key == key).map(|e| &e.value)
}
