//! `charter new`, `add-app` and `scaffold` on temporary directories: what they write, what they refuse,
//! and that they never overwrite a file. Building the written project is `.ci/new-project`'s job (a cargo
//! build of its own); here each result is checked with `charter check` and by reading the files.

use std::path::Path;
use std::process::{Command, Output};

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charter")).current_dir(cwd).args(args).output().expect("run charter")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn new_project(parent: &Path, args: &[&str]) -> std::path::PathBuf {
    let out = run(parent, &[&["new", "lending-library"], args].concat());
    assert!(out.status.success(), "{}", text(&out));
    parent.join("lending-library")
}

#[test]
fn new_writes_a_checked_project_pointing_at_this_checkout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(tmp.path(), &[]);
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        ".gitignore",
        ".env.example",
        "README.md",
        "spec/project.yaml",
        "spec/core.yaml",
        "src/lib.rs",
        "src/main.rs",
        "src/core/mod.rs",
        "src/core/register.rs",
        "src/core/login.rs",
        "src/core/current_user.rs",
        "tests/http.rs",
        "openapi.json",
        "migrations/schema.json",
        "migrations/sqlite/0001_initial.sql",
        "migrations/postgres/0001_initial.sql",
    ] {
        assert!(dir.join(file).is_file(), "{file} is missing");
    }
    let manifest = read(&dir.join("Cargo.toml"));
    let runtime = std::path::absolute(Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime")).unwrap();
    assert!(manifest.contains("name = \"lending-library\""), "{manifest}");
    assert!(manifest.contains(&format!("{}\"", runtime.display()).replace("/cli/../", "/")), "{manifest}");
    assert!(manifest.contains("[profile.dev.package.argon2]"), "{manifest}");
    assert!(read(&dir.join("src/main.rs")).contains("use lending_library::{App, api};"));
    assert!(read(&dir.join("spec/project.yaml")).contains("title: Lending Library"));
    // Every use case is one import line.
    for file in ["register", "login", "current_user"] {
        let code = read(&dir.join(format!("src/core/{file}.rs")));
        assert_eq!(code.lines().filter(|l| l.starts_with("use ")).count(), 1, "{file}.rs:\n{code}");
    }
    let out = run(&dir, &["check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("migrations: up to date"), "{}", text(&out));
}

#[test]
fn new_refuses_a_non_empty_directory_and_bad_names() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = run(tmp.path(), &["new", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is not empty"), "{}", text(&out));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "nothing written");
    assert_eq!(read(&tmp.path().join("notes.txt")), "mine");

    let out = run(tmp.path(), &["new", "2fast"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!tmp.path().join("2fast").exists());
    let out = run(tmp.path(), &["new", "x", "--db", "mysql"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = run(tmp.path(), &["new"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn new_with_postgres_and_other_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(tmp.path(), &["--db", "postgres", "--charter-version", "0.1.0"]);
    assert!(read(&dir.join(".env.example")).contains("DATABASE_URL=postgres://"));
    assert!(read(&dir.join("src/main.rs")).contains("DATABASE_URL"), "the server refuses to start without it");
    let manifest = read(&dir.join("Cargo.toml"));
    assert!(manifest.contains("charter-runtime = { version = \"0.1.0\" }"), "{manifest}");
    assert!(!dir.join("Cargo.lock").exists(), "the lock file pins path sources only");

    let dir = tmp.path().join("git");
    let out =
        run(tmp.path(), &["new", "git", "--charter-git", "https://example.invalid/charter", "--charter-rev", "abc"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(read(&dir.join("Cargo.toml")).contains("git = \"https://example.invalid/charter\", rev = \"abc\""));
}

#[test]
fn add_app_then_scaffold_write_only_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(tmp.path(), &[]);
    let out = run(&dir, &["add-app", "books"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(read(&dir.join("spec/project.yaml")).contains("apps: [core, books]"));
    assert!(read(&dir.join("src/lib.rs")).contains("mod core;\nmod books;\n"));
    assert!(dir.join("src/books/mod.rs").is_file());
    assert!(run(&dir, &["check"]).status.success(), "an empty app checks");
    // Twice is refused, and changes nothing.
    let before = read(&dir.join("spec/project.yaml"));
    let out = run(&dir, &["add-app", "books"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(read(&dir.join("spec/project.yaml")), before);
    assert_eq!(run(&dir, &["add-app", "Books"]).status.code(), Some(2));

    let spec = dir.join("spec/books.yaml");
    let endpoints = "endpoints:\n  get_book:\n    get: /api/books/{id}\n    path: { id: bigint }\n    auth: required\n    \
                     responses:\n      200: { title: string }\n    errors: [not_found]\n  list_books:\n    get: /api/books\n    \
                     responses:\n      200: { titles: { list: string, max_items: 10 } }\n";
    std::fs::write(&spec, read(&spec).replace("endpoints: {}\n", endpoints)).unwrap();
    // `list_books` is already implemented, in a file of another name: scaffold leaves it alone.
    std::fs::write(dir.join("src/books/catalogue.rs"), "#[use_case]\nimpl ListBooks for crate::App {}\n").unwrap();

    let out = run(&dir, &["scaffold", "--dry-run"]);
    assert!(text(&out).contains("would write src/books/get_book.rs"), "{}", text(&out));
    assert!(!dir.join("src/books/get_book.rs").exists());
    let out = run(&dir, &["scaffold"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("list_books"), "{}", text(&out));
    let stub = read(&dir.join("src/books/get_book.rs"));
    assert!(stub.contains("use crate::api::books::prelude::*;"), "{stub}");
    assert!(
        stub.contains(
            "impl GetBook for crate::App {\n    async fn get_book(&self, ctx: &Ctx, input: GetBookInput) -> Result<GetBookOutput, GetBookError> {"
        ),
        "{stub}"
    );
    assert!(stub.contains("`GetBookError::NotFound(message)` (404)"), "{stub}");
    assert_eq!(
        read(&dir.join("src/books/mod.rs")),
        "//! Use cases of the `books` app, one file per endpoint.\n\nmod get_book;\n"
    );
    // A second run finds nothing to do; an edited stub is never replaced.
    std::fs::write(dir.join("src/books/get_book.rs"), "// mine\nimpl GetBook for crate::App {}\n").unwrap();
    let out = run(&dir, &["scaffold"]);
    assert!(text(&out).contains("every endpoint has its use case"), "{}", text(&out));
    assert_eq!(read(&dir.join("src/books/get_book.rs")), "// mine\nimpl GetBook for crate::App {}\n");
}

#[test]
fn add_app_extends_a_block_list_of_apps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(tmp.path(), &[]);
    let project = dir.join("spec/project.yaml");
    std::fs::write(&project, read(&project).replace("apps: [core]", "apps:\n  - core")).unwrap();
    let out = run(&dir, &["add-app", "loans"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(read(&project).contains("apps:\n  - core\n  - loans\n"), "{}", read(&project));
    assert!(run(&dir, &["check"]).status.success());
}

#[test]
fn new_without_auth_is_a_public_notes_api() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(tmp.path(), &["--auth", "none"]);
    assert!(!read(&dir.join("spec/project.yaml")).contains("\nauth:"));
    for file in ["create_note", "list_notes", "get_note"] {
        assert!(dir.join(format!("src/core/{file}.rs")).is_file(), "{file}");
    }
    assert!(!dir.join("src/core/login.rs").exists());
    let out = run(&dir, &["check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(run(tmp.path(), &["new", "y", "--auth", "basic"]).status.code(), Some(2));
}
