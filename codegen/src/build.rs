//! The `build.rs` entry: load the spec, generate Rust and OpenAPI into `OUT_DIR`, warn about stale
//! committed artifacts, and tell cargo exactly which files to watch.

use std::fmt;
use std::path::{Path, PathBuf};

use charter_spec::{Diagnostics, Spec};

use crate::rust::{Embedded, Options};
use crate::sql::{Dialect, MigrationError, Status, migrations};
use crate::{openapi, rust};

/// Configures generation; every setter has a default that fits the conventional layout
/// (`spec/`, `migrations/`, `openapi.json` next to `Cargo.toml`).
///
/// ```no_run
/// // build.rs
/// charter_codegen::Builder::new().spec_dir("spec").migrations_dir("migrations").build_script();
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    root: Option<PathBuf>,
    spec_dir: PathBuf,
    migrations_dir: PathBuf,
    openapi_file: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    /// `None`: formatted, except in [`build_script`](Builder::build_script).
    format_rust: Option<bool>,
    require_migrations: bool,
}

/// What one generation produced.
#[derive(Debug, Clone)]
pub struct Generated {
    pub spec: Spec,
    pub rust: String,
    pub openapi_json: String,
    pub openapi_yaml: String,
    /// Stale committed artifacts, one line each.
    pub warnings: Vec<String>,
    /// Why the migrations do not create the spec's schema (none written yet, or the spec changed since the
    /// last one), with the command that fixes it; `None` when they do. Also one of `warnings`.
    pub migrations_behind: Option<String>,
    /// Every input file read (spec files, migrations, the committed OpenAPI document).
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug)]
pub enum Error {
    /// The spec has errors; rendered, they are the whole message.
    Spec(Diagnostics),
    Migrations(MigrationError),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    NoOutDir,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(d) => f.write_str(&d.render(false)),
            // Rendered as diagnostics, each starting with `error[..]`.
            Error::Migrations(e) => write!(f, "{e}"),
            Error::Io { path, source } => write!(f, "error: cannot write {}: {source}", path.display()),
            Error::NoOutDir => f.write_str("error: no output directory: set `out_dir` or run from a build script"),
        }
    }
}

impl std::error::Error for Error {}

impl From<MigrationError> for Error {
    fn from(e: MigrationError) -> Self {
        Error::Migrations(e)
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            root: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
            spec_dir: "spec".into(),
            migrations_dir: "migrations".into(),
            openapi_file: Some("openapi.json".into()),
            out_dir: None,
            format_rust: None,
            require_migrations: true,
        }
    }

    /// The directory relative paths are resolved against (default: `CARGO_MANIFEST_DIR`, else the
    /// current directory).
    pub fn root(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.root = Some(dir.into());
        self
    }

    pub fn spec_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.spec_dir = dir.into();
        self
    }

    pub fn migrations_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.migrations_dir = dir.into();
        self
    }

    /// The committed OpenAPI document to keep in sync (`None`: no check).
    pub fn openapi_file(&mut self, file: Option<PathBuf>) -> &mut Self {
        self.openapi_file = file;
        self
    }

    /// Where generated files go (default: `OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether [`build_script`](Builder::build_script) fails when the spec has models and the migrations do
    /// not create them (default: it does). A server built anyway would start and answer every request with
    /// a database error, so only crates that never run against a database (compile checks) turn this off.
    pub fn require_migrations(&mut self, require: bool) -> &mut Self {
        self.require_migrations = require;
        self
    }

    fn path(&self, p: &Path) -> PathBuf {
        match &self.root {
            Some(root) if p.is_relative() => root.join(p),
            _ => p.to_path_buf(),
        }
    }

    pub fn spec_path(&self) -> PathBuf {
        self.path(&self.spec_dir)
    }

    pub fn migrations_path(&self) -> PathBuf {
        self.path(&self.migrations_dir)
    }

    pub fn openapi_path(&self) -> Option<PathBuf> {
        self.openapi_file.as_deref().map(|p| self.path(p))
    }

    /// Whether the generated Rust is formatted (prettyplease). By default it is, except what
    /// [`build_script`](Builder::build_script) writes: rustc does not need the layout, and formatting is
    /// most of the generation time on large specs. `charter expand` always prints it formatted.
    pub fn format_rust(&mut self, format: bool) -> &mut Self {
        self.format_rust = Some(format);
        self
    }

    /// Loads and checks the spec.
    pub fn load(&self) -> Result<Spec, Error> {
        charter_spec::load_dir(&self.spec_path()).map_err(Error::Spec)
    }

    /// Generates everything in memory (no files written): what `charter check` and `charter expand` use.
    pub fn render(&self) -> Result<Generated, Error> {
        self.render_with(None)
    }

    /// What [`generate`](Builder::generate) writes into `out`: the same as [`render`](Builder::render), except
    /// that the Rust embeds the OpenAPI documents from `out/openapi.json` and `out/openapi.yaml` with
    /// `include_str!` instead of as string literals (for large specs, megabytes of escaped text that
    /// rustc would lex again on every build).
    pub fn render_to(&self, out: &Path) -> Result<Generated, Error> {
        self.render_with(Some(out))
    }

    fn render_with(&self, documents: Option<&Path>) -> Result<Generated, Error> {
        let spec = self.load()?;
        let mut inputs: Vec<PathBuf> = spec
            .sources
            .files()
            .map(|(_, f)| self.path(&self.spec_dir).parent().map(|p| p.join(&f.path)).unwrap_or_else(|| f.path.clone()))
            .collect();
        let migrations_dir = self.migrations_path();
        let mut options = Options::default();
        if migrations_dir.exists() {
            for file in migrations::embedded(&migrations_dir)? {
                inputs.push(file.path.clone());
                let e = Embedded { version: file.version, description: file.description.clone(), path: file.path };
                match file.dialect {
                    Dialect::Sqlite => options.sqlite_migrations.push(e),
                    Dialect::Postgres => options.postgres_migrations.push(e),
                }
            }
        }
        let committed = self.openapi_path();
        inputs.extend(committed.clone());
        // The documents and the migration check do not depend on the Rust: with the documents embedded
        // from files, they run beside it.
        let checks = || -> Result<(String, String, Vec<String>, Option<String>), Error> {
            let (openapi_json, openapi_yaml) = openapi::render(&spec);
            let mut warnings = Vec::new();
            let behind = match migrations::status(&spec, &migrations_dir)? {
                Status::UpToDate { .. } => None,
                // A spec without models needs no migration, written or not.
                Status::Missing if !spec.apps.iter().any(|a| !a.models.is_empty()) => None,
                stale => Some(stale.to_string()),
            };
            warnings.extend(behind.clone());
            if let Some(committed) = &committed {
                match std::fs::read_to_string(committed) {
                    Ok(text) if text == openapi_json => {}
                    Ok(_) => warnings.push(format!("{} is stale; run `charter openapi --write`", committed.display())),
                    Err(_) => {
                        warnings.push(format!("{} is missing; run `charter openapi --write`", committed.display()))
                    }
                }
            }
            Ok((openapi_json, openapi_yaml, warnings, behind))
        };
        let format = self.format_rust.unwrap_or(true);
        let emit = |options: &Options| {
            if format { rust::generate(&spec, options) } else { rust::generate_compact(&spec, options) }
        };
        let (rust, (openapi_json, openapi_yaml, warnings, migrations_behind)) = match documents {
            Some(out) => {
                options.openapi_json = Some(absolute(&out.join("openapi.json")));
                options.openapi_yaml = Some(absolute(&out.join("openapi.yaml")));
                std::thread::scope(|scope| {
                    let checks = scope.spawn(checks);
                    let rust = emit(&options);
                    // A panic in the generator is a bug; show it as the panic it is.
                    let checks = checks.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?;
                    Ok::<_, Error>((rust, checks))
                })?
            }
            None => {
                let checks = checks()?;
                options.openapi_json_text = checks.0.clone();
                options.openapi_yaml_text = checks.1.clone();
                (emit(&options), checks)
            }
        };
        Ok(Generated { spec, rust, openapi_json, openapi_yaml, warnings, migrations_behind, inputs })
    }

    /// Generates and writes `charter/api.rs`, `charter/openapi.json` and `charter/openapi.yaml` into the
    /// output directory. Files whose bytes would not change are left alone.
    pub fn generate(&self) -> Result<Generated, Error> {
        let out = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or(Error::NoOutDir)?,
        }
        .join("charter");
        let generated = self.render_to(&out)?;
        std::fs::create_dir_all(&out).map_err(|source| Error::Io { path: out.clone(), source })?;
        write_if_changed(&out.join("api.rs"), &generated.rust)?;
        write_if_changed(&out.join("openapi.json"), &generated.openapi_json)?;
        write_if_changed(&out.join("openapi.yaml"), &generated.openapi_yaml)?;
        Ok(generated)
    }

    /// For `build.rs`: generates, prints `rerun-if-changed` for exactly what was read and one-line
    /// warnings for a stale `openapi.json`; on error prints the diagnostics and exits with status 1 (cargo
    /// shows a build script's output only when it fails). Migrations that do not create the spec's models
    /// are an error too, unless [`require_migrations`](Builder::require_migrations) is off.
    pub fn build_script(&self) {
        let mut builder = self.clone();
        builder.format_rust = Some(self.format_rust.unwrap_or(false));
        match builder.generate() {
            Ok(generated) => {
                if let Some(behind) = generated.migrations_behind.as_ref().filter(|_| self.require_migrations) {
                    eprintln!("error: {behind}");
                    eprintln!(
                        "  (a server built now would answer every request with a database error; `charter makemigrations` \
                         writes {}, then build again)",
                        self.migrations_path().display()
                    );
                    std::process::exit(1);
                }
                // Only after success: cargo reruns a build script that failed anyway, and a failure's
                // output (which cargo prints) should be the diagnostics alone. The directories too: a new
                // spec file or migration must rerun generation.
                let watched = [self.spec_path(), self.migrations_path()].into_iter().chain(self.openapi_path());
                for input in watched.chain(generated.inputs.iter().cloned()) {
                    println!("cargo::rerun-if-changed={}", input.display());
                }
                // Not required (a compile check): not worth a warning either.
                let skip = generated.migrations_behind.as_ref().filter(|_| !self.require_migrations);
                for w in generated.warnings.iter().filter(|w| Some(*w) != skip) {
                    println!("cargo::warning={}", w.lines().next().unwrap_or_default());
                }
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}

/// The one-call `build.rs` entry with the conventional layout: `charter_codegen::build();`.
pub fn build() {
    Builder::new().build_script();
}

/// `include_str!` resolves relative paths against the file that includes them; these must not depend on it.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}
