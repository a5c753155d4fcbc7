//! The OpenAPI emitter on the example spec (generated-example/spec): snapshot, determinism, internal
//! consistency, external validation, and agreement with the Conduit contract it implements.
//!
//! Accept snapshot changes with `INSTA_UPDATE=always cargo test -p charter-codegen --test openapi` (or
//! `cargo insta review`, when cargo-insta is installed), then review `git diff codegen/tests/snapshots`.

use std::path::{Path, PathBuf};
use std::process::Command;

use charter_codegen::openapi::{document, to_json, to_yaml};
use charter_spec::{ErrorKind, Spec};
use serde_json::Value;

/// The specs every check runs on: the Conduit slice users see, and a fixture that covers the rest of the
/// language (problem+json, bearer auth, every scalar, shared type names, body-less responses).
const SPECS: [&str; 2] = ["example", "kitchen"];

fn spec_dir(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match name {
        "example" => root.join("../generated-example/spec"),
        _ => root.join("tests/fixtures/openapi").join(name),
    }
}

fn load(name: &str) -> Spec {
    match charter_spec::load_dir(&spec_dir(name)) {
        Ok(spec) => spec,
        Err(diags) => panic!("spec `{name}` does not load:\n{diags}"),
    }
}

fn example() -> Spec {
    load("example")
}

fn json_of(spec: &Spec) -> Value {
    parse_json(&to_json(&document(spec)))
}

fn example_json() -> Value {
    json_of(&example())
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("emitted JSON does not parse: {e}\n{text}"))
}

/// Follows `$ref`s (local ones) until a schema, response or body that is not a reference.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => v = target,
                None => panic!("unresolved $ref {r}"),
            },
            None => return v,
        }
    }
    panic!("$ref chain too long at {v}")
}

#[test]
fn snapshot_json() {
    for name in SPECS {
        insta::assert_snapshot!(format!("{name}_json"), to_json(&document(&load(name))));
    }
}

#[test]
fn snapshot_yaml() {
    insta::assert_snapshot!("example_yaml", to_yaml(&document(&example())));
}

#[test]
fn two_runs_write_identical_bytes() {
    for name in SPECS {
        let (a, b) = (document(&load(name)), document(&load(name)));
        assert_eq!(to_json(&a), to_json(&b), "{name}");
        assert_eq!(to_yaml(&a), to_yaml(&b), "{name}");
    }
}

#[test]
fn yaml_says_what_json_says() {
    for name in SPECS {
        let doc = document(&load(name));
        let from_yaml: Value = serde_saphyr::from_str(&to_yaml(&doc)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(from_yaml, parse_json(&to_json(&doc)), "{name}");
    }
}

#[test]
fn every_ref_resolves() {
    fn walk(doc: &Value, v: &Value, at: &str, broken: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if k == "$ref" {
                        let target = child.as_str().and_then(|r| r.strip_prefix('#')).and_then(|p| doc.pointer(p));
                        if target.is_none() {
                            broken.push(format!("{at}: {child}"));
                        }
                    } else {
                        walk(doc, child, &format!("{at}/{k}"), broken);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(doc, child, &format!("{at}/{i}"), broken);
                }
            }
            _ => {}
        }
    }
    for name in SPECS {
        let doc = json_of(&load(name));
        let mut broken = Vec::new();
        walk(&doc, &doc, "", &mut broken);
        assert!(broken.is_empty(), "{name}: unresolved $refs:\n{}", broken.join("\n"));
    }
}

#[test]
fn component_names_are_valid_keys() {
    for name in SPECS {
        let doc = json_of(&load(name));
        for section in ["schemas", "responses", "securitySchemes"] {
            let Some(map) = doc["components"][section].as_object() else { panic!("{name}: no components.{section}") };
            for key in map.keys() {
                let ok =
                    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
                assert!(ok, "{name}: components.{section}.{key} does not match ^[a-zA-Z0-9._-]+$");
            }
        }
    }
}

#[test]
fn every_operation_has_its_id_and_every_status() {
    for name in SPECS {
        let spec = load(name);
        let doc = json_of(&spec);
        let mut operations = 0;
        for (_, endpoint) in spec.endpoints() {
            let op = &doc["paths"][&endpoint.path][endpoint.method.as_str()];
            assert_eq!(op["operationId"], endpoint.name.as_str(), "{} {}", endpoint.method.upper(), endpoint.path);
            let statuses = endpoint
                .responses
                .iter()
                .map(|r| r.status)
                .chain(endpoint.all_errors().into_iter().map(|k| spec.project.status_of(k)))
                .chain([500]);
            for status in statuses {
                assert!(op["responses"].get(status.to_string()).is_some(), "{}: no {status} response", endpoint.name);
            }
            operations += 1;
        }
        let in_doc: usize = doc["paths"]
            .as_object()
            .map(|p| p.values().filter_map(Value::as_object).map(|i| i.len()).sum())
            .unwrap_or(0);
        assert_eq!(in_doc, operations, "{name}: the document has operations the spec does not");
        assert!(operations >= 5, "{name}: the spec shrank to {operations} endpoints");
    }
}

/// `python3 -m openapi_spec_validator`, when installed; required under `CI=true`.
#[test]
fn passes_openapi_spec_validator() {
    let available = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but python3 -m openapi_spec_validator is unavailable: pip install openapi-spec-validator");
        }
        eprintln!("skipped: python3 -m openapi_spec_validator is unavailable (pip install openapi-spec-validator)");
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for name in SPECS {
        let doc = document(&load(name));
        for (file, text) in
            [(format!("{name}-openapi.json"), to_json(&doc)), (format!("{name}-openapi.yaml"), to_yaml(&doc))]
        {
            let file = dir.join(file);
            if let Err(e) = std::fs::write(&file, text) {
                panic!("cannot write {}: {e}", file.display());
            }
            let out = match Command::new("python3").args(["-m", "openapi_spec_validator"]).arg(&file).output() {
                Ok(out) => out,
                Err(e) => panic!("cannot run the validator: {e}"),
            };
            assert!(
                out.status.success(),
                "{} is not valid OpenAPI:\n{}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Our operations against the same operations of the Conduit contract: the wire shapes must agree.
mod contract {
    use super::*;

    fn contract() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi/conduit-contract.yml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Our paths carry the `/api` prefix that the contract puts in its server URL.
    fn contract_path(ours: &str) -> &str {
        ours.strip_prefix("/api").unwrap_or(ours)
    }

    /// The schema of a response or request body under `application/json`, if it has one.
    fn json_schema<'a>(doc: &'a Value, holder: &'a Value) -> Option<&'a Value> {
        resolve(doc, holder).pointer("/content/application~1json/schema").map(|s| resolve(doc, s))
    }

    /// Our `allOf: [$ref]` wrapper (3.0.3's way to put `nullable` next to a reference) is the reference.
    fn unwrap<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
        v = resolve(doc, v);
        while let Some([only]) = v.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            v = resolve(doc, only);
        }
        v
    }

    /// The contract is 3.1: `type` may be a list with `null` in it.
    fn type_of(v: &Value) -> Option<&str> {
        match v.get("type")? {
            Value::String(s) => Some(s),
            Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null"),
            _ => None,
        }
    }

    fn keys(v: &Value, field: &str) -> Vec<String> {
        let mut out: Vec<String> = match v.get(field) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(String::from).collect(),
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        out.sort();
        out
    }

    /// Types, property sets and required sets, recursively. Formats and bounds are ours to add.
    fn compare(ours: (&Value, &Value), theirs: (&Value, &Value), at: &str, diffs: &mut Vec<String>) {
        let (o, t) = (unwrap(ours.0, ours.1), unwrap(theirs.0, theirs.1));
        let Some(t_type) = type_of(t) else { return };
        if type_of(o) != Some(t_type) {
            diffs.push(format!("{at}: type {:?}, contract {t_type}", type_of(o)));
            return;
        }
        match t_type {
            "object" => {
                for field in ["properties", "required"] {
                    let (ok, tk) = (keys(o, field), keys(t, field));
                    if ok != tk {
                        diffs.push(format!("{at}: {field} {ok:?}, contract {tk:?}"));
                    }
                }
                for name in keys(t, "properties") {
                    if let (Some(op), Some(tp)) = (o["properties"].get(&name), t["properties"].get(&name)) {
                        compare((ours.0, op), (theirs.0, tp), &format!("{at}.{name}"), diffs);
                    }
                }
            }
            "array" => compare((ours.0, &o["items"]), (theirs.0, &t["items"]), &format!("{at}[]"), diffs),
            _ => {}
        }
    }

    #[test]
    fn shapes_match_the_contract() {
        let spec = example();
        let ours = example_json();
        let theirs = contract();
        let mut diffs = Vec::new();
        let mut compared = 0;
        for (_, endpoint) in spec.endpoints() {
            let method = endpoint.method.as_str();
            let o_op = &ours["paths"][&endpoint.path][method];
            let t_op = &theirs["paths"][contract_path(&endpoint.path)][method];
            assert!(t_op.is_object(), "{} {} is not in the contract", endpoint.method.upper(), endpoint.path);
            let at = &endpoint.name;

            match (o_op.get("requestBody"), t_op.get("requestBody")) {
                (Some(o), Some(t)) => match (json_schema(&ours, o), json_schema(&theirs, t)) {
                    (Some(os), Some(ts)) => compare((&ours, os), (&theirs, ts), &format!("{at} body"), &mut diffs),
                    (os, ts) => diffs.push(format!("{at} body: schema {}, contract {}", os.is_some(), ts.is_some())),
                },
                (None, None) => {}
                (o, t) => diffs.push(format!("{at}: request body {}, contract {}", o.is_some(), t.is_some())),
            }

            let Some(t_responses) = t_op["responses"].as_object() else {
                continue;
            };
            for (status, t_response) in t_responses {
                let Some(o_response) = o_op["responses"].get(status) else {
                    // The contract answers "Unexpected error" with 422 everywhere; we say 500 where no input
                    // can be invalid.
                    if status != "422" || endpoint.all_errors().contains(&ErrorKind::Validation) {
                        diffs.push(format!("{at}: no {status} response"));
                    }
                    continue;
                };
                if let (Some(os), Some(ts)) = (json_schema(&ours, o_response), json_schema(&theirs, t_response)) {
                    compare((&ours, os), (&theirs, ts), &format!("{at} {status}"), &mut diffs);
                }
            }
            compared += 1;
        }
        assert!(diffs.is_empty(), "differences from the Conduit contract:\n{}", diffs.join("\n"));
        assert_eq!(compared, spec.endpoints().count());
    }

    /// All 19 operations of the contract are served, at the same method and path (under `/api`).
    #[test]
    fn every_contract_operation_is_served() {
        let ours = example_json();
        let theirs = contract();
        let mut missing = Vec::new();
        let mut count = 0;
        for (path, item) in theirs["paths"].as_object().expect("contract paths") {
            for (method, op) in item.as_object().expect("path item") {
                if op.get("operationId").is_none() {
                    continue;
                }
                count += 1;
                if !ours["paths"][format!("/api{path}")][method].is_object() {
                    missing.push(format!("{} /api{path} ({})", method.to_uppercase(), op["operationId"]));
                }
            }
        }
        assert_eq!(count, 19, "the contract has 19 operations");
        assert!(missing.is_empty(), "contract operations we do not serve:\n{}", missing.join("\n"));
    }

    #[test]
    fn auth_matches_the_contract() {
        let spec = example();
        let ours = example_json();
        let theirs = contract();
        let scheme = |doc: &Value| {
            let s = &doc["components"]["securitySchemes"]["Token"];
            (s["type"].clone(), s["in"].clone(), s["name"].clone())
        };
        assert_eq!(scheme(&ours), scheme(&theirs));
        for (_, endpoint) in spec.endpoints() {
            let method = endpoint.method.as_str();
            let o = &ours["paths"][&endpoint.path][method]["security"];
            let t = &theirs["paths"][contract_path(&endpoint.path)][method]["security"];
            // The contract marks only required auth; optional auth is ours to document as `[{}, {Token: []}]`.
            let requires = |s: &Value| {
                s.as_array().is_some_and(|reqs| {
                    !reqs.is_empty() && reqs.iter().all(|r| r.as_object().is_some_and(|m| !m.is_empty()))
                })
            };
            assert_eq!(requires(o), requires(t), "{}: security {o}, contract {t}", endpoint.name);
        }
    }
}
