//! `project.yaml`: what the whole API shares.

use crate::diag::Diagnostic;
use crate::ir::{AuthScheme, ErrorFormat, JsonCase, Placeholder, Project, Server, Template};
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::yaml::{Node, Value};

use super::reader::{get, key_span};
use super::{RawProject, Reader};

const PROJECT_KEYS: &[&str] = &["title", "version", "description", "servers", "json_case", "auth", "errors", "apps"];

pub fn parse_project(r: &mut Reader<'_>, node: &Node) -> RawProject {
    let mut project = Project {
        title: String::new(),
        version: String::new(),
        description: None,
        servers: Vec::new(),
        auth: None,
        errors: ErrorFormat::Problem,
        json_case: JsonCase::Snake,
        validation_status: 422,
        span: node.span,
    };
    let mut apps = None;
    let Some(entries) = r.map(node, "the project file", PROJECT_KEYS) else {
        return RawProject { project, apps };
    };
    let entries = &*entries;
    for key in ["title", "version"] {
        if get(entries, key).is_none() {
            r.error(
                Diagnostic::error(
                    "missing-key",
                    Span { end: node.span.start, ..node.span },
                    format!("the project file needs `{key}`"),
                )
                .label(format!("`{key}` is missing"))
                .help(format!("add `{key}: ...` at the top level")),
            );
        }
    }
    for e in entries {
        let v = &e.value;
        match e.key.as_str() {
            "title" => project.title = r.string(v).unwrap_or_default(),
            "version" => project.version = r.string(v).unwrap_or_default(),
            "description" => project.description = r.string(v),
            "servers" => project.servers = servers(r, v),
            "json_case" => match v.as_str() {
                Some("camel") | Some("camelCase") => project.json_case = JsonCase::Camel,
                Some("snake") | Some("snake_case") => project.json_case = JsonCase::Snake,
                _ => r.expected(v, "`camel` or `snake`"),
            },
            "auth" => project.auth = auth(r, v),
            "errors" => errors(r, v, &mut project),
            "apps" => apps = Some(r.names(v)),
            _ => {}
        }
    }
    RawProject { project, apps }
}

fn servers(r: &mut Reader<'_>, node: &Node) -> Vec<Server> {
    let Value::Seq(items) = &node.value else {
        r.expected(node, "a list of servers");
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        if let Some(url) = item.as_str() {
            out.push(Server { url: url.to_string(), description: None });
            continue;
        }
        let Some(entries) = r.map(item, "a server", &["url", "description"]) else { continue };
        let entries = &*entries;
        let url = match get(entries, "url") {
            Some(u) => r.string(u),
            None => {
                r.error(Diagnostic::error("missing-key", item.span, "a server needs `url`").label("no `url` here"));
                None
            }
        };
        let description = get(entries, "description").and_then(|d| r.string(d));
        if let Some(url) = url {
            out.push(Server { url, description });
        }
    }
    out
}

/// `app.Model.field`.
fn field_ref(r: &mut Reader<'_>, node: &Node) -> Option<crate::ir::FieldRef> {
    let text = r.string(node)?;
    match text.split('.').collect::<Vec<_>>().as_slice() {
        [app, model, field] if !app.is_empty() && !model.is_empty() && !field.is_empty() => Some(crate::ir::FieldRef {
            model: crate::ir::Ref { app: (*app).to_owned(), name: (*model).to_owned() },
            field: (*field).to_owned(),
            span: node.span,
        }),
        _ => {
            r.error(
                Diagnostic::error("bad-field-ref", node.span, format!("`{text}` is not `app.Model.field`"))
                    .label("expected a model field, such as `core.User.password_hash`"),
            );
            None
        }
    }
}

fn auth(r: &mut Reader<'_>, node: &Node) -> Option<AuthScheme> {
    // `auth: bearer` is the common case; the mapping form configures header and prefix.
    if let Some(s) = node.as_str() {
        if s == "bearer" {
            return Some(AuthScheme {
                name: "bearerAuth".into(),
                header: "Authorization".into(),
                prefix: "Bearer".into(),
                description: None,
                invalidated_by: None,
                span: node.span,
            });
        }
        r.expected(node, "`bearer` or a mapping with `header` and `prefix`");
        return None;
    }
    let entries = r.map(node, "`auth`", &["name", "header", "prefix", "description", "invalidated_by"])?;
    let entries = &*entries;
    let mut scheme = AuthScheme {
        name: "bearerAuth".into(),
        header: "Authorization".into(),
        prefix: "Bearer".into(),
        description: None,
        invalidated_by: None,
        span: node.span,
    };
    for e in entries {
        let v = &e.value;
        match e.key.as_str() {
            "name" => scheme.name = r.string(v).unwrap_or(scheme.name),
            "header" => scheme.header = r.string(v).unwrap_or(scheme.header),
            "prefix" => scheme.prefix = r.string(v).unwrap_or(scheme.prefix),
            "description" => scheme.description = r.string(v),
            "invalidated_by" => scheme.invalidated_by = field_ref(r, v),
            _ => {}
        }
    }
    if !scheme.name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) || scheme.name.is_empty() {
        r.error(
            Diagnostic::error(
                "bad-name",
                key_span(entries, "name", node.span),
                format!("invalid security scheme name `{}`", scheme.name),
            )
            .help("use letters, digits, `.`, `_` or `-`"),
        );
    }
    Some(scheme)
}

fn errors(r: &mut Reader<'_>, node: &Node, project: &mut Project) {
    let Some(entries) = r.map(node, "`errors`", &["format", "template", "content_type", "validation_status"]) else {
        return;
    };
    let entries = &*entries;
    let format = get(entries, "format").and_then(|f| r.string(f));
    let template = get(entries, "template");
    match format.as_deref() {
        None | Some("problem") => {
            if let Some(t) = template {
                r.error(
                    Diagnostic::error("unused-key", t.span, "`template` needs `format: custom`")
                        .label("ignored with the problem+json format")
                        .help("add `format: custom` to use this template"),
                );
            }
        }
        Some("custom") => match template {
            Some(t) => {
                let content_type =
                    get(entries, "content_type").and_then(|c| r.string(c)).unwrap_or_else(|| "application/json".into());
                let template = parse_template(r, t);
                project.errors = ErrorFormat::Custom { template, content_type };
            }
            None => r.error(
                Diagnostic::error("missing-key", node.span, "`format: custom` needs a `template`")
                    .help("for example `template: { errors: { body: $messages } }`"),
            ),
        },
        Some(other) => {
            let span = get(entries, "format").map(|f| f.span).unwrap_or(node.span);
            r.error(
                Diagnostic::error("unknown-value", span, format!("unknown error format `{other}`"))
                    .label("expected `problem` or `custom`")
                    .help_opt(did_you_mean(other, ["problem", "custom"]).map(|s| format!("did you mean `{s}`?"))),
            );
        }
    }
    if let Some(v) = get(entries, "validation_status")
        && let Some(status) = r.u64(v)
    {
        if (400..500).contains(&status) {
            project.validation_status = status as u16;
        } else {
            r.error(
                Diagnostic::error("bad-status", v.span, "`validation_status` must be a 4xx status")
                    .label(format!("{status} is not 4xx")),
            );
        }
    }
}

fn parse_template(r: &mut Reader<'_>, node: &Node) -> Template {
    match &node.value {
        Value::Null => Template::Null,
        Value::Map(entries) => {
            Template::Object(entries.iter().map(|e| (e.key.clone(), parse_template(r, &e.value))).collect())
        }
        Value::Seq(items) => Template::Array(items.iter().map(|n| parse_template(r, n)).collect()),
        Value::Scalar { text, quoted } => {
            if text.starts_with('$') {
                if let Some((_, p)) = Placeholder::ALL.iter().find(|(n, _)| n == text) {
                    return Template::Placeholder(*p);
                }
                let names = Placeholder::ALL.iter().map(|(n, _)| *n);
                r.error(
                    Diagnostic::error("unknown-placeholder", node.span, format!("unknown placeholder `{text}`"))
                        .label("not a placeholder")
                        .help_opt(did_you_mean(text, names).map(|s| format!("did you mean `{s}`?")))
                        .note("placeholders: $message, $messages, $code, $status, $fields"),
                );
                return Template::String(text.clone());
            }
            if !quoted {
                match text.as_str() {
                    "true" => return Template::Bool(true),
                    "false" => return Template::Bool(false),
                    _ => {}
                }
                if let Ok(n) = text.parse::<f64>() {
                    return Template::Number(n);
                }
            }
            Template::String(text.clone())
        }
    }
}
