//! `charter makemigrations`: write the next migration for both dialects, then the new snapshot.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use charter_spec::Spec;

use super::error::{MigrationError, io};
use super::{SCHEMA_FILE, hints, naming, read};
use crate::sql::alter::{NO_TRANSACTION, Script, render};
use crate::sql::ddl::{Dialect, GENERATED_HEADER};
use crate::sql::diff::diff;
use crate::sql::locate::Locator;
use crate::sql::safety::{Step, review};
use crate::sql::schema::Schema;

/// How [`make`] treats what it finds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MakeOptions {
    /// Write the migration even when steps lose data or may fail on existing rows (the user read the
    /// list [`MigrationError::Destructive`] gave and accepts it).
    pub allow_destructive: bool,
    /// Write nothing; return the SQL of both dialects in [`Made::DryRun`].
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Made {
    /// A new migration: one file per dialect, plus the updated `schema.json` (last in `files`).
    Written { version: i64, description: String, files: Vec<PathBuf> },
    /// The spec's schema equals the last snapshot: nothing was written.
    UpToDate { latest: i64 },
    /// What would be written (nothing was): each dialect's file, and the destructive steps, which a real
    /// run refuses unless allowed.
    DryRun { version: i64, description: String, sqlite: String, postgres: String, destructive: Vec<String> },
}

impl fmt::Display for Made {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Made::Written { version, description, files } => {
                write!(f, "wrote migration {version:04}_{description}:")?;
                for p in files {
                    write!(f, "\n  {}", p.display())?;
                }
                Ok(())
            }
            Made::UpToDate { latest } => {
                write!(f, "no changes: migrations are up to date (latest: {latest:04}); nothing written")
            }
            Made::DryRun { version, description, sqlite, postgres, destructive } => {
                let file = format!("{version:04}_{description}.sql");
                writeln!(f, "dry run: migration {version:04}_{description} would be written; nothing was written")?;
                if !destructive.is_empty() {
                    writeln!(f, "destructive steps (refused without --allow-destructive):")?;
                    for d in destructive {
                        writeln!(f, "  - {d}")?;
                    }
                }
                write!(f, "\n==> sqlite/{file} <==\n{sqlite}\n==> postgres/{file} <==\n{postgres}")
            }
        }
    }
}

/// Writes the next migration into `dir` for the spec's schema: the steps from the last snapshot
/// (`schema.json`) to it, for SQLite and PostgreSQL, and the new snapshot. `name` becomes the
/// description in the file name (default: `initial` for the first migration, else derived from the
/// steps, e.g. `add_articles_views`).
///
/// Refuses, writing nothing: steps generated migrations do not make ([`MigrationError::Unsupported`]),
/// NOT NULL columns without a value for existing rows ([`MigrationError::NeedsValue`]), and, unless
/// `options.allow_destructive`, steps that lose data or may fail on existing rows
/// ([`MigrationError::Destructive`], listing each).
pub fn make(spec: &Spec, dir: &Path, name: Option<&str>, options: &MakeOptions) -> Result<Made, MigrationError> {
    let schema = Schema::from_spec(spec)?;
    // Only the spec knows where a hint is written; `make_from` reads the (small) directory again.
    if let Some(old) = read(dir)?.schema {
        hints::check(spec, &old, &dir.join(SCHEMA_FILE)).map_err(MigrationError::Hints)?;
    }
    make_located(&schema, dir, name, options, Some(spec))
}

/// [`make`] for an already derived schema. With no spec at hand, refused steps are reported in the
/// snapshot (`schema.json`) rather than in the spec.
pub fn make_from(
    schema: &Schema,
    dir: &Path,
    name: Option<&str>,
    options: &MakeOptions,
) -> Result<Made, MigrationError> {
    make_located(schema, dir, name, options, None)
}

/// Refused steps as diagnostics: at the spec's model, field or index they are about when `spec` declares
/// it, else at the table or column in the snapshot.
fn located(
    spec: Option<&Spec>,
    dir: &Path,
    steps: &[Step],
    code: &'static str,
    diagnostic: impl Fn(charter_spec::Diagnostic, &Step) -> charter_spec::Diagnostic,
) -> charter_spec::Diagnostics {
    let snapshot = dir.join(SCHEMA_FILE);
    let text = std::fs::read_to_string(&snapshot).ok();
    let mut locate = Locator::new(spec, Some((&snapshot, text.as_deref())));
    let items = steps.iter().map(|s| diagnostic(locate.error(code, &s.subject, s.message.clone()), s)).collect();
    locate.finish(items)
}

fn messages(steps: &[Step]) -> Vec<String> {
    steps.iter().map(|s| s.message.clone()).collect()
}

fn make_located(
    schema: &Schema,
    dir: &Path,
    name: Option<&str>,
    options: &MakeOptions,
    spec: Option<&Spec>,
) -> Result<Made, MigrationError> {
    let set = read(dir)?;
    let latest = set.latest_version();
    let version = latest + 1;
    let (sqlite, postgres, derived, destructive) = match &set.schema {
        None => {
            let create = |d| Script { no_transaction: false, blocks: schema.create_statements(d) };
            (create(Dialect::Sqlite), create(Dialect::Postgres), "initial".to_owned(), Vec::new())
        }
        Some(old) => {
            let ops = diff(old, schema);
            if ops.is_empty() {
                return Ok(Made::UpToDate { latest });
            }
            let r = review(&ops);
            if !r.unsupported.is_empty() {
                let diagnostics = located(spec, dir, &r.unsupported, "unsupported-change", |d, _| {
                    d.help("change the spec back, or make the change by hand outside charter's migrations")
                });
                return Err(MigrationError::Unsupported { steps: messages(&r.unsupported), diagnostics });
            }
            if !r.needs_value.is_empty() {
                let diagnostics = located(spec, dir, &r.needs_value, "needs-value", |mut d, s| {
                    d.message = format!("existing rows need a value for the new NOT NULL column `{}`", s.message);
                    d.help(
                        "give the field a `default:` (also used for new rows) or a `backfill:` (used once, for the \
                         rows already there), or make it `optional: true`",
                    )
                });
                return Err(MigrationError::NeedsValue { columns: messages(&r.needs_value), diagnostics });
            }
            if !r.destructive.is_empty() && !options.allow_destructive && !options.dry_run {
                let diagnostics = located(spec, dir, &r.destructive, "destructive", |d, _| d);
                return Err(MigrationError::Destructive { steps: messages(&r.destructive), diagnostics });
            }
            let (sqlite, postgres) = (render(&ops, schema, Dialect::Sqlite), render(&ops, schema, Dialect::Postgres));
            (sqlite, postgres, naming::from_ops(&ops), messages(&r.destructive))
        }
    };
    let description = match name {
        Some(n) => naming::from_name(n)?,
        None => derived,
    };
    let sqlite = migration_sql(version, &description, Dialect::Sqlite, &sqlite);
    let postgres = migration_sql(version, &description, Dialect::Postgres, &postgres);
    if options.dry_run {
        return Ok(Made::DryRun { version, description, sqlite, postgres, destructive });
    }

    let mut written = Vec::new();
    for (d, text) in [(Dialect::Sqlite, &sqlite), (Dialect::Postgres, &postgres)] {
        let path = dir.join(d.dir_name()).join(format!("{version:04}_{description}.sql"));
        if let Err(e) = write_new(&path, text) {
            // Files created by this run are not yet migrations anyone applied: removing them is safe,
            // and leaves the directory as consistent as it was.
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        written.push(path);
    }
    let snapshot = dir.join(SCHEMA_FILE);
    replace(&snapshot, &schema.to_json())?;
    written.push(snapshot);
    Ok(Made::Written { version, description, files: written })
}

fn migration_sql(version: i64, description: &str, dialect: Dialect, script: &Script) -> String {
    let mut out = String::new();
    if script.no_transaction {
        // sqlx reads the directive on the very first line only.
        out.push_str(NO_TRANSACTION);
        out.push('\n');
    }
    out.push_str(GENERATED_HEADER);
    out.push_str(&format!(
        "-- migration {version:04}_{description} for {dialect}; once applied it must never change (sqlx checksums it)\n"
    ));
    if script.no_transaction {
        out.push_str(
            "-- it runs outside sqlx's transaction (first line) and opens its own: foreign keys can only be switched off outside one\n",
        );
    }
    for s in &script.blocks {
        out.push('\n');
        out.push_str(s);
        out.push('\n');
    }
    out
}

fn write_new(path: &Path, text: &str) -> Result<(), MigrationError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            MigrationError::Exists { path: path.to_path_buf() }
        } else {
            io(path)(e)
        }
    })?;
    f.write_all(text.as_bytes()).map_err(io(path))
}

/// Writes through a temporary file and a rename, so a crash never leaves half a snapshot.
fn replace(path: &Path, text: &str) -> Result<(), MigrationError> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}
