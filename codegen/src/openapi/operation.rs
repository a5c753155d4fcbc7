//! One endpoint as an operation: parameters, request body, success and error responses.

use charter_spec::{Endpoint, ErrorKind, Param, Project};
use openapiv3::{
    MediaType, Operation, Parameter, ParameterData, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody,
    Response, Responses, StatusCode,
};

use super::names::{Names, response_ref};
use super::schema::{array, decorate, literal, scalar};
use super::security;

pub(crate) const JSON: &str = "application/json";

/// The response every operation may answer with when the server fails (a panic, a bug).
pub(crate) const INTERNAL_ERROR: &str = "InternalError";
const INTERNAL_ERROR_DESCRIPTION: &str = "Unexpected server error";

/// What the server itself may answer for any operation, before or beside its use case: the HTTP layer,
/// the body limit, the request timeout and the database. Each is a shared `components.responses` entry
/// in the error envelope; an operation whose spec declares the same status keeps its own.
const TRANSPORT_ERRORS: [(u16, &str, &str); 7] = [
    (400, "MalformedRequest", "The request is not valid HTTP, or its body is not valid JSON"),
    (405, "MethodNotAllowed", "The path exists, but not with this method (the `Allow` header lists those it has)"),
    (413, "PayloadTooLarge", "The request body (or its declared `Content-Length`) is over the server's limit"),
    (414, "UriTooLong", "The request URI is longer than the server reads"),
    (415, "UnsupportedMediaType", "The body is not `application/json` in UTF-8"),
    (431, "HeadersTooLarge", "The request's headers are larger than the server reads"),
    (
        503,
        "Unavailable",
        "The database is unavailable or the request timed out; retry after the `Retry-After` seconds when given",
    ),
];

pub(crate) struct Context<'a> {
    pub(crate) project: &'a Project,
    pub(crate) names: &'a Names,
    /// The content type of the error envelope.
    pub(crate) error_content_type: &'a str,
}

pub(crate) fn operation(cx: &Context<'_>, endpoint: &Endpoint) -> Operation {
    let path = endpoint.path_params.iter().map(path_param);
    let query = endpoint.query.iter().map(query_param);
    Operation {
        tags: endpoint.tags.clone(),
        summary: endpoint.summary.clone(),
        description: endpoint.description.clone(),
        operation_id: Some(endpoint.name.clone()),
        parameters: path.chain(query).map(ReferenceOr::Item).collect(),
        request_body: endpoint.body.as_ref().map(|body| {
            ReferenceOr::Item(RequestBody {
                content: json_content(JSON, &cx.names.type_ref(body)),
                required: true,
                ..RequestBody::default()
            })
        }),
        responses: responses(cx, endpoint),
        security: security::requirement(cx.project.auth.as_ref(), endpoint.auth),
        ..Operation::default()
    }
}

fn path_param(p: &Param) -> Parameter {
    Parameter::Path { parameter_data: param_data(p, true), style: Default::default() }
}

fn query_param(p: &Param) -> Parameter {
    // A parameter with a default is filled in by the server, so the caller may leave it out.
    let required = !p.optional && p.default.is_none();
    Parameter::Query {
        parameter_data: param_data(p, required),
        allow_reserved: false,
        style: QueryStyle::Form,
        allow_empty_value: None,
    }
}

fn param_data(p: &Param, required: bool) -> ParameterData {
    // The server refuses an empty value (`?tag=`) rather than read it as absent: say so in the schema,
    // which `allowEmptyValue: false` alone does not (it is about the parameter, not its schema).
    let mut constraints = p.constraints.clone();
    if p.ty.is_textual() && constraints.min_length.is_none_or(|n| n < 1) {
        constraints.min_length = Some(1);
    }
    let item = scalar(&p.ty, &constraints);
    let default = p.default.as_ref().and_then(literal);
    let schema = if p.list {
        let items = ReferenceOr::Item(item);
        decorate(
            ReferenceOr::Item(array(items, p.constraints.min_items, p.constraints.max_items)),
            None,
            default.map(|d| serde_json::Value::Array(vec![d])),
            false,
        )
    } else {
        decorate(ReferenceOr::Item(item), None, default, false)
    };
    ParameterData {
        name: p.wire_name.clone(),
        description: p.description.clone(),
        required,
        deprecated: None,
        format: ParameterSchemaOrContent::Schema(schema),
        example: None,
        examples: Default::default(),
        // `?tag=a&tag=b`, the form the runtime's query extractor reads.
        explode: p.list.then_some(true),
        extensions: Default::default(),
    }
}

fn responses(cx: &Context<'_>, endpoint: &Endpoint) -> Responses {
    let mut out = Responses::default();
    for r in &endpoint.responses {
        let content = match &r.body {
            Some(body) => json_content(JSON, &cx.names.type_ref(body)),
            None => Default::default(),
        };
        let description = r.description.clone().unwrap_or_else(|| default_description(r.status).to_string());
        let response = Response { description, content, ..Response::default() };
        out.responses.insert(StatusCode::Code(r.status), ReferenceOr::Item(response));
    }

    // Kinds that share a status (a project may set validation_status to 400) share one entry.
    let mut by_status: Vec<(u16, Vec<ErrorKind>)> = Vec::new();
    for kind in endpoint.all_errors() {
        let status = cx.project.status_of(kind);
        match by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, kinds)) => kinds.push(kind),
            None => by_status.push((status, vec![kind])),
        }
    }
    by_status.sort_by_key(|(status, _)| *status);
    for (status, kinds) in by_status {
        let entry = match kinds.as_slice() {
            [kind] => ReferenceOr::ref_(&response_ref(kind.variant())),
            _ => {
                let description = kinds.iter().map(|k| k.description()).collect::<Vec<_>>().join("; or: ");
                ReferenceOr::Item(error_response(cx, &description))
            }
        };
        // A success response on the same status is what the spec said; keep it.
        out.responses.entry(StatusCode::Code(status)).or_insert(entry);
    }
    for (status, name, _) in TRANSPORT_ERRORS {
        out.responses.entry(StatusCode::Code(status)).or_insert_with(|| ReferenceOr::ref_(&response_ref(name)));
    }
    out.responses.entry(StatusCode::Code(500)).or_insert_with(|| ReferenceOr::ref_(&response_ref(INTERNAL_ERROR)));
    out.responses.sort_by(|a, _, b, _| status_order(a).cmp(&status_order(b)));
    out
}

/// The shared `components.responses` entries: one per error kind some operation returns, then the 500.
pub(crate) fn error_components(cx: &Context<'_>, used: &[ErrorKind]) -> Vec<(String, Response)> {
    let mut out: Vec<(String, Response)> = ErrorKind::ALL
        .iter()
        .filter(|k| used.contains(k))
        .map(|k| (k.variant().to_string(), error_response(cx, k.description())))
        .collect();
    for (_, name, description) in TRANSPORT_ERRORS {
        out.push((name.to_string(), error_response(cx, description)));
    }
    out.push((INTERNAL_ERROR.to_string(), error_response(cx, INTERNAL_ERROR_DESCRIPTION)));
    out
}

fn error_response(cx: &Context<'_>, description: &str) -> Response {
    Response {
        description: description.to_string(),
        content: json_content(cx.error_content_type, &cx.names.envelope_ref()),
        ..Response::default()
    }
}

fn json_content(content_type: &str, schema_ref: &str) -> openapiv3::Content {
    let mut content = openapiv3::Content::default();
    content.insert(
        content_type.to_string(),
        MediaType { schema: Some(ReferenceOr::ref_(schema_ref)), ..MediaType::default() },
    );
    content
}

fn default_description(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        _ => "Success",
    }
}

/// Responses in the order of their status codes (a range such as `4XX` after its codes).
fn status_order(status: &StatusCode) -> (u16, u16) {
    match status {
        StatusCode::Code(code) => (*code, 0),
        StatusCode::Range(range) => (*range * 100 + 99, 1),
    }
}
