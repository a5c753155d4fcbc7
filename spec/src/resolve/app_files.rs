//! Which files make one app. Files that declare the same `app:` are merged (an app may span files), unless
//! the second one is plainly another declaration of the app: a copy, or another app's file whose `app:` is a
//! typo. Merged, those give a cascade of "declared twice" errors, or a `core -> core` cycle; reported here
//! as what they are, once, and nothing is resolved after them.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::parse::RawApp;
use crate::source::SourceMap;

pub fn second_declarations(apps: &[RawApp], sources: &SourceMap) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<&str, Vec<&RawApp>> = BTreeMap::new();
    for app in apps {
        groups.entry(&app.name.text).or_default().push(app);
    }
    let mut diags = Vec::new();
    for files in groups.values().filter(|f| f.len() > 1) {
        // A file that lists its own app in `depends_on` is the odd one out, wherever it sorts.
        let (odd, mut kept): (Vec<&RawApp>, Vec<&RawApp>) = files.iter().partition(|a| depends_on_itself(a));
        for app in &odd {
            let original = kept.first().or(odd.iter().find(|o| !std::ptr::eq(**o, *app))).copied();
            let why = format!(
                "this file lists `{}` in its own `depends_on`, so it is meant to be another app",
                app.name.text
            );
            if let Some(original) = original {
                diags.push(declared_twice(app, original, why, sources, apps));
            }
        }
        let mut earlier: Vec<&RawApp> = Vec::new();
        for app in kept.drain(..) {
            match why_not_a_part(app, &earlier) {
                Some(why) => diags.push(declared_twice(app, earlier[0], why, sources, apps)),
                None => earlier.push(app),
            }
        }
    }
    diags
}

fn depends_on_itself(app: &RawApp) -> bool {
    app.depends_on.iter().any(|d| d.text == app.name.text)
}

fn declared_twice(app: &RawApp, original: &RawApp, why: String, sources: &SourceMap, apps: &[RawApp]) -> Diagnostic {
    let path = |a: &RawApp| sources.path(a.name.span.file).display().to_string();
    let d = Diagnostic::error(
        "duplicate-app",
        app.name.span,
        format!(
            "app `{}` is declared twice: `{}` declares it, already declared in `{}`",
            app.name.text,
            path(app),
            path(original)
        ),
    )
    .label("declared again here")
    .related(original.name.span, "first declared here")
    .note(why);
    match own_app_name(app, sources, apps) {
        Some(name) => d.help(format!("if this file is another app, name it: `app: {name}`")),
        None => d.help("remove the copy, or give this file its own `app:` name"),
    }
}

fn why_not_a_part(app: &RawApp, earlier: &[&RawApp]) -> Option<String> {
    // Models, types and endpoints are separate namespaces (a type is often named after its model), so
    // a name counts as declared again only within its own kind.
    let mut again: Vec<&str> = Vec::new();
    for kind in [model_names as fn(&RawApp) -> Vec<&str>, type_names, endpoint_names] {
        again.extend(kind(app).into_iter().filter(|n| earlier.iter().any(|e| kind(e).contains(n))));
    }
    let (shown, more) = again.split_at(again.len().min(3));
    let shown: Vec<String> = shown.iter().map(|n| format!("`{n}`")).collect();
    let more = if more.is_empty() { String::new() } else { format!(" and {} more", more.len()) };
    (!again.is_empty()).then(|| {
        format!(
            "both files declare {}{more}; files of one app are merged only when they declare different things",
            shown.join(", ")
        )
    })
}

fn model_names(app: &RawApp) -> Vec<&str> {
    app.models.iter().map(|m| m.name.text.as_str()).collect()
}

fn type_names(app: &RawApp) -> Vec<&str> {
    app.types.iter().map(|t| t.name.text.as_str()).collect()
}

fn endpoint_names(app: &RawApp) -> Vec<&str> {
    app.endpoints.iter().map(|e| e.name.text.as_str()).collect()
}

/// The file's name, when it would make a fresh app name (`spec/blog.yaml` -> `blog`).
fn own_app_name<'a>(app: &RawApp, sources: &'a SourceMap, apps: &[RawApp]) -> Option<&'a str> {
    let stem = sources.path(app.name.span.file).file_stem()?.to_str()?;
    (super::is_snake_ident(stem) && !apps.iter().any(|a| a.name.text == stem)).then_some(stem)
}
