//! The whole document: info, servers, tags, paths and components.

use charter_spec::{ErrorKind, Method, Ref, Spec};
use openapiv3::{Components, Info, OpenAPI, Operation, PathItem, Paths, ReferenceOr, Server, Tag};

use super::names::Names;
use super::operation::{Context, error_components, operation};
use super::usage::Usage;
use super::{OPENAPI_VERSION, envelope, schema, security};

/// The OpenAPI 3.0.3 description of every endpoint, type and error of the spec.
pub fn document(spec: &Spec) -> OpenAPI {
    let names = Names::new(spec);
    let cx = Context {
        project: &spec.project,
        names: &names,
        error_content_type: envelope::content_type(&spec.project.errors),
    };
    OpenAPI {
        openapi: OPENAPI_VERSION.to_string(),
        info: Info {
            title: spec.project.title.clone(),
            description: spec.project.description.clone(),
            version: spec.project.version.clone(),
            ..Info::default()
        },
        servers: spec
            .project
            .servers
            .iter()
            .map(|s| Server { url: s.url.clone(), description: s.description.clone(), ..Server::default() })
            .collect(),
        paths: paths(spec, &cx),
        components: Some(components(spec, &cx)),
        tags: tags(spec),
        ..OpenAPI::default()
    }
}

/// Paths in the order their first endpoint appears; methods sharing a path share its item.
fn paths(spec: &Spec, cx: &Context<'_>) -> Paths {
    let mut paths = Paths::default();
    for (_, endpoint) in spec.endpoints() {
        let entry = paths.paths.entry(endpoint.path.clone()).or_insert_with(|| ReferenceOr::Item(PathItem::default()));
        if let ReferenceOr::Item(item) = entry {
            *slot(item, endpoint.method) = Some(operation(cx, endpoint));
        }
    }
    paths
}

fn slot(item: &mut PathItem, method: Method) -> &mut Option<Operation> {
    match method {
        Method::Get => &mut item.get,
        Method::Post => &mut item.post,
        Method::Put => &mut item.put,
        Method::Patch => &mut item.patch,
        Method::Delete => &mut item.delete,
    }
}

fn components(spec: &Spec, cx: &Context<'_>) -> Components {
    let usage = Usage::new(spec);
    let mut components = Components::default();
    for app in &spec.apps {
        for def in &app.types {
            let r = Ref { app: app.name.clone(), name: def.name.clone() };
            let schema = schema::type_def(def, cx.names, usage.response_only(&r));
            components.schemas.insert(cx.names.type_name(&r), ReferenceOr::Item(schema));
        }
    }
    components
        .schemas
        .insert(cx.names.envelope_name().to_string(), ReferenceOr::Item(envelope::schema(&spec.project.errors)));

    let mut used: Vec<ErrorKind> = spec.endpoints().flat_map(|(_, e)| e.all_errors()).collect();
    used.sort();
    used.dedup();
    for (name, response) in error_components(cx, &used) {
        components.responses.insert(name, ReferenceOr::Item(response));
    }

    if let Some(auth) = &spec.project.auth {
        components.security_schemes.insert(auth.name.clone(), ReferenceOr::Item(security::scheme(auth)));
    }
    components
}

/// Every tag an endpoint uses, once, in first-use order (the order the spec presents its endpoints).
fn tags(spec: &Spec) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    for (_, endpoint) in spec.endpoints() {
        for name in &endpoint.tags {
            if !tags.iter().any(|t| &t.name == name) {
                tags.push(Tag { name: name.clone(), ..Tag::default() });
            }
        }
    }
    tags
}
