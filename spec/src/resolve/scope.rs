//! Which names exist in which app, and which apps each app may see (the decoupling rule: an app sees
//! itself, `core`, and the apps in its `depends_on`).

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::ir::{JsonCase, Project, Ref};
use crate::parse::{Name, RawApp};
use crate::source::Span;
use crate::suggest::did_you_mean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Model,
    Type,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Type => "type",
        }
    }
}

#[derive(Default)]
struct AppScope {
    visible: BTreeSet<String>,
    models: BTreeMap<String, Span>,
    types: BTreeMap<String, Span>,
}

pub struct Scope {
    apps: BTreeMap<String, AppScope>,
    pub json_case: JsonCase,
    pub has_auth: bool,
}

impl Scope {
    pub fn new(raw_apps: &[RawApp], project: &Project, diags: &mut Vec<Diagnostic>) -> Scope {
        let mut apps = BTreeMap::new();
        for app in raw_apps {
            let mut s = AppScope::default();
            s.visible.insert(app.name.text.clone());
            s.visible.insert("core".to_string());
            s.visible.extend(app.depends_on.iter().map(|d| d.text.clone()));
            for m in &app.models {
                declare(&mut s.models, &m.name, Kind::Model, diags);
            }
            for t in &app.types {
                declare(&mut s.types, &t.name, Kind::Type, diags);
            }
            apps.insert(app.name.text.clone(), s);
        }
        Scope { apps, json_case: project.json_case, has_auth: project.auth.is_some() }
    }

    pub fn has_type(&self, app: &str, name: &str) -> bool {
        self.apps.get(app).is_some_and(|a| a.types.contains_key(name))
    }

    /// Resolves `Name` or `app.Name` as seen from `from_app`, reporting what is wrong and what was meant.
    pub fn resolve(&self, from_app: &str, name: &Name, kind: Kind, diags: &mut Vec<Diagnostic>) -> Option<Ref> {
        let (app, local) = match name.text.split_once('.') {
            Some((a, n)) => (a, n),
            None => (from_app, name.text.as_str()),
        };
        let Some(target) = self.apps.get(app) else {
            let names = self.apps.keys().map(String::as_str);
            diags.push(
                Diagnostic::error("unknown-app", name.span, format!("no app named `{app}` (in `{}`)", name.text))
                    .label("unknown app")
                    .help_opt(did_you_mean(app, names).map(|s| format!("did you mean `{s}.{local}`?"))),
            );
            return None;
        };
        let table = match kind {
            Kind::Model => &target.models,
            Kind::Type => &target.types,
        };
        if !table.contains_key(local) {
            diags.push(self.unknown(from_app, app, local, name, kind));
            return None;
        }
        let visible = self.apps.get(from_app).is_some_and(|s| s.visible.contains(app));
        if !visible {
            diags.push(
                Diagnostic::error(
                    "decoupling",
                    name.span,
                    format!("app `{from_app}` cannot use `{}`: `{app}` is not in its `depends_on`", name.text),
                )
                .label(format!("`{app}` is not visible from `{from_app}`"))
                .help(format!("add `depends_on: [{app}]` to app `{from_app}`, or move `{local}` into `core`"))
                .note("an app sees itself, `core`, and the apps it lists in `depends_on`"),
            );
            return None;
        }
        Some(Ref { app: app.to_string(), name: local.to_string() })
    }

    fn unknown(&self, from_app: &str, app: &str, local: &str, name: &Name, kind: Kind) -> Diagnostic {
        let target = &self.apps[app];
        let (same, other) = match kind {
            Kind::Model => (&target.models, &target.types),
            Kind::Type => (&target.types, &target.models),
        };
        let mut d =
            Diagnostic::error("unknown-reference", name.span, format!("unknown {} `{}`", kind.noun(), name.text))
                .label(format!("no {} named `{local}` in app `{app}`", kind.noun()));
        if let Some(s) = did_you_mean(local, same.keys().map(String::as_str)) {
            let q = if app == from_app { s.to_string() } else { format!("{app}.{s}") };
            return d.help(format!("did you mean `{q}`?"));
        }
        if other.contains_key(local) {
            d = d.help(match kind {
                Kind::Type => format!("`{local}` is a model; derive a type from it with `from: {local}` and `pick`"),
                Kind::Model => format!("`{local}` is a type, not a model"),
            });
            return d;
        }
        // Unqualified name that lives in another visible app.
        if !name.text.contains('.') {
            for (other_app, s) in &self.apps {
                let table = match kind {
                    Kind::Model => &s.models,
                    Kind::Type => &s.types,
                };
                if other_app != app && table.contains_key(local) {
                    return d.help(format!("did you mean `{other_app}.{local}`?"));
                }
            }
        }
        d
    }
}

fn declare(table: &mut BTreeMap<String, Span>, name: &Name, kind: Kind, diags: &mut Vec<Diagnostic>) {
    if !super::is_pascal_ident(&name.text) {
        diags.push(
            Diagnostic::error(
                "bad-name",
                name.span,
                format!("{} name `{}` must be PascalCase", kind.noun(), name.text),
            )
            .label("not a PascalCase identifier")
            .help_opt(Some(format!("for example `{}`", crate::pascal_case(&name.text)))),
        );
    }
    if let Some(first) = table.get(&name.text) {
        diags.push(
            Diagnostic::error(
                "duplicate-name",
                name.span,
                format!("{} `{}` is declared twice", kind.noun(), name.text),
            )
            .label("declared again here")
            .related(*first, "first declared here"),
        );
    } else {
        table.insert(name.text.clone(), name.span);
    }
}
