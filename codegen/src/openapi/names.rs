//! Component names for types and the error envelope (the rule is in the module docs of `openapi`).

use std::collections::{BTreeMap, BTreeSet};

use charter_spec::{ErrorFormat, Ref, Spec};

/// The app the error envelope is named as if it belonged to.
const ENVELOPE_APP: &str = "charter";

pub(crate) struct Names {
    types: BTreeMap<Ref, String>,
    envelope: String,
}

impl Names {
    pub(crate) fn new(spec: &Spec) -> Names {
        let envelope_name = match spec.project.errors {
            ErrorFormat::Problem => "Problem",
            ErrorFormat::Custom { .. } => "ErrorEnvelope",
        };
        let envelope_ref = Ref { app: ENVELOPE_APP.to_string(), name: envelope_name.to_string() };

        // Spec order, envelope last: the suffix fallback favours user types.
        let mut all: Vec<Ref> = spec
            .apps
            .iter()
            .flat_map(|app| app.types.iter().map(|t| Ref { app: app.name.clone(), name: t.name.clone() }))
            .collect();
        all.push(envelope_ref.clone());

        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &all {
            *count.entry(r.name.as_str()).or_default() += 1;
        }

        let mut taken = BTreeSet::new();
        let mut types = BTreeMap::new();
        for r in &all {
            let wanted = if count.get(r.name.as_str()).copied().unwrap_or(0) > 1 {
                format!("{}.{}", r.app, r.name)
            } else {
                r.name.clone()
            };
            let name = unique(sanitize(&wanted), &mut taken);
            // A duplicate type inside one app is a resolver error; keep the first so refs stay stable.
            types.entry(r.clone()).or_insert(name);
        }
        let envelope = types.remove(&envelope_ref).unwrap_or_else(|| envelope_name.to_string());
        Names { types, envelope }
    }

    /// The component name of a type; a ref the resolver did not vouch for still gets a stable name.
    pub(crate) fn type_name(&self, r: &Ref) -> String {
        self.types.get(r).cloned().unwrap_or_else(|| sanitize(&format!("{}.{}", r.app, r.name)))
    }

    pub(crate) fn type_ref(&self, r: &Ref) -> String {
        schema_ref(&self.type_name(r))
    }

    pub(crate) fn envelope_name(&self) -> &str {
        &self.envelope
    }

    pub(crate) fn envelope_ref(&self) -> String {
        schema_ref(&self.envelope)
    }
}

pub(crate) fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

pub(crate) fn response_ref(name: &str) -> String {
    format!("#/components/responses/{name}")
}

/// OpenAPI component keys must match `^[a-zA-Z0-9._-]+$`.
fn sanitize(name: &str) -> String {
    let out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    if out.is_empty() { "_".to_string() } else { out }
}

fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    if taken.insert(name.clone()) {
        return name;
    }
    let mut n = 2usize;
    loop {
        let candidate = format!("{name}_{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_allowed_characters() {
        assert_eq!(sanitize("core.User-2_x"), "core.User-2_x");
        assert_eq!(sanitize("Ünïcode Name"), "_n_code_Name");
        assert_eq!(sanitize(""), "_");
    }

    #[test]
    fn unique_appends_a_counter() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique("A".into(), &mut taken), "A");
        assert_eq!(unique("A".into(), &mut taken), "A_2");
        assert_eq!(unique("A".into(), &mut taken), "A_3");
    }
}
