//! Snapshots of the Rust emitter, which are also compiled.
//!
//! Each case is a spec directory; its generated code (with `Options::default()`: no migrations, empty
//! inline OpenAPI documents) is compared with the committed file `macros/tests/ui/generated/<case>.rs`.
//! The trybuild tests of `charter-macros` (`macros/tests/ui/pass/*.rs`) include those files with
//! `#[path = "../generated/<case>.rs"] mod api;`, implement every hook and build the router, so a snapshot
//! that stops compiling fails there.
//!
//! After an intended change to the emitter, rewrite the snapshots and review the diff:
//!
//! ```text
//! UPDATE_EXPECT=1 cargo test -p charter-codegen --test rust
//! cargo test -p charter-macros --test ui
//! git diff macros/tests/ui/generated
//! ```

use std::path::{Path, PathBuf};

use charter_codegen::rust::{Options, generate, generate_compact};
use charter_spec::Spec;

/// `mini`: bearer auth, problem+json, every scalar, enums, inline objects, every kind of parameter, a
/// 204, several success responses and the common errors. `conduit`: the example users see.
const CASES: [&str; 2] = ["mini", "conduit"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec_dir(case: &str) -> PathBuf {
    match case {
        "conduit" => root().join("../generated-example/spec"),
        _ => root().join("tests/fixtures/rust").join(case).join("spec"),
    }
}

fn snapshot_path(case: &str) -> PathBuf {
    root().join("../macros/tests/ui/generated").join(format!("{case}.rs"))
}

fn load(case: &str) -> Spec {
    charter_spec::load_dir(&spec_dir(case))
        .unwrap_or_else(|d| panic!("spec `{case}` does not load:\n{}", d.render(false)))
}

/// `mini` as a build script writes it (unformatted, one item per line): what rustc quotes to a user when
/// an error points into generated code (pinned by `macros/tests/ui/fail/compact_missing_hook.rs`).
const COMPACT: &str = "mini_compact";

/// Generates `case` and compares it with its committed snapshot (rewriting it under `UPDATE_EXPECT=1`).
fn check(case: &str) {
    let actual = match case.strip_suffix("_compact") {
        Some(base) => generate_compact(&load(base), &Options::default()),
        None => generate(&load(case), &Options::default()),
    };
    assert!(!actual.starts_with("compile_error!"), "the emitter produced invalid Rust for `{case}`:\n{actual}");
    let path = snapshot_path(case);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "generated code for `{case}` differs from {} (first difference at line {}):\n  expected: {:?}\n  actual:   {:?}\n\
             rerun with UPDATE_EXPECT=1 to accept it, then `cargo test -p charter-macros --test ui` to compile it",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end of file>"),
            actual.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn mini() {
    check("mini");
}

#[test]
fn conduit() {
    check("conduit");
}

#[test]
fn mini_compact() {
    check(COMPACT);
}

/// Every line of the unformatted output is one item (or a few closing braces), short enough to read in a
/// diagnostic: the longest is a handler or a loader, not an app.
#[test]
fn compact_lines_are_items() {
    let text = generate_compact(&load("conduit"), &Options::default());
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(text.lines().count() > 300, "{} lines", text.lines().count());
    assert!(longest < 12_000, "a line of {longest} bytes");
}

#[test]
fn two_runs_write_identical_bytes() {
    for case in CASES {
        assert_eq!(generate(&load(case), &Options::default()), generate(&load(case), &Options::default()), "{case}");
    }
}

/// A snapshot without a case would be compiled by the ui tests but never regenerated.
#[test]
fn every_snapshot_has_a_case() {
    let dir = snapshot_path("x").parent().unwrap().to_path_buf();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let case = name.strip_suffix(".rs").unwrap_or(&name);
        assert!(
            CASES.contains(&case) || case == COMPACT,
            "{} has no case in codegen/tests/rust.rs",
            dir.join(&name).display()
        );
    }
}
