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
    let cx = context(spec, &names);
    OpenAPI { paths: paths(spec, &cx), ..document_without_paths(spec, &cx) }
}

fn context<'a>(spec: &'a Spec, names: &'a Names) -> Context<'a> {
    Context { project: &spec.project, names, error_content_type: envelope::content_type(&spec.project.errors) }
}

/// The document as [`to_json`](super::to_json) and [`to_yaml`](super::to_yaml) write it, byte for byte,
/// without holding every operation at once: each path item is built when the serializer reaches it and
/// dropped after. A whole [`OpenAPI`] value weighs about ten times its JSON (every operation, response and
/// media type carries its own maps), which made it most of a large spec's peak memory in `build.rs`.
pub fn render(spec: &Spec) -> (String, String) {
    let names = Names::new(spec);
    let cx = context(spec, &names);
    let doc = document_without_paths(spec, &cx);
    let streamed = Streamed { doc: &doc, cx: &cx, paths: path_groups(spec) };
    (super::output::json(&streamed), super::output::yaml(&streamed))
}

/// [`OpenAPI`]'s own serialization (a map: it flattens its extensions) with `paths` produced on the fly.
struct Streamed<'a> {
    doc: &'a OpenAPI,
    cx: &'a Context<'a>,
    paths: Vec<(&'a str, Vec<&'a charter_spec::Endpoint>)>,
}

impl serde::Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let doc = self.doc;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("openapi", &doc.openapi)?;
        map.serialize_entry("info", &doc.info)?;
        if !doc.servers.is_empty() {
            map.serialize_entry("servers", &doc.servers)?;
        }
        map.serialize_entry("paths", &StreamedPaths(self))?;
        if let Some(components) = &doc.components {
            map.serialize_entry("components", components)?;
        }
        if let Some(security) = &doc.security {
            map.serialize_entry("security", security)?;
        }
        if !doc.tags.is_empty() {
            map.serialize_entry("tags", &doc.tags)?;
        }
        if let Some(docs) = &doc.external_docs {
            map.serialize_entry("externalDocs", docs)?;
        }
        for (k, v) in &doc.extensions {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// [`Paths`]' serialization (a map of path items, then its extensions, none here).
struct StreamedPaths<'s, 'a>(&'s Streamed<'a>);

impl serde::Serialize for StreamedPaths<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (path, endpoints) in &self.0.paths {
            let mut item = PathItem::default();
            for endpoint in endpoints {
                *slot(&mut item, endpoint.method) = Some(operation(self.0.cx, endpoint));
            }
            map.serialize_entry(path, &ReferenceOr::Item(item))?;
        }
        map.end()
    }
}

/// Paths in the order their first endpoint appears, each with its endpoints in spec order.
fn path_groups(spec: &Spec) -> Vec<(&str, Vec<&charter_spec::Endpoint>)> {
    let mut groups: Vec<(&str, Vec<&charter_spec::Endpoint>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (_, endpoint) in spec.endpoints() {
        let i = *index.entry(endpoint.path.as_str()).or_insert_with(|| {
            groups.push((endpoint.path.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(endpoint);
    }
    groups
}

/// Everything but `paths`, which is left empty.
fn document_without_paths(spec: &Spec, cx: &Context<'_>) -> OpenAPI {
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
        components: Some(components(spec, cx)),
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
