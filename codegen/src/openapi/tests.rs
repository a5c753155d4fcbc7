//! Unit tests on hand-built IR: each builds the smallest spec that shows one rule.

use charter_spec::{
    App, AuthRequirement, AuthScheme, Constraints, Endpoint, EnumType, ErrorFormat, ErrorKind, Format, JsonCase,
    Literal, Method, Param, Placeholder, Project, Ref, Response, ScalarType, Server, Shape, SourceMap, Span, Spec,
    Template, TypeDef, TypeField, TypeOrigin,
};
use serde_json::{Value, json};

use super::{document, to_json, to_yaml};

fn spec(project: Project, apps: Vec<App>) -> Spec {
    Spec { project, apps, sources: SourceMap::default() }
}

fn project(errors: ErrorFormat, auth: Option<AuthScheme>) -> Project {
    Project {
        title: "Test".into(),
        version: "1.2.3".into(),
        description: Some("A test API".into()),
        servers: vec![Server { url: "http://localhost:8080".into(), description: None }],
        auth,
        errors,
        json_case: JsonCase::Camel,
        validation_status: 422,
        span: Span::default(),
    }
}

fn token_auth() -> AuthScheme {
    AuthScheme {
        invalidated_by: None,
        name: "Token".into(),
        header: "Authorization".into(),
        prefix: "Token".into(),
        description: None,
        span: Span::default(),
    }
}

fn conduit_errors() -> ErrorFormat {
    ErrorFormat::Custom {
        template: Template::Object(vec![(
            "errors".into(),
            Template::Object(vec![("body".into(), Template::Placeholder(Placeholder::Messages))]),
        )]),
        content_type: "application/json".into(),
    }
}

fn app(name: &str, types: Vec<TypeDef>, endpoints: Vec<Endpoint>) -> App {
    App {
        name: name.into(),
        description: None,
        depends_on: Vec::new(),
        models: Vec::new(),
        types,
        endpoints,
        span: Span::default(),
    }
}

fn ty(name: &str, fields: Vec<TypeField>) -> TypeDef {
    TypeDef {
        name: name.into(),
        description: None,
        fields,
        from_model: None,
        origin: TypeOrigin::Declared,
        span: Span::default(),
    }
}

fn field(name: &str, shape: Shape) -> TypeField {
    TypeField {
        name: name.into(),
        wire_name: charter_spec::camel_case(name),
        shape,
        optional: false,
        clearable: false,
        default: None,
        constraints: Constraints::default(),
        item_constraints: Constraints::default(),
        description: None,
        model_field: None,
        source: None,
        span: Span::default(),
    }
}

fn optional(mut f: TypeField) -> TypeField {
    f.optional = true;
    f
}

fn with_default(mut f: TypeField, default: Literal) -> TypeField {
    f.default = Some(default);
    f
}

fn scalar(ty: ScalarType) -> Shape {
    Shape::Scalar(ty)
}

fn named(app: &str, name: &str) -> Shape {
    Shape::Named(r(app, name))
}

fn r(app: &str, name: &str) -> Ref {
    Ref { app: app.into(), name: name.into() }
}

fn endpoint(name: &str, method: Method, path: &str) -> Endpoint {
    Endpoint {
        name: name.into(),
        method,
        path: path.into(),
        path_params: Vec::new(),
        query: Vec::new(),
        body: None,
        responses: vec![Response { status: 200, body: None, description: None, span: Span::default() }],
        errors: Vec::new(),
        auth: AuthRequirement::None,
        rate_limit: None,
        summary: None,
        description: None,
        tags: Vec::new(),
        span: Span::default(),
    }
}

fn respond(mut e: Endpoint, status: u16, body: Option<Ref>) -> Endpoint {
    e.responses = vec![Response { status, body, description: None, span: Span::default() }];
    e
}

fn param(name: &str, ty: ScalarType) -> Param {
    Param {
        name: name.into(),
        wire_name: name.into(),
        ty,
        list: false,
        optional: false,
        default: None,
        constraints: Constraints::default(),
        description: None,
        span: Span::default(),
    }
}

fn json_of(spec: &Spec) -> Value {
    serde_json::to_value(document(spec)).unwrap_or(Value::Null)
}

/// Asserts the value at a JSON pointer of the emitted document.
fn check(spec: &Spec, pointer: &str, expect: Value) {
    let doc = json_of(spec);
    let got = doc.pointer(pointer).cloned().unwrap_or(Value::Null);
    assert_eq!(got, expect, "at {pointer} in\n{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}

fn one_type(t: TypeDef) -> Spec {
    spec(project(ErrorFormat::Problem, None), vec![app("core", vec![t], Vec::new())])
}

#[test]
fn header_info_servers_and_version() {
    let s = one_type(ty("A", Vec::new()));
    check(&s, "/openapi", json!("3.0.3"));
    check(&s, "/info", json!({"title": "Test", "description": "A test API", "version": "1.2.3"}));
    check(&s, "/servers", json!([{"url": "http://localhost:8080"}]));
}

#[test]
fn scalars_map_to_types_and_formats() {
    let fields = [
        ("s", ScalarType::String, json!({"type": "string"})),
        ("t", ScalarType::Text, json!({"type": "string"})),
        ("i", ScalarType::Int, json!({"type": "integer", "format": "int32"})),
        ("b", ScalarType::BigInt, json!({"type": "integer", "format": "int64"})),
        ("f", ScalarType::Float, json!({"type": "number", "format": "double"})),
        ("o", ScalarType::Bool, json!({"type": "boolean"})),
        ("u", ScalarType::Uuid, json!({"type": "string", "format": "uuid"})),
        ("d", ScalarType::DateTime, json!({"type": "string", "format": "date-time"})),
        ("e", ScalarType::Date, json!({"type": "string", "format": "date"})),
        ("j", ScalarType::Json, json!({})),
        (
            "k",
            ScalarType::Enum(EnumType { name: "AK".into(), values: vec!["x".into(), "y".into()] }),
            json!({"type": "string", "enum": ["x", "y"]}),
        ),
    ];
    let s = one_type(ty("A", fields.iter().map(|(n, t, _)| field(n, scalar(t.clone()))).collect()));
    for (name, _, expect) in fields {
        check(&s, &format!("/components/schemas/A/properties/{name}"), expect);
    }
    check(&s, "/components/schemas/A/required", json!(["s", "t", "i", "b", "f", "o", "u", "d", "e", "j", "k"]));
}

#[test]
fn constraints_become_keywords() {
    let mut email = field("email", scalar(ScalarType::String));
    email.constraints = Constraints {
        format: Some(Format::Email),
        max_length: Some(255),
        min_length: Some(1),
        ..Constraints::default()
    };
    let mut url = field("image", scalar(ScalarType::String));
    url.constraints =
        Constraints { format: Some(Format::Url), pattern: Some("^https?://".into()), ..Default::default() };
    let mut password = field("password", scalar(ScalarType::String));
    password.constraints = Constraints { format: Some(Format::Password), ..Default::default() };
    let mut count = field("count", scalar(ScalarType::Int));
    count.constraints = Constraints { min: Some(0.5), max: Some(100.0), ..Default::default() };
    count.default = Some(Literal::Int(20));
    let mut ratio = field("ratio", scalar(ScalarType::Float));
    ratio.constraints = Constraints { min: Some(0.0), max: Some(1.5), ..Default::default() };
    let mut tags = field("tag_list", Shape::List(Box::new(scalar(ScalarType::String))));
    tags.constraints = Constraints { max_items: Some(20), min_items: Some(1), ..Default::default() };
    tags.item_constraints = Constraints { min_length: Some(1), max_length: Some(64), ..Default::default() };

    let s = one_type(ty("A", vec![email, url, password, count, ratio, tags]));
    let p = "/components/schemas/A/properties";
    // The format's own bound (254 octets, RFC 5321) is tighter than the field's.
    check(&s, &format!("{p}/email"), json!({"type": "string", "format": "email", "minLength": 1, "maxLength": 254}));
    check(
        &s,
        &format!("{p}/image"),
        json!({"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2048}),
    );
    check(&s, &format!("{p}/password"), json!({"type": "string", "format": "password"}));
    check(
        &s,
        &format!("{p}/count"),
        json!({"default": 20, "type": "integer", "format": "int32", "minimum": 1, "maximum": 100}),
    );
    check(&s, &format!("{p}/ratio"), json!({"type": "number", "format": "double", "minimum": 0.0, "maximum": 1.5}));
    check(
        &s,
        &format!("{p}/tagList"),
        json!({"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64}, "minItems": 1, "maxItems": 20}),
    );
}

#[test]
fn optional_fields_are_nullable_and_required_only_in_response_only_types() {
    let status = ScalarType::Enum(EnumType { name: "S".into(), values: vec!["on".into()] });
    let fields = || {
        vec![
            field("name", scalar(ScalarType::String)),
            optional(field("bio", scalar(ScalarType::Text))),
            optional(field("state", scalar(status.clone()))),
            optional(field("friend", named("core", "Friend"))),
            with_default(field("count", scalar(ScalarType::Int)), Literal::Int(1)),
        ]
    };
    let friend = ty("Friend", vec![field("name", scalar(ScalarType::String))]);
    let mut get = respond(endpoint("get", Method::Get, "/a"), 200, Some(r("core", "Out")));
    get.errors = vec![ErrorKind::NotFound];
    let mut put = respond(endpoint("put", Method::Put, "/a"), 200, Some(r("core", "Out")));
    put.body = Some(r("core", "In"));
    let s = spec(
        project(ErrorFormat::Problem, None),
        vec![app("core", vec![ty("Out", fields()), ty("In", fields()), friend], vec![get, put])],
    );
    check(&s, "/components/schemas/Out/required", json!(["name", "bio", "state", "friend", "count"]));
    check(&s, "/components/schemas/In/required", json!(["name"]));
    check(&s, "/components/schemas/In/properties/bio", json!({"nullable": true, "type": "string"}));
    check(
        &s,
        "/components/schemas/In/properties/state",
        json!({"nullable": true, "type": "string", "enum": ["on", null]}),
    );
    check(
        &s,
        "/components/schemas/In/properties/friend",
        json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Friend"}]}),
    );
    // Friend is reached from both a request and a response: the request view wins.
    check(&s, "/components/schemas/Friend/required", json!(["name"]));
}

#[test]
fn names_are_bare_unless_shared_then_qualified_by_app() {
    let user = || ty("User", vec![field("name", scalar(ScalarType::String))]);
    let problem = ty("Problem", Vec::new());
    let mut holder = ty("Holder", vec![field("a", named("core", "User")), field("b", named("blog", "User"))]);
    holder.fields.push(field("p", named("core", "Problem")));
    let s = spec(
        project(ErrorFormat::Problem, None),
        vec![app("core", vec![user(), problem, holder], Vec::new()), app("blog", vec![user()], Vec::new())],
    );
    let doc = json_of(&s);
    let names: Vec<&str> =
        doc["components"]["schemas"].as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(names, ["core.User", "core.Problem", "Holder", "blog.User", "charter.Problem"]);
    check(&s, "/components/schemas/Holder/properties/a/$ref", json!("#/components/schemas/core.User"));
    check(&s, "/components/schemas/Holder/properties/b/$ref", json!("#/components/schemas/blog.User"));
    check(&s, "/components/schemas/Holder/properties/p/$ref", json!("#/components/schemas/core.Problem"));
}

#[test]
fn envelope_name_follows_the_error_format() {
    let s = spec(project(conduit_errors(), None), vec![app("core", Vec::new(), Vec::new())]);
    let doc = json_of(&s);
    assert!(doc.pointer("/components/schemas/ErrorEnvelope").is_some());
    let s = spec(project(ErrorFormat::Problem, None), vec![app("core", Vec::new(), Vec::new())]);
    check(&s, "/components/schemas/Problem/required", json!(["title", "status", "code"]));
}

#[test]
fn token_prefix_is_an_api_key_and_bearer_is_http() {
    let mut e = endpoint("me", Method::Get, "/me");
    e.auth = AuthRequirement::Required;
    let mut maybe = endpoint("feed", Method::Get, "/feed");
    maybe.auth = AuthRequirement::Optional;
    let public = endpoint("tags", Method::Get, "/tags");
    let apps = vec![app("core", Vec::new(), vec![e, maybe, public])];

    let s = spec(project(ErrorFormat::Problem, Some(token_auth())), apps.clone());
    check(
        &s,
        "/components/securitySchemes/Token",
        json!({"type": "apiKey", "in": "header", "name": "Authorization",
               "description": "The `Authorization` header carries `Token <jwt>`."}),
    );
    check(&s, "/paths/~1me/get/security", json!([{"Token": []}]));
    check(&s, "/paths/~1feed/get/security", json!([{}, {"Token": []}]));
    check(&s, "/paths/~1tags/get/security", Value::Null);

    let bearer = AuthScheme { name: "bearerAuth".into(), prefix: "Bearer".into(), ..token_auth() };
    let s = spec(project(ErrorFormat::Problem, Some(bearer)), apps);
    check(
        &s,
        "/components/securitySchemes/bearerAuth",
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
    );
    check(&s, "/paths/~1me/get/security", json!([{"bearerAuth": []}]));
}

#[test]
fn every_error_has_its_status_and_a_shared_response() {
    let mut e = respond(endpoint("create", Method::Post, "/things"), 201, Some(r("core", "Thing")));
    e.body = Some(r("core", "Thing"));
    e.auth = AuthRequirement::Required;
    e.errors = vec![ErrorKind::Conflict];
    let s =
        spec(project(conduit_errors(), Some(token_auth())), vec![app("core", vec![ty("Thing", Vec::new())], vec![e])]);
    let doc = json_of(&s);
    let statuses: Vec<&str> = doc["paths"]["/things"]["post"]["responses"]
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    // The declared errors, then what the server itself may answer (transport, limits, database).
    assert_eq!(statuses, ["201", "400", "401", "405", "409", "413", "414", "415", "422", "431", "500", "503"]);
    check(&s, "/paths/~1things/post/responses/503", json!({"$ref": "#/components/responses/Unavailable"}));
    check(&s, "/paths/~1things/post/responses/201/description", json!("Created"));
    check(&s, "/paths/~1things/post/responses/409", json!({"$ref": "#/components/responses/Conflict"}));
    check(&s, "/paths/~1things/post/responses/500", json!({"$ref": "#/components/responses/InternalError"}));
    check(
        &s,
        "/components/responses/Validation",
        json!({"description": "Invalid input; every failing field is listed",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}),
    );
    let responses: Vec<&str> =
        doc["components"]["responses"].as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(
        responses,
        [
            "BadRequest",
            "Unauthorized",
            "Conflict",
            "Validation",
            "MalformedRequest",
            "MethodNotAllowed",
            "PayloadTooLarge",
            "UriTooLong",
            "UnsupportedMediaType",
            "HeadersTooLarge",
            "Unavailable",
            "InternalError"
        ]
    );
}

#[test]
fn kinds_sharing_a_status_share_one_inline_response() {
    let mut e = endpoint("create", Method::Post, "/things");
    e.body = Some(r("core", "Thing"));
    let mut p = project(ErrorFormat::Problem, None);
    p.validation_status = 400;
    let s = spec(p, vec![app("core", vec![ty("Thing", Vec::new())], vec![e])]);
    check(
        &s,
        "/paths/~1things/post/responses/400",
        json!({"description": "Malformed request; or: Invalid input; every failing field is listed",
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}),
    );
}

#[test]
fn custom_template_becomes_a_schema() {
    let template = Template::Object(vec![
        ("kind".into(), Template::String("error".into())),
        ("version".into(), Template::Number(2.0)),
        ("ok".into(), Template::Bool(false)),
        ("status".into(), Template::Placeholder(Placeholder::Status)),
        ("code".into(), Template::Placeholder(Placeholder::Code)),
        ("message".into(), Template::Placeholder(Placeholder::Message)),
        ("fields".into(), Template::Placeholder(Placeholder::Fields)),
        ("list".into(), Template::Array(vec![Template::Placeholder(Placeholder::Message)])),
    ]);
    let format = ErrorFormat::Custom { template, content_type: "application/vnd.err+json".into() };
    let s = spec(project(format, None), vec![app("core", Vec::new(), Vec::new())]);
    let p = "/components/schemas/ErrorEnvelope";
    check(
        &s,
        &format!("{p}/required"),
        json!(["kind", "version", "ok", "status", "code", "message", "fields", "list"]),
    );
    check(&s, &format!("{p}/properties/kind"), json!({"type": "string", "enum": ["error"]}));
    check(&s, &format!("{p}/properties/version"), json!({"type": "integer", "enum": [2]}));
    check(&s, &format!("{p}/properties/ok"), json!({"type": "boolean", "enum": [false]}));
    check(&s, &format!("{p}/properties/status/type"), json!("integer"));
    check(&s, &format!("{p}/properties/code/type"), json!("string"));
    check(&s, &format!("{p}/properties/fields/additionalProperties/items"), json!({"type": "string"}));
    check(&s, &format!("{p}/properties/list/items/type"), json!("string"));

    let s = spec(project(conduit_errors(), None), vec![app("core", Vec::new(), Vec::new())]);
    check(&s, &format!("{p}/properties/errors/required"), json!(["body"]));
    check(&s, &format!("{p}/properties/errors/properties/body/type"), json!("array"));
    check(&s, &format!("{p}/properties/errors/properties/body/items"), json!({"type": "string"}));
}

#[test]
fn parameters_carry_schema_defaults_and_bounds() {
    let mut e = endpoint("list", Method::Get, "/things/{owner}");
    e.path_params = vec![param("owner", ScalarType::String)];
    let mut limit = param("limit", ScalarType::Int);
    limit.default = Some(Literal::Int(20));
    limit.constraints = Constraints { min: Some(1.0), max: Some(100.0), ..Default::default() };
    let mut tag = param("tag", ScalarType::String);
    tag.list = true;
    tag.optional = true;
    tag.description = Some("Filter by tag".into());
    e.query = vec![limit, tag, param("needed", ScalarType::Bool)];
    let s = spec(project(ErrorFormat::Problem, None), vec![app("core", Vec::new(), vec![e])]);
    check(
        &s,
        "/paths/~1things~1{owner}/get/parameters",
        json!([
            // An empty text parameter is refused: `minLength: 1` says so.
            {"in": "path", "name": "owner", "required": true, "schema": {"type": "string", "minLength": 1}, "style": "simple"},
            {"in": "query", "name": "limit",
             "schema": {"default": 20, "type": "integer", "format": "int32", "minimum": 1, "maximum": 100}, "style": "form"},
            {"in": "query", "name": "tag", "description": "Filter by tag",
             "schema": {"type": "array", "items": {"type": "string", "minLength": 1}}, "explode": true, "style": "form"},
            {"in": "query", "name": "needed", "required": true, "schema": {"type": "boolean"}, "style": "form"},
        ]),
    );
}

#[test]
fn methods_on_one_path_share_its_item_and_tags_are_listed_once() {
    let mut get = endpoint("current_user", Method::Get, "/user");
    get.tags = vec!["User".into()];
    let mut put = endpoint("update_user", Method::Put, "/user");
    put.tags = vec!["User".into(), "Admin".into()];
    let s = spec(project(ErrorFormat::Problem, None), vec![app("core", Vec::new(), vec![get, put])]);
    check(&s, "/paths/~1user/get/operationId", json!("current_user"));
    check(&s, "/paths/~1user/put/operationId", json!("update_user"));
    check(&s, "/tags", json!([{"name": "User"}, {"name": "Admin"}]));
}

#[test]
fn json_and_yaml_are_stable_and_agree() {
    let mut e = respond(endpoint("create", Method::Post, "/things"), 201, Some(r("core", "Thing")));
    e.body = Some(r("core", "Thing"));
    let thing =
        ty("Thing", vec![field("name", scalar(ScalarType::String)), optional(field("n", scalar(ScalarType::Int)))]);
    let s = spec(project(conduit_errors(), Some(token_auth())), vec![app("core", vec![thing], vec![e])]);
    let doc = document(&s);
    let json = to_json(&doc);
    assert!(json.ends_with("}\n"));
    assert!(json.starts_with("{\n  \"openapi\": \"3.0.3\""), "{json}");
    assert_eq!(json, to_json(&document(&s)));
    let yaml = to_yaml(&doc);
    assert!(yaml.ends_with('\n'));
    assert_eq!(yaml, to_yaml(&document(&s)));
    let from_yaml: Value = serde_saphyr::from_str(&yaml).unwrap_or(Value::Null);
    let from_json: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    assert_eq!(from_yaml, from_json, "{yaml}");
}

/// `render` (what `build.rs` writes, path items built one at a time) gives the bytes of serializing the
/// whole document, on every spec the repository holds.
#[test]
fn render_writes_the_documents_bytes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("../generated-example/spec")];
    for fixtures in ["tests/fixtures/openapi", "tests/fixtures/rust"] {
        for entry in std::fs::read_dir(root.join(fixtures)).unwrap().flatten() {
            if entry.path().is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    let mut checked = 0;
    for dir in dirs {
        let Ok(spec) = charter_spec::load_dir(&dir) else { continue };
        let doc = document(&spec);
        let (json, yaml) = super::render(&spec);
        assert!(json == to_json(&doc), "{}: JSON differs", dir.display());
        assert!(yaml == to_yaml(&doc), "{}: YAML differs", dir.display());
        checked += 1;
    }
    assert!(checked >= 2, "too few specs checked: {checked}");
}
