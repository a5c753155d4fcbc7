//! Endpoints: routes, parameters, bodies, responses, errors, auth.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::ir::{AuthRequirement, Endpoint, ErrorKind, Method, Param, Ref, Response, Shape, TypeDef, TypeOrigin};
use crate::parse::{Name, RawApp, RawBody, RawEndpoint, RawTypeField, RawTypeKind};
use crate::pascal_case;
use crate::source::Span;
use crate::suggest::did_you_mean;

use super::is_snake_ident;
use super::literal::default_for;
use super::models::check_constraints;
use super::scope::{Kind, Scope};
use super::types::{Cx, field_list, shape, wire};

pub fn resolve_endpoints(
    scope: &Scope,
    app: &RawApp,
    synthesized: &mut Vec<TypeDef>,
    seen_names: &mut BTreeMap<String, Span>,
    seen_routes: &mut BTreeMap<(Method, String), Span>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for e in &app.endpoints {
        let mut cx = Cx { scope, app: &app.name.text, synthesized, diags };
        if let Some(ep) = endpoint(&mut cx, app, e, seen_names, seen_routes) {
            out.push(ep);
        }
    }
    out
}

fn endpoint(
    cx: &mut Cx<'_>,
    app: &RawApp,
    e: &RawEndpoint,
    seen_names: &mut BTreeMap<String, Span>,
    seen_routes: &mut BTreeMap<(Method, String), Span>,
) -> Option<Endpoint> {
    let name = &e.name.text;
    check_endpoint_name(cx, &e.name);
    let duplicate = register_name(cx, &e.name, seen_names);
    let segments = path_segments(cx, &e.path)?;
    // A copied endpoint also repeats its route; "declared twice" already says what to fix.
    if !duplicate {
        register_route(cx, e, &segments, seen_routes);
    }
    check_path_params(cx, e, &segments);
    let path_params = params(cx, name, &e.path_params, true);
    let query = params(cx, name, &e.query, false);
    check_param_names(cx, &path_params, &query);
    let pascal = pascal_case(name);
    let body = request_body(cx, e, &pascal);
    let responses = responses(cx, e, &pascal, &query);
    let auth = auth(cx, e);
    let errors = errors(cx, e);
    let tags = if e.tags.is_empty() { vec![app.name.text.clone()] } else { e.tags.clone() };
    Some(Endpoint {
        name: name.clone(),
        method: e.method,
        path: e.path.text.clone(),
        path_params,
        query,
        body,
        responses,
        errors,
        auth,
        rate_limit: e.rate_limit,
        summary: e.summary.clone(),
        description: e.description.clone(),
        tags,
        span: e.name.span,
    })
}

fn check_endpoint_name(cx: &mut Cx<'_>, name: &Name) {
    let text = &name.text;
    if !is_snake_ident(text) {
        cx.diags.push(
            Diagnostic::error("bad-name", name.span, format!("endpoint name `{text}` must be snake_case"))
                .label("the name is the hook, the operationId and the file name")
                .help(format!("for example `{}`", crate::snake_case(text))),
        );
    } else if super::is_rust_keyword(text) {
        cx.diags.push(
            Diagnostic::error("reserved-name", name.span, format!("endpoint name `{text}` is a Rust keyword"))
                .label("reserved"),
        );
    }
}

/// Records the endpoint's name; true (and reported) when another endpoint already has it.
fn register_name(cx: &mut Cx<'_>, name: &Name, seen_names: &mut BTreeMap<String, Span>) -> bool {
    let Some(&first) = seen_names.get(&name.text) else {
        seen_names.insert(name.text.clone(), name.span);
        return false;
    };
    cx.diags.push(
        Diagnostic::error("duplicate-endpoint", name.span, format!("endpoint `{}` is declared twice", name.text))
            .label("declared again here")
            .related(first, "first declared here")
            .note("endpoint names are unique across the project: each is a hook and an operationId"),
    );
    true
}

/// Records the endpoint's route, reporting it when another endpoint already answers it; parameter names
/// do not matter (`/a/{id}` and `/a/{slug}` are one route).
fn register_route(
    cx: &mut Cx<'_>,
    e: &RawEndpoint,
    segments: &[String],
    seen_routes: &mut BTreeMap<(Method, String), Span>,
) {
    let route_key: String = segments
        .iter()
        .map(|s| if s.starts_with('{') { "{}".to_string() } else { s.clone() })
        .collect::<Vec<_>>()
        .join("/");
    match seen_routes.get(&(e.method, route_key.clone())) {
        Some(first) => cx.diags.push(
            Diagnostic::error(
                "duplicate-route",
                e.path.span,
                format!("`{} {}` is already routed", e.method.upper(), e.path.text),
            )
            .label("same method and path as another endpoint")
            .related(*first, "first routed here"),
        ),
        None => {
            seen_routes.insert((e.method, route_key), e.path.span);
        }
    }
}

/// The path's `{placeholders}` and the declared path parameters must match one to one.
fn check_path_params(cx: &mut Cx<'_>, e: &RawEndpoint, segments: &[String]) {
    let placeholders: Vec<&str> =
        segments.iter().filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
    let undeclared: Vec<&str> =
        placeholders.iter().copied().filter(|p| !e.path_params.iter().any(|d| d.name.text == *p)).collect();
    // A misspelled declaration (`ids` for `{id}`) is one mistake: one error, pointing at both.
    let mut explained = Vec::new();
    for d in &e.path_params {
        if placeholders.contains(&d.name.text.as_str()) {
            continue;
        }
        let diag = Diagnostic::error(
            "unused-path-param",
            d.name.span,
            format!("path parameter `{}` is not in the path `{}`", d.name.text, e.path.text),
        )
        .label("declared but not used");
        cx.diags.push(
            match did_you_mean(&d.name.text, undeclared.iter().copied().filter(|p| !explained.contains(p))) {
                Some(p) => {
                    explained.push(p);
                    diag.related(placeholder_span(&e.path, p), format!("the path has `{{{p}}}`"))
                        .help(format!("did you mean `{p}`?"))
                }
                None => diag.help(format!("add `{{{}}}` to the path or remove the declaration", d.name.text)),
            },
        );
    }
    for p in undeclared.into_iter().filter(|p| !explained.contains(p)) {
        cx.diags.push(
            Diagnostic::error(
                "undeclared-path-param",
                placeholder_span(&e.path, p),
                format!("path parameter `{p}` is not declared"),
            )
            .label("used here")
            .help(format!("add `path: {{ {p}: string }}` to endpoint `{}`", e.name.text)),
        );
    }
}

fn params(cx: &mut Cx<'_>, endpoint: &str, list: &[RawTypeField], in_path: bool) -> Vec<Param> {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for p in list {
        if super::models::check_field_name(&p.name, &mut seen, cx.diags)
            && let Some(prm) = param(cx, endpoint, p, !in_path, in_path)
        {
            out.push(prm);
        }
    }
    out
}

fn request_body(cx: &mut Cx<'_>, e: &RawEndpoint, pascal: &str) -> Option<Ref> {
    let (raw, span) = e.body.as_ref()?;
    if e.method == Method::Get || e.method == Method::Delete {
        cx.diags.push(
            Diagnostic::error("body-not-allowed", *span, format!("a `{}` request has no body", e.method.upper()))
                .label("body declared here")
                .help("use `query:` parameters instead"),
        );
    }
    body_ref(cx, raw, &format!("{pascal}Body"), TypeOrigin::EndpointBody, *span)
}

/// The success responses; error statuses belong under `errors`, so they are reported, not kept.
fn responses(cx: &mut Cx<'_>, e: &RawEndpoint, pascal: &str, query: &[Param]) -> Vec<Response> {
    let success: Vec<_> = e.responses.iter().filter(|r| (200..300).contains(&r.status)).collect();
    for r in e.responses.iter().filter(|r| !(200..300).contains(&r.status)) {
        cx.diags.push(
            Diagnostic::error(
                "error-response",
                r.span,
                format!("status {} is an error; list errors under `errors`", r.status),
            )
            .label("not a success status")
            .help("for example `errors: [not_found, conflict]`; their bodies use the project's error envelope"),
        );
    }
    if success.is_empty() {
        cx.diags.push(
            Diagnostic::error(
                "no-success-response",
                e.name.span,
                format!("endpoint `{}` has no success response", e.name.text),
            )
            .label("declared here")
            .help("add `responses: { 200: { ... } }` (or `204: empty`)"),
        );
    }
    let mut responses = Vec::new();
    for r in &success {
        // With several success statuses, each body type needs its own name.
        let type_name =
            if success.len() == 1 { format!("{pascal}Response") } else { format!("{pascal}Response{}", r.status) };
        let body = body_ref(cx, &r.body, &type_name, TypeOrigin::EndpointResponse, r.span);
        if r.status == 204 && body.is_some() {
            cx.diags.push(
                Diagnostic::error("body-not-allowed", r.span, "a 204 response has no body").label("body declared here"),
            );
        }
        if body.is_some() && matches!(r.body, RawBody::Fields(_)) {
            check_bounded_lists(cx, &e.name.text, query);
        }
        responses.push(Response { status: r.status, body, description: None, span: r.span });
    }
    responses
}

fn auth(cx: &mut Cx<'_>, e: &RawEndpoint) -> AuthRequirement {
    let Some((a, span)) = e.auth else { return AuthRequirement::None };
    if a != AuthRequirement::None && !cx.scope.has_auth {
        cx.diags.push(
            Diagnostic::error("no-auth-scheme", span, "this endpoint needs auth but the project has no `auth` scheme")
                .label("auth requested here")
                .help("add `auth: bearer` (or a mapping with `header` and `prefix`) to project.yaml"),
        );
    }
    a
}

/// The listed error kinds, once each and sorted.
fn errors(cx: &mut Cx<'_>, e: &RawEndpoint) -> Vec<ErrorKind> {
    let mut errors = Vec::new();
    for (i, (kind, span)) in e.errors.iter().enumerate() {
        if e.errors[..i].iter().any(|(k, _)| k == kind) {
            cx.diags.push(
                Diagnostic::error("duplicate-name", *span, format!("error `{}` is listed twice", kind.code()))
                    .label("listed again here"),
            );
        } else {
            errors.push(*kind);
        }
    }
    errors.sort();
    errors
}

/// A list in a response grows with the data behind it, and with it the response's size and the
/// server's memory (2,000 comments of 10 KB made a 20 MB answer). So every list field of an inline
/// response must say how long it may get, by `max_items` (which the generated serializer enforces), or
/// the endpoint must be paged: a page-size query parameter (`limit`, `per_page` or `page_size`) with a
/// `max`.
/// The names of a page-size query parameter.
const PAGE_SIZES: [&str; 3] = ["limit", "per_page", "page_size"];

fn check_bounded_lists(cx: &mut Cx<'_>, endpoint: &str, query: &[Param]) {
    let paged = query.iter().any(|p| PAGE_SIZES.contains(&p.name.as_str()) && p.constraints.max.is_some());
    if paged {
        return;
    }
    let Some(shape) = cx.synthesized.last() else { return };
    let unbounded: Vec<(String, Span)> = shape
        .fields
        .iter()
        .filter(|f| matches!(f.shape, Shape::List(_)) && f.constraints.max_items.is_none())
        .map(|f| (f.name.clone(), f.span))
        .collect();
    for (field, span) in unbounded {
        cx.diags.push(
            Diagnostic::error(
                "unbounded-list",
                span,
                format!("the list `{field}` in the response of `{endpoint}` has no bound"),
            )
            .label("may grow with the data")
            .help("give it `max_items: N` (longer lists are cut to N when the response is written), or page the endpoint with a `limit` (or `per_page`, `page_size`) query parameter that has a `max`"),
        );
    }
}

/// The `{param}` inside a path's span, when the path is written plain or simply quoted; else the whole path.
fn placeholder_span(path: &Name, param: &str) -> Span {
    let needle = format!("{{{param}}}");
    let quote = match (path.span.end - path.span.start).checked_sub(path.text.len()) {
        Some(0) => 0,
        Some(2) => 1,
        _ => return path.span,
    };
    let Some(i) = path.text.find(&needle) else { return path.span };
    let start = path.span.start + quote + i;
    let col = path.span.col + (quote + path.text[..i].chars().count()) as u32;
    Span { start, end: start + needle.len(), col, ..path.span }
}

fn path_segments(cx: &mut Cx<'_>, path: &Name) -> Option<Vec<String>> {
    let text = &path.text;
    let bad = |cx: &mut Cx<'_>, msg: String, help: &str| {
        cx.diags.push(Diagnostic::error("bad-path", path.span, msg).label("in this path").help(help.to_string()));
        None
    };
    if !text.starts_with('/') {
        return bad(cx, format!("path `{text}` must start with `/`"), "for example `/api/articles/{slug}`");
    }
    if text.len() > 1 && text.ends_with('/') {
        return bad(cx, format!("path `{text}` ends with `/`"), "remove the trailing slash; routes match exactly");
    }
    let mut out = Vec::new();
    for seg in text[1..].split('/') {
        if text == "/" {
            break;
        }
        if seg.is_empty() {
            return bad(cx, format!("path `{text}` has an empty segment"), "remove the doubled `/`");
        }
        if seg.contains('{') || seg.contains('}') {
            let inner = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            match inner {
                Some(p) if is_snake_ident(p) => {}
                _ => {
                    return bad(
                        cx,
                        format!("segment `{seg}` of `{text}` is not a parameter"),
                        "a parameter is a whole segment: `{name}`, snake_case",
                    );
                }
            }
        } else if !seg.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)) {
            return bad(
                cx,
                format!("segment `{seg}` of `{text}` has characters that need escaping"),
                "use letters, digits, `-`, `.`, `_`, `~`",
            );
        }
        out.push(seg.to_string());
    }
    Some(out)
}

fn param(cx: &mut Cx<'_>, endpoint: &str, p: &RawTypeField, allow_list: bool, in_path: bool) -> Option<Param> {
    let e = &p.expr;
    let (item, list) = match &e.kind {
        RawTypeKind::List(inner) if allow_list => (inner.as_ref(), true),
        _ => (e, false),
    };
    if list && (e.constraints.min_items.is_some() || e.constraints.max_items.is_some()) {
        cx.diags.push(
            Diagnostic::error(
                "constraint-type",
                e.span,
                "`min_items`/`max_items` are not supported on query parameters",
            )
            .label("a repeated query parameter")
            .help("remove them, or take the list in a request body"),
        );
    }
    // Enum parameters become `<Endpoint><Param>` so two endpoints' enums never share a name.
    let enum_name = charter_names::inline_type(&pascal_case(endpoint), &p.name.text);
    let ty = match shape(cx, &enum_name, item)? {
        Shape::Scalar(ty) => ty,
        _ => {
            cx.diags.push(
                Diagnostic::error("param-type", e.span, format!("parameter `{}` must be a scalar", p.name.text))
                    .label("an object cannot go in a URL")
                    .help(if allow_list {
                        "use a scalar type, or `{ list: string }` for a repeated parameter"
                    } else {
                        "use a scalar type such as `string` or `bigint`"
                    }),
            );
            return None;
        }
    };
    check_constraints(&ty, &item.constraints, item.span, false, cx.diags);
    if in_path && e.optional {
        cx.diags.push(
            Diagnostic::error(
                "optional-path-param",
                e.span,
                format!("path parameter `{}` cannot be optional", p.name.text),
            )
            .label("path segments are always present"),
        );
    }
    let default = match &e.default {
        Some(node) if list => {
            cx.diags.push(
                Diagnostic::error("default-type", node.span, "a list parameter takes no default")
                    .label("not supported"),
            );
            None
        }
        Some(node) => default_for(node, &ty, &item.constraints, cx.diags),
        None => None,
    };
    let name = crate::snake_case(&p.name.text);
    Some(Param {
        wire_name: if in_path { p.name.text.clone() } else { wire(&name, cx.scope.json_case) },
        name,
        ty,
        list,
        optional: e.optional || list,
        default,
        constraints: item.constraints.clone(),
        description: e.description.clone(),
        span: p.name.span,
    })
}

fn check_param_names(cx: &mut Cx<'_>, path: &[Param], query: &[Param]) {
    for q in query {
        if q.name == "caller" || q.name == "body" {
            cx.diags.push(
                Diagnostic::error("reserved-name", q.span, format!("parameter name `{}` is reserved", q.name))
                    .label("the input already has a field with this name"),
            );
        }
        if let Some(p) = path.iter().find(|p| p.name == q.name) {
            cx.diags.push(
                Diagnostic::error(
                    "duplicate-name",
                    q.span,
                    format!("`{}` is both a path and a query parameter", q.name),
                )
                .label("query parameter")
                .related(p.span, "path parameter"),
            );
        }
    }
}

fn body_ref(cx: &mut Cx<'_>, raw: &RawBody, type_name: &str, origin: TypeOrigin, span: Span) -> Option<Ref> {
    match raw {
        RawBody::Empty => None,
        RawBody::Named(n) => cx.scope.resolve(cx.app, n, Kind::Type, cx.diags),
        RawBody::Fields(fields) => {
            if cx.scope.has_type(cx.app, type_name) {
                cx.diags.push(
                    Diagnostic::error(
                        "duplicate-name",
                        span,
                        format!("this inline shape would be named `{type_name}`, which is already a type"),
                    )
                    .label("inline shape")
                    .help("rename the declared type, or refer to it by name here"),
                );
                return None;
            }
            let mut seen = BTreeMap::new();
            let fields = field_list(cx, type_name, fields, &mut seen);
            cx.synthesized.push(TypeDef {
                name: type_name.to_string(),
                description: None,
                fields,
                from_model: None,
                origin,
                span,
            });
            Some(Ref { app: cx.app.to_string(), name: type_name.to_string() })
        }
    }
}
