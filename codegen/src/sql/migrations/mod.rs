//! The committed migrations directory:
//!
//! ```text
//! migrations/
//!   schema.json                  the schema after the last migration (what the next one diffs against)
//!   sqlite/0001_initial.sql      sqlx file names: <version>_<description>.sql
//!   postgres/0001_initial.sql    the same versions and descriptions in both dialects
//! ```
//!
//! Invariant: a migration file, once written, is never rewritten (sqlx checksums applied migrations).

mod error;
mod hints;
mod make;
mod naming;
mod read;

use std::fmt;
use std::path::{Path, PathBuf};

use charter_spec::Spec;

pub use error::MigrationError;
pub use make::{Made, MakeOptions, make, make_from};
pub use read::read;

use super::changes::describe_changes;
use super::ddl::Dialect;
use super::schema::Schema;

/// The snapshot's file name inside the migrations directory.
pub const SCHEMA_FILE: &str = "schema.json";

/// One migration file of one dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub version: i64,
    pub description: String,
    pub dialect: Dialect,
    pub path: PathBuf,
}

/// One migration version: its file in each dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: i64,
    pub description: String,
    pub sqlite: PathBuf,
    pub postgres: PathBuf,
}

impl Migration {
    pub fn path(&self, dialect: Dialect) -> &Path {
        match dialect {
            Dialect::Sqlite => &self.sqlite,
            Dialect::Postgres => &self.postgres,
        }
    }
}

/// What [`read`] found: consistent by construction (versions 1..=n in both dialects, a snapshot when
/// there is any migration).
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationSet {
    pub dir: PathBuf,
    /// Sorted by version.
    pub migrations: Vec<Migration>,
    /// `schema.json`; `None` exactly when there are no migrations.
    pub schema: Option<Schema>,
}

impl MigrationSet {
    pub fn latest_version(&self) -> i64 {
        self.migrations.last().map_or(0, |m| m.version)
    }

    /// Every file, dialect by dialect (SQLite first), each in version order.
    pub fn files(&self) -> Vec<MigrationFile> {
        Dialect::ALL
            .iter()
            .flat_map(|&dialect| {
                self.migrations.iter().map(move |m| MigrationFile {
                    version: m.version,
                    description: m.description.clone(),
                    dialect,
                    path: m.path(dialect).to_path_buf(),
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    UpToDate {
        latest: i64,
    },
    /// No migration has been written yet.
    Missing,
    /// The spec's schema differs from the snapshot of the last migration.
    Stale {
        latest: i64,
        changes: Vec<String>,
    },
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::UpToDate { latest } => {
                write!(f, "migrations are up to date (latest: {latest:04})")
            }
            Status::Missing => f.write_str("no migrations yet; run `charter makemigrations` to write the initial one"),
            Status::Stale { latest, changes } => {
                write!(f, "the spec changed since migration {latest:04}; run `charter makemigrations`:")?;
                for c in changes {
                    write!(f, "\n  - {c}")?;
                }
                Ok(())
            }
        }
    }
}

/// Whether `dir` holds migrations up to the spec's schema.
pub fn status(spec: &Spec, dir: &Path) -> Result<Status, MigrationError> {
    status_of(&Schema::from_spec(spec)?, dir)
}

/// [`status`] for an already derived schema.
pub fn status_of(schema: &Schema, dir: &Path) -> Result<Status, MigrationError> {
    let set = read(dir)?;
    Ok(match &set.schema {
        None => Status::Missing,
        Some(old) => {
            let changes = describe_changes(old, schema);
            let latest = set.latest_version();
            if changes.is_empty() { Status::UpToDate { latest } } else { Status::Stale { latest, changes } }
        }
    })
}

/// Every migration file with an absolute path, SQLite first, each dialect in version order: what the
/// generated server embeds (`include_str!` needs absolute paths from `OUT_DIR`).
pub fn embedded(dir: &Path) -> Result<Vec<MigrationFile>, MigrationError> {
    let abs = std::path::absolute(dir).map_err(error::io(dir))?;
    Ok(read(&abs)?.files())
}
