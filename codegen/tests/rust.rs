//! Snapshots of the Rust emitter, which are also compiled.
//!
//! Each case is a spec directory; its generated code (with `Options::default()`: no migrations, empty
//! inline OpenAPI documents) is an insta binary snapshot: `tests/snapshots/rust__<case>.snap` holds insta's
//! metadata and `tests/snapshots/rust__<case>.snap.rs` the generated code itself, a plain Rust file. The
//! trybuild tests of `charter-macros` (`macros/tests/ui/{pass,fail}/*.rs`) include those files with
//! `#[path = "../../../../codegen/tests/snapshots/rust__<case>.snap.rs"] mod api;`, implement the hooks and
//! build the router, so a snapshot that stops compiling fails there.
//!
//! After an intended change to the emitter, rewrite the snapshots, compile them and review the diff:
//!
//! ```text
//! INSTA_UPDATE=always cargo test -p charter-codegen --test rust
//! cargo test -p charter-macros --test ui
//! git diff codegen/tests/snapshots
//! ```
//!
//! (Without `INSTA_UPDATE=always`, a changed snapshot fails and insta leaves the new output next to it as
//! `rust__<case>.snap.new.rs`; `cargo insta review` accepts it, when cargo-insta is installed.)

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

/// The committed generated code of `case` (the data file of its insta snapshot).
fn snapshot_path(case: &str) -> PathBuf {
    root().join("tests/snapshots").join(format!("rust__{case}.snap.rs"))
}

fn load(case: &str) -> Spec {
    charter_spec::load_dir(&spec_dir(case))
        .unwrap_or_else(|d| panic!("spec `{case}` does not load:\n{}", d.render(false)))
}

/// `mini` as a build script writes it (unformatted, one item per line): what rustc quotes to a user when
/// an error points into generated code (pinned by `macros/tests/ui/fail/compact_missing_hook.rs`).
const COMPACT: &str = "mini_compact";

/// Generates `case` and compares it with its committed snapshot (rewritten under `INSTA_UPDATE=always`).
fn check(case: &str) {
    let actual = match case.strip_suffix("_compact") {
        Some(base) => generate_compact(&load(base), &Options::default()),
        None => generate(&load(case), &Options::default()),
    };
    assert!(!actual.starts_with("compile_error!"), "the emitter produced invalid Rust for `{case}`:\n{actual}");
    // insta shows no diff of a binary snapshot, only the two files: point at the first difference.
    let expected = std::fs::read_to_string(snapshot_path(case)).unwrap_or_default();
    if let Some(line) = expected.lines().zip(actual.lines()).position(|(e, a)| e != a) {
        eprintln!(
            "generated code for `{case}` differs from {}, first at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             accept it with INSTA_UPDATE=always, then compile it with `cargo test -p charter-macros --test ui`",
            snapshot_path(case).display(),
            line + 1,
            expected.lines().nth(line).unwrap_or_default(),
            actual.lines().nth(line).unwrap_or_default(),
        );
    }
    insta::assert_binary_snapshot!(&format!("{case}.rs"), actual.into_bytes());
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

/// A snapshot without a case would never be regenerated (and may still be compiled by the ui tests).
#[test]
fn every_snapshot_has_a_case() {
    let dir = root().join("tests/snapshots");
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        // Pending `.snap.new*` files are insta's, not cases.
        let Some(case) =
            name.strip_prefix("rust__").and_then(|n| n.strip_suffix(".snap.rs").or(n.strip_suffix(".snap")))
        else {
            continue;
        };
        assert!(
            CASES.contains(&case) || case == COMPACT,
            "{} has no case in codegen/tests/rust.rs",
            dir.join(&name).display()
        );
    }
}
