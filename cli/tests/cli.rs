//! The `charter` command on a copy of the example project: `check` passes on it and fails, saying why,
//! when the spec changes without a migration or when openapi.json is stale.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-example")
}

/// A copy of the example's spec, migrations and openapi.json in a temp dir.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&example().join("spec"), &dir.path().join("spec"));
    copy_dir(&example().join("migrations"), &dir.path().join("migrations"));
    std::fs::copy(example().join("openapi.json"), dir.path().join("openapi.json")).expect("copy openapi.json");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn charter(dir: &Path, args: &[&str]) -> (bool, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_charter")).args(args).arg("--dir").arg(dir).output().expect("run charter");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn check_passes_on_the_example() {
    let (ok, out) = charter(&example(), &["check"]);
    assert!(ok, "{out}");
    assert!(out.contains("spec: ok (2 apps, 19 endpoints)"), "{out}");
}

#[test]
fn check_fails_when_migrations_are_stale() {
    let dir = project();
    edit(
        &dir.path().join("spec/articles.yaml"),
        "      body: { type: text, min_length: 1 }\n",
        "      body: { type: text, min_length: 1 }\n      views: { type: int, default: 0 }\n",
    );
    let (ok, out) = charter(dir.path(), &["check"]);
    assert!(!ok, "{out}");
    assert!(out.contains("the spec changed since migration 0003"), "{out}");
    assert!(out.contains("views"), "names the change: {out}");
    assert!(!out.contains("openapi.json is stale"), "the field is in no type, so the document is unchanged: {out}");
}

#[test]
fn check_fails_when_openapi_is_stale_and_write_fixes_it() {
    let dir = project();
    edit(&dir.path().join("spec/articles.yaml"), "summary: Get tags", "summary: List every tag");
    let (ok, out) = charter(dir.path(), &["check"]);
    assert!(!ok, "{out}");
    assert!(out.contains("openapi.json is stale; run `charter openapi --write`"), "{out}");
    assert!(!out.contains("migration"), "schema unchanged: {out}");
    let (ok, out) = charter(dir.path(), &["openapi", "--write"]);
    assert!(ok, "{out}");
    let (ok, out) = charter(dir.path(), &["check"]);
    assert!(ok, "{out}");
}

#[test]
fn check_reports_spec_errors_with_locations() {
    let dir = project();
    edit(&dir.path().join("spec/articles.yaml"), "belongs_to: core.User", "belongs_to: core.Usr");
    let (ok, out) = charter(dir.path(), &["check"]);
    assert!(!ok);
    assert!(out.contains("error[unknown-reference]: unknown model `core.Usr`"), "{out}");
    assert!(out.contains("spec/articles.yaml:"), "{out}");
    assert!(out.contains("did you mean `core.User`?"), "{out}");
}

#[test]
fn makemigrations_on_a_fresh_project_writes_once() {
    let dir = project();
    std::fs::remove_dir_all(dir.path().join("migrations")).expect("rm migrations");
    let (ok, out) = charter(dir.path(), &["makemigrations"]);
    assert!(ok, "{out}");
    assert!(out.contains("wrote migration 0001_initial"), "{out}");
    let (ok, out) = charter(dir.path(), &["makemigrations"]);
    assert!(ok, "{out}");
    assert!(out.contains("nothing written"), "{out}");
    // One fresh migration reaches the schema the committed migrations (0001, 0002, ...) reach.
    let file = "migrations/schema.json";
    assert_eq!(
        std::fs::read_to_string(dir.path().join(file)).expect("new"),
        std::fs::read_to_string(example().join(file)).expect("committed"),
        "{file}"
    );
}

#[test]
fn routes_lists_every_endpoint() {
    let (ok, out) = charter(&example(), &["routes"]);
    assert!(ok, "{out}");
    let row = out.lines().find(|l| l.contains("articles::create_article")).unwrap_or_default();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["POST", "/api/articles", "articles::create_article", "required", "spec/articles.yaml:84:3"],
        "{out}"
    );
    assert_eq!(out.lines().count(), 20, "{out}");
}

#[test]
fn makemigrations_writes_the_next_one_refuses_data_loss_and_dry_runs() {
    let dir = project();
    let articles = dir.path().join("spec/articles.yaml");
    let body = "      body: { type: text, min_length: 1 }\n";
    edit(&articles, body, &format!("{body}      views: {{ type: int, default: 0 }}\n"));
    let (ok, out) = charter(dir.path(), &["makemigrations"]);
    assert!(ok, "{out}");
    assert!(out.contains("wrote migration 0004_add_articles_views"), "{out}");
    let (ok, out) = charter(dir.path(), &["check"]);
    assert!(ok, "{out}");

    // Dropping it again loses data: refused, with the list, exit code 1, nothing written.
    edit(&articles, "      views: { type: int, default: 0 }\n", "");
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("migrations/sqlite"))
            .expect("read migrations")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(["makemigrations", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run charter");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("drop column `articles.views` and every value in it"), "{text}");
    assert!(text.contains("--allow-destructive"), "{text}");
    assert_eq!(listing(dir.path()), before);

    let (ok, out) = charter(dir.path(), &["makemigrations", "--dry-run"]);
    assert!(ok, "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    assert!(out.contains("ALTER TABLE \"articles\" DROP COLUMN \"views\";"), "{out}");
    assert_eq!(listing(dir.path()), before);

    let (ok, out) = charter(dir.path(), &["makemigrations", "--allow-destructive", "--name", "drop views"]);
    assert!(ok, "{out}");
    assert!(out.contains("wrote migration 0005_drop_views"), "{out}");
    let (ok, out) = charter(dir.path(), &["makemigrations"]);
    assert!(ok && out.contains("nothing written"), "{out}");
}

#[test]
fn help_goes_to_stdout_and_succeeds() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_charter")).args(args).output().expect("run charter");
    let mut cases: Vec<Vec<&str>> = vec![vec!["--help"], vec!["-h"], vec!["help"]];
    for command in ["check", "makemigrations", "openapi", "routes", "expand", "status"] {
        cases.push(vec![command, "--help"]);
        cases.push(vec![command, "-h"]);
        cases.push(vec!["help", command]);
    }
    // Help wins over the other arguments, even ones that would be errors.
    cases.push(vec!["check", "--dir", "/nonexistent", "--help"]);
    for args in cases {
        let out = run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "charter {args:?}: exit {:?}, stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("usage: charter"), "charter {args:?}: no usage on stdout: {stdout}");
        assert!(out.stderr.is_empty(), "charter {args:?}: stderr not empty");
    }
    // Mistakes are still errors, with the usage on stderr.
    let out = run(&["check", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument `--bogus`"));
}

#[test]
fn makemigrations_reports_a_mistyped_renamed_from_at_the_hint() {
    let dir = project();
    let core = dir.path().join("spec/core.yaml");
    edit(
        &core,
        "      password_hash: { type: string, max_length: 255 }\n",
        "      password_digest: { type: string, max_length: 255, renamed_from: pasword_hash }\n",
    );
    // The project's `auth.invalidated_by` names the field too; renaming it there keeps the spec valid.
    edit(&dir.path().join("spec/project.yaml"), "core.User.password_hash", "core.User.password_digest");
    let (ok, out) = charter(dir.path(), &["makemigrations"]);
    assert!(!ok, "{out}");
    assert!(out.contains("error[unknown-rename]"), "{out}");
    assert!(out.contains("--> spec/core.yaml:10:"), "{out}");
    assert!(out.contains("did you mean `password_hash`?"), "{out}");
    assert!(!out.contains("error: error"), "{out}");
}
