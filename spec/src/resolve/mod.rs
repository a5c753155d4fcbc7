//! Pass two: names and references resolved, types derived, cross-file rules checked.

mod app_files;
mod endpoints;
mod literal;
mod models;
mod relations;
mod scope;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diagnostic, end_stage};
use crate::ir::{App, Spec};
use crate::parse::{Name, RawApp, RawProject};
use crate::source::{SourceMap, Span};
use crate::suggest::did_you_mean;

pub use models::MAX_IDENT_LEN;
pub use scope::Scope;

pub fn resolve(
    raw: RawProject,
    raw_apps: Vec<RawApp>,
    diags: &mut Vec<Diagnostic>,
    stage: &mut usize,
    sources: &SourceMap,
) -> Option<Spec> {
    let second = app_files::second_declarations(&raw_apps, sources);
    if !second.is_empty() {
        diags.extend(second);
        return None;
    }
    let raw_apps = merge_and_order(raw_apps, raw.apps.as_deref(), &raw.project.span, diags);
    let scope = Scope::new(&raw_apps, &raw.project, diags);
    end_stage(diags, stage);
    let keys = models::model_keys(&raw_apps);
    let mut apps: Vec<App> = raw_apps
        .iter()
        .map(|a| App {
            name: a.name.text.clone(),
            description: a.description.clone(),
            depends_on: a.depends_on.iter().map(|d| d.text.clone()).collect(),
            models: Vec::new(),
            types: Vec::new(),
            endpoints: Vec::new(),
            span: a.name.span,
        })
        .collect();
    for (app, raw_app) in apps.iter_mut().zip(&raw_apps) {
        app.models = models::resolve_models(&scope, raw_app, &keys, diags);
    }
    end_stage(diags, stage);
    relations::resolve_lists(&mut apps, &raw_apps, diags);
    end_stage(diags, stage);
    // Types may refer to models of other apps (`from: core.User`), so all models exist before any type.
    let all_models: Vec<_> =
        apps.iter().flat_map(|a| a.models.iter().map(move |m| (a.name.clone(), m.clone()))).collect();
    for (app, raw_app) in apps.iter_mut().zip(&raw_apps) {
        app.types = types::resolve_types(&scope, raw_app, &all_models, diags);
    }
    end_stage(diags, stage);
    let mut seen_endpoints = BTreeMap::new();
    let mut seen_routes = BTreeMap::new();
    for (app, raw_app) in apps.iter_mut().zip(&raw_apps) {
        let mut synthesized = Vec::new();
        app.endpoints = endpoints::resolve_endpoints(
            &scope,
            raw_app,
            &mut synthesized,
            &mut seen_endpoints,
            &mut seen_routes,
            diags,
        );
        app.types.extend(synthesized);
    }
    end_stage(diags, stage);
    check_generated_names(&apps, diags);
    types::check_recursion(&apps, diags);
    relations::check_related(&apps, diags);
    check_tables(&apps, diags);
    check_invalidated_by(&raw.project, &apps, diags);
    Some(Spec { project: raw.project, apps, sources: SourceMap::default() })
}

/// Files of the same app are merged; apps come out in dependency order (`core` first), which every
/// emitter relies on (SQL foreign keys, Rust module order).
fn merge_and_order(
    raw_apps: Vec<RawApp>,
    listed: Option<&[Name]>,
    project_span: &crate::source::Span,
    diags: &mut Vec<Diagnostic>,
) -> Vec<RawApp> {
    let mut merged: BTreeMap<String, RawApp> = BTreeMap::new();
    for app in raw_apps {
        if is_rust_keyword(&app.name.text) {
            diags.push(
                Diagnostic::error(
                    "reserved-name",
                    app.name.span,
                    format!("app name `{}` is a Rust keyword", app.name.text),
                )
                .label("reserved")
                .help("app names become Rust modules; pick another name"),
            );
        } else if !is_snake_ident(&app.name.text) {
            diags.push(
                Diagnostic::error(
                    "bad-name",
                    app.name.span,
                    format!("app name `{}` must be snake_case", app.name.text),
                )
                .label("not a snake_case identifier")
                .help("use lowercase letters, digits and `_`, starting with a letter"),
            );
        }
        match merged.get_mut(&app.name.text) {
            Some(existing) => {
                existing.models.extend(app.models);
                existing.types.extend(app.types);
                existing.endpoints.extend(app.endpoints);
                existing.depends_on.extend(app.depends_on);
                if existing.description.is_none() {
                    existing.description = app.description;
                }
            }
            None => {
                merged.insert(app.name.text.clone(), app);
            }
        }
    }
    if let Some(listed) = listed {
        let names: Vec<&str> = merged.keys().map(String::as_str).collect();
        for n in listed {
            if !merged.contains_key(&n.text) {
                diags.push(
                    Diagnostic::error("unknown-app", n.span, format!("no app named `{}`", n.text))
                        .label("listed in `apps` but no file declares it")
                        .help_opt(did_you_mean(&n.text, names.iter().copied()).map(|s| format!("did you mean `{s}`?"))),
                );
            }
        }
        for app in merged.values() {
            if !listed.iter().any(|n| n.text == app.name.text) {
                diags.push(
                    Diagnostic::error(
                        "unlisted-app",
                        app.name.span,
                        format!("app `{}` is not listed in the project's `apps`", app.name.text),
                    )
                    .label("declared here")
                    .related(*project_span, "the project file")
                    .help(format!("add `{}` to `apps` in project.yaml", app.name.text)),
                );
            }
        }
    }
    // Depth-first topological order; `core` first among equals, then by name.
    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    let mut roots: Vec<String> = merged.keys().cloned().collect();
    roots.sort_by_key(|n| (n != "core", n.clone()));
    for root in roots {
        visit(&root, &merged, &mut done, &mut order, diags);
    }
    order.into_iter().filter_map(|n| merged.remove(&n)).collect()
}

/// Depth first from `name`, with its own stack rather than recursion: a chain of dependent apps is as
/// long as the spec makes it, and a thread's stack is not.
fn visit(
    name: &str,
    apps: &BTreeMap<String, RawApp>,
    done: &mut BTreeSet<String>,
    order: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    struct Frame<'a> {
        name: &'a str,
        deps: Vec<&'a Name>,
        next: usize,
    }
    let enter = |name: &str, done: &BTreeSet<String>| {
        if done.contains(name) {
            return None;
        }
        let (name, app) = apps.get_key_value(name)?;
        let mut deps: Vec<&Name> = app.depends_on.iter().collect();
        deps.sort_by(|a, b| a.text.cmp(&b.text));
        Some(Frame { name: name.as_str(), deps, next: 0 })
    };
    // The apps being visited, outermost first; each frame below the top is at the `depends_on` entry
    // that led to the frame above it (`deps[next - 1]`).
    let mut stack: Vec<Frame<'_>> = Vec::new();
    if let Some(frame) = enter(name, done) {
        stack.push(frame);
    }
    while let Some(top) = stack.last_mut() {
        let Some(dep) = top.deps.get(top.next).copied() else {
            let frame = stack.pop().expect("the top frame");
            done.insert(frame.name.to_string());
            order.push(frame.name.to_string());
            continue;
        };
        top.next += 1;
        let current = top.name;
        let ancestors = &stack[..stack.len() - 1];
        let in_cycle =
            ancestors.iter().position(|f| f.name == dep.text).or((dep.text == current).then_some(ancestors.len()));
        if let Some(i) = in_cycle {
            let members: Vec<(String, Option<Span>)> = ancestors[i..]
                .iter()
                .map(|f| (f.name.to_string(), f.next.checked_sub(1).and_then(|k| f.deps.get(k)).map(|d| d.span)))
                .collect();
            diags.push(cycle(&members, current, dep));
            continue;
        }
        if !apps.contains_key(&dep.text) {
            let names = apps.keys().map(String::as_str);
            diags.push(
                Diagnostic::error("unknown-app", dep.span, format!("no app named `{}`", dep.text))
                    .label("unknown dependency")
                    .help_opt(did_you_mean(&dep.text, names).map(|s| format!("did you mean `{s}`?"))),
            );
            continue;
        }
        if let Some(frame) = enter(&dep.text, done) {
            stack.push(frame);
        }
    }
}

/// A cycle names only its members (not the apps that led to it) and shows every `depends_on` entry in
/// it: each is as much to blame as the one the walk happened to reach last.
fn cycle(members: &[(String, Option<Span>)], last: &str, closing: &Name) -> Diagnostic {
    if members.is_empty() {
        return Diagnostic::error("dependency-cycle", closing.span, format!("app `{last}` depends on itself"))
            .label("its own name")
            .help("remove it from `depends_on`; an app always sees itself");
    }
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).chain([last, closing.text.as_str()]).collect();
    let mut d = Diagnostic::error(
        "dependency-cycle",
        closing.span,
        format!("apps depend on each other: {}", names.join(" -> ")),
    )
    .label(format!("`{last}` depends on `{}`", closing.text));
    for (i, (from, span)) in members.iter().enumerate() {
        if let Some(span) = span {
            d = d.related(*span, format!("`{from}` depends on `{}`", names[i + 1]));
        }
    }
    d.help("remove one of these dependencies: move what both need into `core` or a third app")
}

/// Endpoints generate items (`<E>`, `<E>Input`, `<E>Output`, `<E>Error`) in their app's module, next to its
/// types: a shared name would not compile, so it is an error here, with both places shown.
/// Names the generated code uses from Rust's prelude, unqualified (`Option<String>`, `Ok(..)`): an item
/// of the same name in a generated module would shadow them.
const PRELUDE_NAMES: [&str; 9] = ["Option", "Some", "None", "Result", "Ok", "Err", "String", "Vec", "Box"];

fn check_prelude_name(name: &str, span: crate::source::Span, what: &str, diags: &mut Vec<Diagnostic>) {
    if PRELUDE_NAMES.contains(&name) {
        let message = if what.ends_with(&format!("`{name}`")) {
            format!("{what} has the name of Rust's own `{name}`")
        } else {
            format!("{what} is named `{name}`, like Rust's own `{name}`")
        };
        diags.push(
            Diagnostic::error("reserved-name", span, message)
                .label("reserved")
                .help(format!("rename it to something more specific; generated code needs Rust's own `{name}` here")),
        );
    }
}

fn check_generated_names(apps: &[App], diags: &mut Vec<Diagnostic>) {
    for app in apps {
        for m in &app.models {
            check_prelude_name(&m.name, m.span, &format!("model `{}`", m.name), diags);
            check_prelude_name(
                &charter_names::insert_type(&m.name),
                m.span,
                &format!("the insert type of model `{}`", m.name),
                diags,
            );
            check_prelude_name(
                &charter_names::filter_type(&m.name),
                m.span,
                &format!("the filter of model `{}`", m.name),
                diags,
            );
        }
        let mut names: BTreeMap<String, (crate::source::Span, String)> = BTreeMap::new();
        let mut claim = |name: String, span: crate::source::Span, what: String, diags: &mut Vec<Diagnostic>| {
            check_prelude_name(&name, span, &what, diags);
            if let Some((first, first_what)) = names.get(&name) {
                diags.push(
                    Diagnostic::error("name-clash", span, format!("{what} is named `{name}`, like {first_what}"))
                        .label(format!("generates `{name}`"))
                        .related(*first, format!("{first_what} is here"))
                        .help("rename one of them; both become Rust items in the same module"),
                );
            } else {
                names.insert(name, (span, what));
            }
        };
        for t in &app.types {
            claim(t.name.clone(), t.span, format!("type `{}`", t.name), diags);
        }
        for e in &app.endpoints {
            for (name, item) in charter_names::HookNames::of(&e.name).items() {
                claim(name.to_owned(), e.span, format!("the {item} of endpoint `{}`", e.name), diags);
            }
        }
    }
}

/// Every table, join tables included, has its own name.
/// `auth.invalidated_by` names a field of a model whose primary key is the token's subject.
fn check_invalidated_by(project: &crate::ir::Project, apps: &[App], diags: &mut Vec<Diagnostic>) {
    let Some(by) = project.auth.as_ref().and_then(|a| a.invalidated_by.as_ref()) else { return };
    let model =
        apps.iter().find(|a| a.name == by.model.app).and_then(|a| a.models.iter().find(|m| m.name == by.model.name));
    let Some(model) = model else {
        let names: Vec<String> =
            apps.iter().flat_map(|a| a.models.iter().map(move |m| format!("{}.{}", a.name, m.name))).collect();
        let wanted = format!("{}.{}", by.model.app, by.model.name);
        diags.push(
            Diagnostic::error("unknown-model", by.span, format!("no model `{wanted}`"))
                .label("in `auth.invalidated_by`")
                .help_opt(
                    did_you_mean(&wanted, names.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?")),
                ),
        );
        return;
    };
    if model.field(&by.field).is_none() {
        let names = model.fields.iter().map(|f| f.name.as_str());
        diags.push(
            Diagnostic::error("unknown-field", by.span, format!("model `{}` has no field `{}`", model.name, by.field))
                .label("in `auth.invalidated_by`")
                .help_opt(did_you_mean(&by.field, names).map(|s| format!("did you mean `{s}`?"))),
        );
    }
}

fn check_tables(apps: &[App], diags: &mut Vec<Diagnostic>) {
    let mut tables: BTreeMap<&str, crate::source::Span> = BTreeMap::new();
    for m in apps.iter().flat_map(|a| &a.models) {
        let owned = std::iter::once((m.table.as_str(), m.span))
            .chain(m.many_to_many.iter().map(|r| (r.join_table.as_str(), r.span)));
        for (table, span) in owned {
            if let Some(first) = tables.get(table) {
                diags.push(
                    Diagnostic::error("duplicate-table", span, format!("table `{table}` is used twice"))
                        .label("this table")
                        .related(*first, "already used here")
                        .help("set a distinct `table:` on one of the models"),
                );
            } else {
                tables.insert(table, span);
            }
        }
    }
}

pub fn is_snake_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

pub fn is_pascal_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Rust keywords that cannot be field or method names without `r#`.
pub fn is_rust_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}
