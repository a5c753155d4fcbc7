//! The diagnostics corpus: every class of problem the spec crate reports, as a small broken spec next to the
//! exact output `charter check` prints for it.
//!
//! A case is a folder `tests/diagnostics/<case>/` holding `spec/*.yaml` (a complete spec dir: `project.yaml`
//! plus app files, with the mistake in it); its plain `Diagnostics::render(false)` output is the insta
//! snapshot `tests/snapshots/diagnostics__<case>.snap`. Add a case by adding a folder; then, and after any
//! intended change to a message or span, rewrite the snapshots and review the diff:
//!
//! ```text
//! INSTA_UPDATE=always cargo test -p charter-spec --test diagnostics
//! git diff spec/tests/snapshots
//! ```
//!
//! (Or `cargo insta review`, when cargo-insta is installed.)

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use charter_spec::{Diagnostics, Span, load_dir, load_files};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics")
}

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-example/spec")
}

/// Loads `<case>/spec`, which must fail, and compares the rendered diagnostics with the snapshot
/// `diagnostics__<case>.snap` (rewritten under `INSTA_UPDATE=always`). Returns the rendered output.
fn check(case: &Path) -> String {
    let name = case.file_name().unwrap().to_string_lossy();
    let diags = match load_dir(&case.join("spec")) {
        Ok(_) => panic!("case `{name}`: the spec loads without errors, but every case must fail"),
        Err(d) => d,
    };
    let actual = diags.render(false);
    // Paths are shown relative to the spec dir's parent, so the expected files hold no machine's paths.
    for line in
        actual.lines().filter_map(|l| l.trim_start().strip_prefix("--> ").or(l.trim_start().strip_prefix("::: ")))
    {
        assert!(line.starts_with("spec/"), "case `{name}`: location `{line}` is not relative to the case dir");
    }
    assert!(!actual.contains(env!("CARGO_MANIFEST_DIR")), "case `{name}`: output holds an absolute path");
    insta::assert_snapshot!(name.as_ref(), &actual);
    actual
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(corpus_dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    cases
}

#[test]
fn corpus() {
    let cases = cases();
    assert!(!cases.is_empty());
    let mut all = String::new();
    for case in &cases {
        all.push_str(&check(case));
    }
    // Every class of problem keeps at least one case (a renamed or dropped code shows up here).
    let codes = [
        "yaml-syntax",
        "unknown-key",
        "duplicate-key",
        "missing-key",
        "missing-project",
        "unknown-type",
        "unknown-reference",
        "unknown-field",
        "duplicate-endpoint",
        "duplicate-route",
        "undeclared-path-param",
        "unused-path-param",
        "decoupling",
        "dependency-cycle",
        "default-type",
        "default-violates",
        "constraint-type",
        "empty-range",
        "bad-pattern",
        "unknown-error",
        "unknown-value",
        "no-auth-scheme",
        "body-not-allowed",
        "no-success-response",
        "bad-name",
        "unknown-placeholder",
        "yaml-alias-limit",
        "yaml-merge-key",
        "not-utf8",
        "duplicate-project",
        "duplicate-app",
        "set-null-required",
    ];
    for code in codes {
        assert!(all.contains(&format!("error[{code}]")), "no case in the corpus reports `{code}`");
    }
}

#[test]
fn example_spec_has_no_diagnostics() {
    if let Err(d) = load_dir(&example_dir()) {
        panic!("the example spec has diagnostics:\n{}", d.render(false));
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random edit of `text`, described for the failure message. Works on chars and lines, so the text stays
/// valid UTF-8 (as every file read from disk is).
fn mutate(rng: &mut Rng, text: &str, log: &mut String) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut chars: Vec<char> = text.chars().collect();
    let line = rng.below(lines.len());
    let at = rng.below(chars.len() + 1);
    const INSERTS: &[&str] = &[
        ":", "[", "{", "]", "}", "\t", "é", "→", "😀", "\u{200b}", "\u{feff}", "- ", "&a", "*a", "!", "\n", "#", "'",
        "\"",
    ];
    match rng.below(8) {
        0 if !lines.is_empty() => {
            let _ = write!(log, "delete line {line}; ");
            lines.remove(line);
            return lines.concat();
        }
        1 if !lines.is_empty() => {
            let _ = write!(log, "duplicate line {line}; ");
            lines.insert(line, lines[line]);
            return lines.concat();
        }
        2 if chars.len() > 1 => {
            let other = rng.below(chars.len());
            let at = at.min(chars.len() - 1);
            let _ = write!(log, "swap chars {at} and {other}; ");
            chars.swap(at, other);
        }
        3 => {
            let _ = write!(log, "truncate at char {at}; ");
            chars.truncate(at);
        }
        4 if !lines.is_empty() => {
            // Re-indent a line by a tab or a space: YAML's most common mistake.
            let with = if rng.below(2) == 0 { "\t" } else { " " };
            let _ = write!(log, "indent line {line} with {with:?}; ");
            let indented = format!("{with}{}", lines[line]);
            lines[line] = &indented;
            return lines.concat();
        }
        _ => {
            let s = INSERTS[rng.below(INSERTS.len())];
            let _ = write!(log, "insert {s:?} at char {at}; ");
            chars.splice(at..at, s.chars());
        }
    }
    chars.into_iter().collect()
}

fn span_ok(span: Span, text: &str) -> bool {
    span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// Every diagnostic, and every span it points to, lies inside its file's text.
fn spans_in_bounds(d: &Diagnostics) -> Result<(), String> {
    for item in &d.items {
        for span in std::iter::once(item.span).chain(item.related.iter().map(|(s, _)| *s)) {
            let text = &d.sources.file(span.file).text;
            if !span_ok(span, text) {
                return Err(format!("`{}` has span {span:?} outside its {}-byte file", item.code, text.len()));
            }
        }
    }
    Ok(())
}

#[test]
fn mutated_example_specs_never_panic() {
    let dir = example_dir();
    let mut originals: Vec<(PathBuf, String)> = ["project.yaml", "core.yaml", "articles.yaml"]
        .iter()
        .map(|f| (Path::new("spec").join(f), std::fs::read_to_string(dir.join(f)).unwrap()))
        .collect();
    originals.sort();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut failed = 0;
    for round in 0..400 {
        let mut files = originals.clone();
        let file = rng.below(files.len());
        let mut log = format!("round {round}, {}: ", files[file].0.display());
        for _ in 0..1 + rng.below(3) {
            files[file].1 = mutate(&mut rng, &files[file].1, &mut log);
        }
        let input = files.clone();
        let result = std::panic::catch_unwind(|| {
            let result = load_files(input);
            // Rendering must not panic either, whatever the spans.
            let rendered = result.as_ref().err().map(|d| d.render(false));
            (result, rendered)
        });
        let (result, rendered) = match result {
            Ok(r) => r,
            Err(_) => panic!("load_files panicked; {log}\n--- mutated file\n{}", files[file].1),
        };
        match result {
            Ok(_) => {}
            Err(d) => {
                failed += 1;
                assert!(!d.items.is_empty(), "an Err without diagnostics; {log}");
                if let Err(e) = spans_in_bounds(&d) {
                    panic!("{e}; {log}\n--- mutated file\n{}\n--- rendered\n{}", files[file].1, rendered.unwrap());
                }
            }
        }
    }
    // The mutations must actually break specs (and some leave them valid: a duplicated comment line, say).
    assert!(failed > 200, "only {failed} of 400 mutated specs failed to load");
}
