//! The workspace's crate invariants, checked on cargo's resolved dependency graph (`cargo metadata`, one
//! call): what each crate may not depend on, directly or through any chain of crates. A violation names
//! the chain that brought the crate in, e.g. `charter-runtime -> charter-macros (proc-macro) -> charter-codegen`.
//!
//! What counts: normal and build dependencies, transitively, for every target platform (a `cfg(windows)`
//! dependency counts too). Dev-dependencies do not: they build tests, never the crate.
//!
//! Proc-macro crates: their own dependencies run in the compiler and are never linked into the crate that
//! uses the macro. So the rule that keeps syn, quote and proc-macro2 out of `charter-spec` ignores chains
//! through a proc-macro crate (`charter-spec -> thiserror -> thiserror-impl (proc-macro) -> syn` is fine:
//! a build-time cost every `thiserror` user pays). Every other rule follows chains through proc-macro crates
//! too: a crate built for a macro is still built, and `charter-runtime` must not build the generator or a
//! YAML parser even that way.
//!
//! It lives here because `cargo test` of the workspace runs the cli's tests and the cli has no part in the
//! rules, so its own dependencies cannot hide a violation.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Every YAML parser a crate could pull in (`yaml-rust*` by prefix).
const YAML: &[&str] =
    &["serde-saphyr", "saphyr", "saphyr-parser", "serde_yaml", "serde_yml", "unsafe-libyaml", "yaml-rust*"];

struct Rule {
    krate: &'static str,
    forbidden: &'static [&'static str],
    /// Chains through a proc-macro crate do not count (its dependencies are never linked).
    except_through_proc_macros: bool,
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        krate: "charter-spec",
        forbidden: &["syn", "quote", "proc-macro2"],
        except_through_proc_macros: true,
        why: "the spec crate knows nothing about Rust code generation",
    },
    Rule {
        krate: "charter-spec",
        forbidden: &["axum", "sqlx", "tokio"],
        except_through_proc_macros: false,
        why: "the spec crate knows nothing about HTTP, SQL drivers or async runtimes",
    },
    Rule {
        krate: "charter-runtime",
        forbidden: YAML,
        except_through_proc_macros: false,
        why: "a generated server never reads YAML",
    },
    Rule {
        krate: "charter-runtime",
        forbidden: &["openapiv3", "prettyplease", "charter-codegen", "charter-spec"],
        except_through_proc_macros: false,
        why: "a generated server does not build the generator",
    },
    Rule {
        krate: "charter-macros-core",
        forbidden: &["charter-spec", "charter-codegen", "openapiv3"],
        except_through_proc_macros: false,
        why: "the macros' core checks Rust items, not specs",
    },
    Rule {
        krate: "charter-macros-core",
        forbidden: YAML,
        except_through_proc_macros: false,
        why: "the macros' core never reads YAML",
    },
];

/// Crates whose direct dependencies (normal and build) are exactly limited to a list: what every crate
/// above them builds, kept small on purpose. `charter-names` has none at all.
const ONLY: &[(&str, &[&str], &str)] = &[
    ("charter-names", &[], "the spec parser, the generator and the macros all depend on it"),
    (
        "charter-macros-core",
        &["charter-names", "syn", "quote", "proc-macro2", "regex-lite"],
        "every user crate builds it, through charter-runtime -> charter-macros",
    ),
];

struct Graph {
    /// Package id -> (name, is a proc-macro crate).
    packages: BTreeMap<String, (String, bool)>,
    /// Package id -> ids of its normal and build dependencies.
    deps: BTreeMap<String, Vec<String>>,
    /// Workspace member name -> id.
    members: BTreeMap<String, String>,
}

fn metadata() -> Graph {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let str_of = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut packages = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let proc_macro = p["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["kind"].as_array().into_iter().flatten().any(|k| k == "proc-macro"));
        packages.insert(str_of(&p["id"]), (str_of(&p["name"]), proc_macro));
    }
    let mut deps = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve.nodes") {
        let linked: Vec<String> = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"] != "dev"))
            .map(|d| str_of(&d["pkg"]))
            .collect();
        deps.insert(str_of(&node["id"]), linked);
    }
    let members = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .map(|id| (packages[&str_of(id)].0.clone(), str_of(id)))
        .collect();
    Graph { packages, deps, members }
}

fn matches(name: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

impl Graph {
    fn label(&self, id: &str) -> String {
        let (name, proc_macro) = &self.packages[id];
        if *proc_macro { format!("{name} (proc-macro)") } else { name.clone() }
    }

    /// The shortest chain from `root` to each forbidden crate it reaches, as `a -> b -> c`.
    fn violations(&self, root: &str, rule: &Rule) -> Vec<String> {
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([root]);
        let mut found = Vec::new();
        while let Some(id) = queue.pop_front() {
            let (name, proc_macro) = &self.packages[id];
            if id != root && rule.forbidden.iter().any(|p| matches(name, p)) {
                let mut chain = vec![self.label(id)];
                let mut at = id;
                while let Some(&up) = parent.get(at) {
                    chain.push(self.label(up));
                    at = up;
                }
                chain.reverse();
                found.push(chain.join(" -> "));
            }
            if *proc_macro && id != root && rule.except_through_proc_macros {
                continue;
            }
            for dep in self.deps.get(id).into_iter().flatten() {
                if dep != root && !parent.contains_key(dep.as_str()) {
                    parent.insert(dep, id);
                    queue.push_back(dep);
                }
            }
        }
        found
    }
}

#[test]
fn crates_keep_their_dependency_invariants() {
    let graph = metadata();
    let mut failures = Vec::new();
    for rule in RULES {
        let root =
            graph.members.get(rule.krate).unwrap_or_else(|| panic!("`{}` is not a workspace member", rule.krate));
        for chain in graph.violations(root, rule) {
            failures.push(format!("{} ({}): {chain}", rule.krate, rule.why));
        }
    }
    for (krate, allowed, why) in ONLY {
        let root = graph.members.get(*krate).unwrap_or_else(|| panic!("`{krate}` is not a workspace member"));
        for dep in graph.deps.get(root).into_iter().flatten() {
            let name = &graph.packages[dep].0;
            if !allowed.contains(&name.as_str()) {
                failures.push(format!("{krate} ({why}; only {allowed:?}): {krate} -> {}", graph.label(dep)));
            }
        }
    }
    assert!(failures.is_empty(), "crates depend on what their invariants forbid:\n  {}", failures.join("\n  "));
}

/// The walk itself: a chain through a proc-macro crate is found, and skipped only where the rule says so.
#[test]
fn chains_through_proc_macros_follow_the_rule() {
    let graph = metadata();
    let spec = &graph.members["charter-spec"];
    let strict = Rule { except_through_proc_macros: false, ..RULES[0] };
    let through = graph.violations(spec, &strict);
    assert!(
        through.iter().any(|c| c.contains("(proc-macro) -> ") && c.ends_with("syn")),
        "charter-spec reaches syn through thiserror's proc macro, and the strict walk should say so: {through:?}"
    );
    assert!(graph.violations(spec, &RULES[0]).is_empty());
}
