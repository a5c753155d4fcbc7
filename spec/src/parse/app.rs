//! An app file: `app`, `depends_on`, `models`, `types`, `endpoints`.

use crate::diag::Diagnostic;
use crate::ir::{AuthRequirement, ErrorKind, Method, OnDelete};
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::yaml::{Entry, Node, Value};

use super::reader::{CONSTRAINT_KEYS, get};
use super::types::{body, fields};
use super::{
    Name, RawApp, RawEndpoint, RawFilter, RawIndex, RawModel, RawModelField, RawModelFieldKind, RawPrimaryKey,
    RawResponse, RawType, Reader,
};

const APP_KEYS: &[&str] = &["app", "description", "depends_on", "models", "types", "endpoints"];

pub fn parse_app(r: &mut Reader<'_>, node: &Node) -> Option<RawApp> {
    let entries = r.map(node, "an app file", APP_KEYS)?;
    let entries = &*entries;
    let name = match get(entries, "app") {
        Some(n) => r.name(n)?,
        None => {
            r.error(
                Diagnostic::error(
                    "missing-key",
                    Span { end: node.span.start, ..node.span },
                    "an app file needs `app: <name>`",
                )
                .label("`app` is missing")
                .help("add `app: <name>` at the top of the file"),
            );
            return None;
        }
    };
    let mut app = RawApp {
        name,
        description: get(entries, "description").and_then(|d| r.string(d)),
        depends_on: get(entries, "depends_on").map(|d| r.names(d)).unwrap_or_default(),
        models: Vec::new(),
        types: Vec::new(),
        endpoints: Vec::new(),
    };
    if let Some(models) = get(entries, "models").and_then(|m| r.named_map(m, "models")) {
        app.models = models.iter().filter_map(|e| model(r, e)).collect();
    }
    if let Some(types) = get(entries, "types").and_then(|t| r.named_map(t, "types")) {
        app.types = types.iter().filter_map(|e| type_def(r, e)).collect();
    }
    if let Some(endpoints) = get(entries, "endpoints").and_then(|t| r.named_map(t, "endpoints")) {
        app.endpoints = endpoints.iter().filter_map(|e| endpoint(r, e)).collect();
    }
    Some(app)
}

fn entry_name(e: &Entry) -> Name {
    Name { text: e.key.clone(), span: e.key_span }
}

const MODEL_KEYS: &[&str] = &[
    "table",
    "description",
    "mixins",
    "primary_key",
    "fields",
    "indexes",
    "unique_together",
    "renamed_from",
    "ordering",
    "filters",
];

fn model(r: &mut Reader<'_>, e: &Entry) -> Option<RawModel> {
    let entries = r.map(&e.value, "a model", MODEL_KEYS)?;
    let entries = &*entries;
    let mut m = RawModel {
        name: entry_name(e),
        table: get(entries, "table").and_then(|t| r.string(t)),
        description: get(entries, "description").and_then(|d| r.string(d)),
        mixins: get(entries, "mixins").map(|m| r.names(m)).unwrap_or_default(),
        primary_key: None,
        fields: Vec::new(),
        indexes: Vec::new(),
        renamed_from: get(entries, "renamed_from").and_then(|n| r.name(n)),
        ordering: get(entries, "ordering").map(|o| r.names(o)).unwrap_or_default(),
        filters: Vec::new(),
    };
    if let Some(filters) = get(entries, "filters").and_then(|f| r.named_map(f, "filters")) {
        for fe in filters {
            let name = entry_name(fe);
            if fe.value.as_str().is_some() {
                let path = r.name(&fe.value);
                m.filters.push(RawFilter { name, path, field_in: None });
            } else if let Some(fentries) = r.map(&fe.value, "a filter", &["field", "in"]) {
                let fentries = &*fentries;
                match (get(fentries, "field").and_then(|v| r.name(v)), get(fentries, "in").and_then(|v| r.name(v))) {
                    (Some(field), Some(rel)) => {
                        m.filters.push(RawFilter { name, path: None, field_in: Some((field, rel)) })
                    }
                    _ => r.error(
                        crate::diag::Diagnostic::error(
                            "missing-key",
                            fe.key_span,
                            "a filter mapping needs `field` and `in`",
                        )
                        .help("for example `feed: { field: author, in: following }`"),
                    ),
                }
            }
        }
    }
    if let Some(pk) = get(entries, "primary_key")
        && let Some(pk_entries) = r.map(pk, "`primary_key`", &["name", "type"])
    {
        let pk_entries = &*pk_entries;
        let name = get(pk_entries, "name").and_then(|n| r.name(n)).unwrap_or(Name { text: "id".into(), span: pk.span });
        let ty =
            get(pk_entries, "type").and_then(|n| r.name(n)).unwrap_or(Name { text: "bigint".into(), span: pk.span });
        m.primary_key = Some(RawPrimaryKey { name, ty });
    }
    match get(entries, "fields").and_then(|f| r.named_map(f, "fields")) {
        Some(fields) => m.fields = fields.iter().filter_map(|f| model_field(r, f)).collect(),
        None if get(entries, "fields").is_none() => r.error(
            Diagnostic::error("missing-key", e.key_span, format!("model `{}` has no `fields`", e.key))
                .label("declared here")
                .help("add `fields:` with at least one field"),
        ),
        None => {}
    }
    for (key, unique) in [("indexes", false), ("unique_together", true)] {
        if let Some(list) = get(entries, key) {
            match &list.value {
                Value::Seq(items) => {
                    for item in items {
                        m.indexes.push(RawIndex { columns: r.names(item), unique, span: item.span });
                    }
                }
                _ => r.expected(list, "a list of column lists, e.g. `[[author, created_at]]`"),
            }
        }
    }
    Some(m)
}

const FIELD_KEYS: &[&str] = &[
    "type",
    "values",
    "optional",
    "default",
    "unique",
    "index",
    "description",
    "belongs_to",
    "on_delete",
    "many_to_many",
    "renamed_from",
    "backfill",
];

fn model_field(r: &mut Reader<'_>, e: &Entry) -> Option<RawModelField> {
    let name = entry_name(e);
    let mut f = RawModelField {
        name,
        kind: RawModelFieldKind::Column { ty: Name { text: String::new(), span: e.value.span }, values: Vec::new() },
        optional: false,
        default: None,
        unique: false,
        unique_case_insensitive: None,
        index: false,
        constraints: Default::default(),
        description: None,
        renamed_from: None,
        backfill: None,
    };
    // `title: string` is shorthand for `title: { type: string }`.
    if let Some(ty) = e.value.as_str() {
        f.kind = RawModelFieldKind::Column { ty: Name { text: ty.into(), span: e.value.span }, values: Vec::new() };
        return Some(f);
    }
    let allowed: Vec<&str> = FIELD_KEYS.iter().chain(CONSTRAINT_KEYS).copied().collect();
    let entries = r.map(&e.value, "a model field", &allowed)?;
    let entries = &*entries;
    let heads: Vec<&str> =
        ["type", "belongs_to", "many_to_many"].into_iter().filter(|k| get(entries, k).is_some()).collect();
    f.kind = match heads.as_slice() {
        ["type"] => RawModelFieldKind::Column {
            ty: r.name(get(entries, "type")?)?,
            values: get(entries, "values").map(|v| r.strings(v)).unwrap_or_default(),
        },
        ["belongs_to"] => {
            let on_delete = match get(entries, "on_delete") {
                None => OnDelete::Restrict,
                Some(v) => on_delete(r, v).unwrap_or(OnDelete::Restrict),
            };
            RawModelFieldKind::BelongsTo { target: r.name(get(entries, "belongs_to")?)?, on_delete }
        }
        ["many_to_many"] => RawModelFieldKind::ManyToMany { target: r.name(get(entries, "many_to_many")?)? },
        [] => {
            r.error(
                Diagnostic::error(
                    "missing-key",
                    e.value.span,
                    format!("field `{}` needs `type`, `belongs_to` or `many_to_many`", e.key),
                )
                .label("no type here")
                .help("for example `{ type: string, max_length: 255 }`"),
            );
            return None;
        }
        _ => {
            r.error(
                Diagnostic::error(
                    "conflicting-keys",
                    e.value.span,
                    format!("field `{}` has both {}", e.key, heads.join(" and ")),
                )
                .label("pick one"),
            );
            return None;
        }
    };
    if let Some(v) = get(entries, "on_delete")
        && !matches!(f.kind, RawModelFieldKind::BelongsTo { .. })
    {
        r.error(Diagnostic::error("unused-key", v.span, "`on_delete` needs `belongs_to`").label("ignored"));
    }
    f.optional = get(entries, "optional").and_then(|v| r.bool(v)).unwrap_or(false);
    if let Some(v) = get(entries, "unique") {
        (f.unique, f.unique_case_insensitive) = unique(r, v);
    }
    f.index = get(entries, "index").and_then(|v| r.bool(v)).unwrap_or(false);
    f.default = get(entries, "default").cloned();
    f.description = get(entries, "description").and_then(|v| r.string(v));
    f.renamed_from = get(entries, "renamed_from").and_then(|v| r.name(v));
    f.backfill = get(entries, "backfill").cloned();
    f.constraints = r.constraints(entries);
    Some(f)
}

/// `unique: true | false | case_insensitive`: whether the field is unique, and where it was said to be
/// unique ignoring case.
fn unique(r: &mut Reader<'_>, node: &Node) -> (bool, Option<Span>) {
    const CASE_INSENSITIVE: &str = "case_insensitive";
    match node.as_str() {
        // Quoted, they are strings: `bool` says so.
        Some("true" | "false") => (r.bool(node).unwrap_or(false), None),
        Some(CASE_INSENSITIVE) => (true, Some(node.span)),
        Some(s) => {
            r.error(
                Diagnostic::error("unknown-value", node.span, format!("unknown `unique` value `{s}`"))
                    .label("expected true, false or case_insensitive")
                    .help_opt(
                        did_you_mean(s, ["true", "false", CASE_INSENSITIVE]).map(|x| format!("did you mean `{x}`?")),
                    ),
            );
            (false, None)
        }
        None => {
            r.expected(node, "`true`, `false` or `case_insensitive`");
            (false, None)
        }
    }
}

fn on_delete(r: &mut Reader<'_>, node: &Node) -> Option<OnDelete> {
    const OPTIONS: &[(&str, OnDelete)] = &[
        ("cascade", OnDelete::Cascade),
        ("restrict", OnDelete::Restrict),
        ("set_null", OnDelete::SetNull),
        ("no_action", OnDelete::NoAction),
    ];
    let s = r.string(node)?;
    if let Some((_, v)) = OPTIONS.iter().find(|(n, _)| *n == s) {
        return Some(*v);
    }
    let names = OPTIONS.iter().map(|(n, _)| *n);
    r.error(
        Diagnostic::error("unknown-value", node.span, format!("unknown `on_delete` action `{s}`"))
            .label("expected cascade, restrict, set_null or no_action")
            .help_opt(did_you_mean(&s, names).map(|x| format!("did you mean `{x}`?"))),
    );
    None
}

const TYPE_KEYS: &[&str] = &["description", "from", "pick", "omit", "partial", "add", "fields"];

fn type_def(r: &mut Reader<'_>, e: &Entry) -> Option<RawType> {
    let entries = r.map(&e.value, "a type", TYPE_KEYS)?;
    let entries = &*entries;
    // Checked on what was written: a field that fails to resolve does not also make its type "empty".
    let declares = |key| {
        get(entries, key).is_some_and(|n| match &n.value {
            Value::Null => false,
            Value::Map(m) => !m.is_empty(),
            _ => true,
        })
    };
    if !declares("from") && !declares("fields") && !declares("add") {
        r.error(
            Diagnostic::error("empty-type", e.key_span, format!("type `{}` has no fields", e.key))
                .label("declared here")
                .help("add `fields:`, or derive it with `from: <Model>` and `pick`"),
        );
    }
    Some(RawType {
        name: entry_name(e),
        description: get(entries, "description").and_then(|d| r.string(d)),
        from: get(entries, "from").and_then(|f| r.name(f)),
        pick: get(entries, "pick").map(|p| r.names(p)),
        omit: get(entries, "omit").map(|p| r.names(p)),
        partial: get(entries, "partial").and_then(|p| r.bool(p)).unwrap_or(false),
        add: get(entries, "add").map(|a| fields(r, a)).unwrap_or_default(),
        fields: get(entries, "fields").map(|a| fields(r, a)).unwrap_or_default(),
    })
}

const ENDPOINT_KEYS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "summary",
    "description",
    "tags",
    "auth",
    "rate_limit",
    "path",
    "query",
    "body",
    "responses",
    "errors",
];

/// `rate_limit: 10/minute` (or `/second`, `/hour`, `/day`): requests per window, per client address.
fn rate_limit(r: &mut Reader<'_>, node: &Node) -> Option<crate::ir::RateLimit> {
    let text = r.string(node)?;
    const UNITS: [(&str, u32); 4] = [("second", 1), ("minute", 60), ("hour", 3600), ("day", 86_400)];
    let parsed = text.split_once('/').and_then(|(n, unit)| {
        let requests = n.trim().parse::<u32>().ok().filter(|n| *n > 0)?;
        let window_seconds = UNITS.iter().find(|(u, _)| *u == unit.trim())?.1;
        Some(crate::ir::RateLimit { requests, window_seconds })
    });
    if parsed.is_none() {
        let unit = text.split_once('/').map(|(_, u)| u.trim().to_owned()).unwrap_or_default();
        r.error(
            Diagnostic::error("bad-rate-limit", node.span, format!("`{text}` is not a rate limit"))
                .label("expected requests per unit, such as `10/minute`")
                .help(match did_you_mean(&unit, UNITS.iter().map(|(u, _)| *u)) {
                    Some(u) if !unit.is_empty() => format!("did you mean `/{u}`?"),
                    _ => {
                        "a whole number of requests (at least 1), `/`, and one of second, minute, hour, day".to_owned()
                    }
                }),
        );
    }
    parsed
}

fn endpoint(r: &mut Reader<'_>, e: &Entry) -> Option<RawEndpoint> {
    let entries = r.map(&e.value, "an endpoint", ENDPOINT_KEYS)?;
    let entries = &*entries;
    let methods: Vec<(Method, &Entry)> =
        entries.iter().filter_map(|en| Method::ALL.iter().find(|(n, _)| *n == en.key).map(|(_, m)| (*m, en))).collect();
    let (method, path) = match methods.as_slice() {
        [(m, en)] => (*m, r.name(&en.value)?),
        [] => {
            r.error(
                Diagnostic::error("missing-key", e.key_span, format!("endpoint `{}` has no method and path", e.key))
                    .label("declared here")
                    .help(
                        "add one of `get:`, `post:`, `put:`, `patch:`, `delete:` with its path, e.g. `get: /api/tags`",
                    ),
            );
            return None;
        }
        [_, (_, second), ..] => {
            r.error(
                Diagnostic::error(
                    "conflicting-keys",
                    second.key_span,
                    format!("endpoint `{}` has more than one method", e.key),
                )
                .label("second method")
                .help("declare one endpoint per method and path"),
            );
            return None;
        }
    };
    let auth = get(entries, "auth").and_then(|a| {
        let s = r.string(a)?;
        let v = match s.as_str() {
            "none" => AuthRequirement::None,
            "optional" => AuthRequirement::Optional,
            "required" => AuthRequirement::Required,
            _ => {
                r.error(
                    Diagnostic::error("unknown-value", a.span, format!("unknown auth requirement `{s}`"))
                        .label("expected none, optional or required")
                        .help_opt(
                            did_you_mean(&s, ["none", "optional", "required"]).map(|x| format!("did you mean `{x}`?")),
                        ),
                );
                return None;
            }
        };
        Some((v, a.span))
    });
    let mut responses = Vec::new();
    if let Some(resp) = get(entries, "responses").and_then(|n| r.named_map(n, "responses")) {
        for re in resp {
            match re.key.parse::<u16>() {
                Ok(status) if (100..600).contains(&status) => {
                    responses.push(RawResponse { status, body: body(r, &re.value), span: re.key_span })
                }
                _ => r.error(
                    Diagnostic::error("bad-status", re.key_span, format!("`{}` is not an HTTP status", re.key))
                        .label("expected a status such as 200 or 201"),
                ),
            }
        }
    }
    let mut errors = Vec::new();
    if let Some(list) = get(entries, "errors") {
        for n in r.names(list) {
            match ErrorKind::ALL.iter().find(|k| k.code() == n.text) {
                Some(k) => errors.push((*k, n.span)),
                None => {
                    let codes = ErrorKind::ALL.iter().map(|k| k.code());
                    r.error(
                        Diagnostic::error("unknown-error", n.span, format!("unknown error `{}`", n.text))
                            .label("not in the error catalog")
                            .help(match did_you_mean(&n.text, codes.clone()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("known errors: {}", codes.collect::<Vec<_>>().join(", ")),
                            }),
                    );
                }
            }
        }
    }
    Some(RawEndpoint {
        name: entry_name(e),
        method,
        path,
        summary: get(entries, "summary").and_then(|v| r.string(v)),
        description: get(entries, "description").and_then(|v| r.string(v)),
        tags: get(entries, "tags").map(|v| r.strings(v)).unwrap_or_default(),
        auth,
        rate_limit: get(entries, "rate_limit").and_then(|v| rate_limit(r, v)),
        path_params: get(entries, "path").map(|v| fields(r, v)).unwrap_or_default(),
        query: get(entries, "query").map(|v| fields(r, v)).unwrap_or_default(),
        // Located at the `body` key: a block body's value starts at its first field, which reads as a field.
        body: entries.iter().find(|e| e.key == "body").map(|e| (body(r, &e.value), e.key_span)),
        responses,
        errors,
    })
}
