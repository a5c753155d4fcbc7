//! A large valid spec goes through parse, validation and every emitter on a thread with a small stack:
//! nothing the generator does may recurse as deep as the spec is large (a 20,000-endpoint spec once
//! overflowed a worker's stack formatting a `.route()` chain as deep as the spec had routes).

use std::path::PathBuf;

/// Endpoints in the test spec: enough that a walk nested once per endpoint would need more than the stack.
const ENDPOINTS: usize = 3_000;
/// Well under the 8 MiB of a main thread and std's 2 MiB default for spawned ones.
const STACK: usize = 1 << 20;

fn spec_files() -> Vec<(PathBuf, String)> {
    let project = "title: Large\nversion: 0.1.0\napps: [big]\n".to_string();
    let mut app = String::from(
        "app: big\nmodels:\n  Item:\n    fields:\n      name: { type: string, max_length: 64 }\n\
         types:\n  Item:\n    from: Item\n    pick: [name]\nendpoints:\n",
    );
    for i in 0..ENDPOINTS {
        // Every endpoint on its own path: one router entry each.
        app.push_str(&format!(
            "  get_item_{i}:\n    get: /items/v{i}/{{id}}\n    path:\n      id: bigint\n    responses:\n      200: Item\n    errors: [not_found]\n"
        ));
    }
    vec![("spec/project.yaml".into(), project), ("spec/big.yaml".into(), app)]
}

#[test]
fn large_spec_generates_on_a_small_stack() {
    let run = || {
        let spec = charter_codegen::spec::load_files(spec_files()).unwrap_or_else(|d| panic!("{}", d.render(false)));
        assert_eq!(spec.endpoints().count(), ENDPOINTS);
        let options = charter_codegen::rust::Options::default();
        let rust = charter_codegen::rust::generate_compact(&spec, &options);
        assert!(rust.contains(&format!("get_item_{}", ENDPOINTS - 1)));
        let (json, yaml) = charter_codegen::openapi::render(&spec);
        assert!(json.contains(&format!("/items/v{}/{{id}}", ENDPOINTS - 1)) && !yaml.is_empty());
        let schema = charter_codegen::sql::Schema::from_spec(&spec).expect("schema");
        let ops = charter_codegen::sql::diff(&charter_codegen::sql::Schema::default(), &schema);
        let _ = charter_codegen::sql::render(&ops, &schema, charter_codegen::sql::Dialect::Sqlite);
        // The router part formatted the way `charter expand` does (syn + prettyplease), which walks every
        // expression recursively; and the parsed file is dropped, also recursively.
        let router = &rust[rust.find("pub fn router").expect("a router")..];
        let file = syn::parse_file(router).expect("the router parses");
        assert!(prettyplease::unparse(&file).contains("get_item_0"));
        drop(file);
        // The router is cut into statements: no chain of every route.
        assert!(rust.matches("let router = router").count() >= ENDPOINTS / 64);
    };
    std::thread::Builder::new().stack_size(STACK).spawn(run).unwrap().join().unwrap();
}

/// A chain of apps, each depending on the one before: ordering them must not recurse once per app.
#[test]
fn long_app_dependency_chain_on_a_small_stack() {
    const APPS: usize = 3_000;
    let run = || {
        // App i depends on app i - 1; names sort the other way, so the walk starts at the end of the chain.
        let names: Vec<String> = (0..APPS).map(|i| format!("a{:05}", APPS - i)).collect();
        let mut files: Vec<(PathBuf, String)> =
            vec![("spec/project.yaml".into(), format!("title: Chain\nversion: 0.1.0\napps: [{}]\n", names.join(", ")))];
        for (i, name) in names.iter().enumerate() {
            let deps = if i == 0 { String::new() } else { format!("depends_on: [{}]\n", names[i - 1]) };
            files.push((format!("spec/{name}.yaml").into(), format!("app: {name}\n{deps}")));
        }
        let spec = charter_codegen::spec::load_files(files).unwrap_or_else(|d| panic!("{}", d.render(false)));
        let order: Vec<&str> = spec.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(order.len(), APPS);
        assert!(order.iter().zip(&names).all(|(a, b)| a == b), "apps are not in dependency order");
    };
    std::thread::Builder::new().stack_size(STACK).spawn(run).unwrap().join().unwrap();
}
