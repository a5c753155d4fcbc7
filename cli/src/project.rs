//! `charter new`: a project of one's own that builds, runs and passes its tests with no edit.
//!
//! The files come from `templates/` (embedded in the binary), with `{{placeholders}}` filled in; the first
//! migration and `openapi.json` are then generated from the written spec by the same code as
//! `charter makemigrations` and `charter openapi --write`, so they always match it.

use std::path::{Path, PathBuf};

use charter_codegen::Builder;
use charter_codegen::sql::{MakeOptions, migrations};

use crate::files::{self, CliError};

/// Where the new project's Cargo.toml takes the Charter crates from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A checkout of Charter (its root, holding `runtime/` and `codegen/`).
    Path(PathBuf),
    Git {
        url: String,
        rev: Option<String>,
    },
    /// crates.io.
    Version(String),
}

impl Source {
    /// The checkout this binary was built from, when it is still there (`cargo install --path cli`);
    /// else this binary's own version on crates.io.
    pub fn default_for_this_build() -> Source {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if root.join("runtime/Cargo.toml").is_file() && root.join("codegen/Cargo.toml").is_file() {
            Source::Path(std::path::absolute(&root).map(|p| normalize(&p)).unwrap_or(root))
        } else {
            Source::Version(env!("CARGO_PKG_VERSION").to_owned())
        }
    }

    /// The inside of a dependency's inline table for `crate_dir` (`runtime` or `codegen`).
    fn dependency(&self, crate_dir: &str) -> String {
        match self {
            Source::Path(root) => format!("path = {}", toml_string(&root.join(crate_dir).display().to_string())),
            Source::Git { url, rev: None } => format!("git = {}", toml_string(url)),
            Source::Git { url, rev: Some(rev) } => format!("git = {}, rev = {}", toml_string(url), toml_string(rev)),
            Source::Version(v) => format!("version = {}", toml_string(v)),
        }
    }
}

/// How callers authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <jwt>`, issued by the core app's register and login.
    Bearer,
    /// Every endpoint public.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub dir: PathBuf,
    /// The package name (default: the directory's name).
    pub name: Option<String>,
    pub database: Database,
    pub auth: Auth,
    pub source: Source,
}

/// The Cargo.lock of the workspace this binary was built from, when the build could see it (see
/// `build.rs`): a new project then starts from the versions Charter is tested with, and builds offline
/// from a warm cargo cache. Cargo drops the entries the project does not use.
const LOCKFILE: &str = include_str!(concat!(env!("OUT_DIR"), "/Cargo.lock"));

/// Every project's files.
const COMMON: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/Cargo.toml.tmpl")),
    ("build.rs", include_str!("../templates/build.rs.tmpl")),
    (".gitignore", include_str!("../templates/gitignore.tmpl")),
    (".env.example", include_str!("../templates/env.example.tmpl")),
    ("README.md", include_str!("../templates/README.md.tmpl")),
    ("src/lib.rs", include_str!("../templates/src/lib.rs.tmpl")),
    ("src/main.rs", include_str!("../templates/src/main.rs.tmpl")),
];

/// `--auth bearer`: users, register, login and the current user, with bearer tokens.
const BEARER: &[(&str, &str)] = &[
    ("spec/project.yaml", include_str!("../templates/bearer/spec/project.yaml.tmpl")),
    ("spec/core.yaml", include_str!("../templates/bearer/spec/core.yaml.tmpl")),
    ("src/core/mod.rs", include_str!("../templates/bearer/src/core/mod.rs.tmpl")),
    ("src/core/register.rs", include_str!("../templates/bearer/src/core/register.rs.tmpl")),
    ("src/core/login.rs", include_str!("../templates/bearer/src/core/login.rs.tmpl")),
    ("src/core/current_user.rs", include_str!("../templates/bearer/src/core/current_user.rs.tmpl")),
    ("tests/http.rs", include_str!("../templates/bearer/tests/http.rs.tmpl")),
];

/// `--auth none`: a public API; the core app keeps notes (create, a page, one).
const OPEN: &[(&str, &str)] = &[
    ("spec/project.yaml", include_str!("../templates/open/spec/project.yaml.tmpl")),
    ("spec/core.yaml", include_str!("../templates/open/spec/core.yaml.tmpl")),
    ("src/core/mod.rs", include_str!("../templates/open/src/core/mod.rs.tmpl")),
    ("src/core/create_note.rs", include_str!("../templates/open/src/core/create_note.rs.tmpl")),
    ("src/core/list_notes.rs", include_str!("../templates/open/src/core/list_notes.rs.tmpl")),
    ("src/core/get_note.rs", include_str!("../templates/open/src/core/get_note.rs.tmpl")),
    ("tests/http.rs", include_str!("../templates/open/tests/http.rs.tmpl")),
];

/// Writes the project; returns the paths written, relative to its directory.
pub fn create(p: &NewProject) -> Result<Vec<String>, CliError> {
    if p.dir.exists() {
        let empty = std::fs::read_dir(&p.dir).map_err(files::io(&p.dir))?.next().is_none();
        if !empty {
            return Err(CliError::Refused(format!(
                "{} exists and is not empty; charter new writes only into a new or empty directory",
                p.dir.display()
            )));
        }
    }
    let name = match &p.name {
        Some(n) => n.clone(),
        // `charter new .` names the package after the current directory.
        None => std::path::absolute(&p.dir)
            .map(|d| normalize(&d))
            .unwrap_or_else(|_| p.dir.clone())
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                CliError::Usage(format!("cannot name a package after `{}`; pass --name", p.dir.display()))
            })?,
    };
    check_package_name(&name)?;
    let crate_name = name.replace('-', "_");
    let title = title_of(&name);
    let (database_line, database_check, database_note, run_command) = match p.database {
        Database::Sqlite => (
            "DATABASE_URL=sqlite://data.db?mode=rwc".to_owned(),
            String::new(),
            "on an embedded SQLite file, `data.db`, created and migrated on first start".to_owned(),
            "cargo run".to_owned(),
        ),
        Database::Postgres => (
            format!(
                "# Required: the server does not start without it.\nDATABASE_URL=postgres://postgres@127.0.0.1:5432/{crate_name}"
            ),
            format!(
                "    // Chosen at `charter new --db postgres`: never fall back to an SQLite file by mistake.\n    \
                 if std::env::var_os(\"DATABASE_URL\").is_none() {{\n        \
                 eprintln!(\"error: set DATABASE_URL to the PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/{crate_name} (see .env.example)\");\n        \
                 return std::process::ExitCode::from(2);\n    }}\n"
            ),
            "on PostgreSQL: the database must exist; its tables are created on first start".to_owned(),
            format!(
                "createdb {crate_name}   # once\nDATABASE_URL=postgres://postgres@127.0.0.1:5432/{crate_name} cargo run"
            ),
        ),
    };
    let vars: [(&str, String); 9] = [
        ("name", name.clone()),
        ("crate", crate_name),
        ("title", title),
        ("charter_runtime", p.source.dependency("runtime")),
        ("charter_codegen", p.source.dependency("codegen")),
        ("database_line", database_line),
        ("database_check", database_check),
        ("database_note", database_note),
        ("run_command", run_command),
    ];
    let mut written = Vec::new();
    let app_files = match p.auth {
        Auth::Bearer => BEARER,
        Auth::None => OPEN,
    };
    for (path, template) in COMMON.iter().chain(app_files) {
        files::write_new(&p.dir.join(path), &fill(template, &vars))?;
        written.push((*path).to_owned());
    }
    if !LOCKFILE.is_empty() && matches!(p.source, Source::Path(_)) {
        files::write_new(&p.dir.join("Cargo.lock"), LOCKFILE)?;
        written.push("Cargo.lock".to_owned());
    }
    // The first migration and the committed document, from the spec just written.
    let mut builder = Builder::new();
    builder.root(&p.dir);
    let spec = builder.load().map_err(CliError::Generate)?;
    migrations::make(&spec, &builder.migrations_path(), Some("initial"), &MakeOptions::default())
        .map_err(|e| CliError::Generate(e.into()))?;
    written.push("migrations/".to_owned());
    let generated = builder.render().map_err(CliError::Generate)?;
    if let Some(path) = builder.openapi_path() {
        files::write_new(&path, &generated.openapi_json)?;
        written.push("openapi.json".to_owned());
    }
    Ok(written)
}

/// `{{key}}` replaced by its value; an unknown key is a bug in the templates, caught by the tests.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

/// What cargo accepts as a package name, and what can become a crate name users import.
fn check_package_name(name: &str) -> Result<(), CliError> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !matches!(name, "test" | "core" | "std" | "alloc" | "proc_macro" | "self" | "crate" | "super");
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "`{name}` cannot be a package name: use letters, digits, `-` and `_`, starting with a letter \
             (pass --name to name the package differently from its directory)"
        )))
    }
}

/// `lending-library` -> `Lending Library`.
fn title_of(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `a/b/../c` -> `a/c`, without touching the file system (the checkout may be reached through a link).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let vars: Vec<(&str, String)> = [
            "name",
            "crate",
            "title",
            "charter_runtime",
            "charter_codegen",
            "database_line",
            "database_check",
            "database_note",
            "run_command",
        ]
        .iter()
        .map(|k| (*k, "x".to_owned()))
        .collect();
        for (path, template) in COMMON.iter().chain(BEARER).chain(OPEN) {
            let filled = fill(template, &vars);
            assert!(!filled.contains("{{"), "{path} has a placeholder no variable fills:\n{filled}");
        }
    }

    #[test]
    fn titles_and_names() {
        assert_eq!(title_of("lending-library"), "Lending Library");
        assert!(check_package_name("my_api-2").is_ok());
        for bad in ["2fast", "has space", "core", ""] {
            assert!(check_package_name(bad).is_err(), "{bad}");
        }
    }
}
