//! The use-case file of one endpoint as `charter scaffold` first writes it: the exact impl the generated
//! trait asks for, with a `todo!()` body and a comment listing what the input holds and which errors the
//! spec allows, so nobody copies a signature out of a compiler error.

use charter_spec::{App, AuthRequirement, Endpoint, Spec};

use charter_names::HookNames;

/// The file's text (`src/<app>/<endpoint>.rs` by the conventional layout; `App` is the crate's `App`).
pub fn use_case_file(spec: &Spec, app: &App, e: &Endpoint) -> String {
    let n = HookNames::of(&e.name);
    let mut out = format!("//! `{} {}`", e.method.upper(), e.path);
    if let Some(summary) = &e.summary {
        out.push_str(&format!(": {summary}"));
    }
    out.push_str(&format!(" ({}).\n", spec.location(e.span)));
    out.push_str(&format!("\nuse crate::api::{}::prelude::*;\n\n", app.name));
    let mut holds = Vec::new();
    match e.auth {
        AuthRequirement::Required => holds.push("`caller: Caller`".to_owned()),
        AuthRequirement::Optional => holds.push("`caller: Option<Caller>`".to_owned()),
        AuthRequirement::None => {}
    }
    holds.extend(e.path_params.iter().chain(&e.query).map(|p| format!("`{}`", p.name)));
    if let Some(body) = &e.body {
        holds.push(format!("`body: {}`", body.name));
    }
    let errors: Vec<String> = e
        .errors
        .iter()
        .map(|k| {
            // Every variant carries the client's message, except `Validation`: the failing fields.
            let carries = if *k == charter_spec::ErrorKind::Validation { "field_errors" } else { "message" };
            format!("`{}::{}({carries})` ({})", n.error, k.variant(), spec.project.status_of(*k))
        })
        .collect();
    out.push_str(&format!(
        "// `input` holds {}.\n// Errors: {}; `?` on a `DbError` gives the declared error that fits (a missing row, a duplicate), \
         else 500 (503 when the database is unavailable).\n",
        if holds.is_empty() { "nothing".to_owned() } else { holds.join(", ") },
        if errors.is_empty() { "none declared".to_owned() } else { errors.join(", ") },
    ));
    out.push_str(&format!(
        "#[use_case]\nimpl {} for crate::App {{\n    {} {{\n        let _ = (ctx, input);\n        \
         todo!(\"the use case of `{}`\")\n    }}\n}}\n",
        n.trait_name,
        n.signature(),
        n.method,
    ));
    out
}
