use std::fmt;
use std::path::{Path, PathBuf};

use charter_spec::{Diagnostic, Diagnostics, SourceMap};

use crate::sql::ddl::Dialect;
use crate::sql::from_spec::SchemaError;

/// Why `migrations/` cannot be read or the next migration cannot be made. Every variant renders as
/// diagnostics like the spec's ([`MigrationError::diagnostics`]): located in the spec where the problem is
/// the spec's (a field without a value for existing rows, a destructive change), else at the file on disk
/// (a misnamed migration, a broken snapshot).
#[derive(Debug)]
pub enum MigrationError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A `.sql` file whose name is not `<version>_<description>.sql`.
    FileName {
        path: PathBuf,
        reason: String,
    },
    Duplicate {
        dialect: Dialect,
        version: i64,
        paths: Vec<PathBuf>,
    },
    /// Versions must run 1, 2, 3... in every dialect: a hole means a lost file.
    Gap {
        dialect: Dialect,
        expected: i64,
        path: PathBuf,
    },
    /// The dialect directories do not hold the same migrations.
    Mismatch {
        details: Vec<String>,
    },
    MissingSnapshot {
        path: PathBuf,
    },
    /// `schema.json` exists but no migration does.
    OrphanSnapshot {
        path: PathBuf,
    },
    Snapshot {
        path: PathBuf,
        error: SchemaError,
    },
    /// The spec does not describe a valid schema.
    Schema(SchemaError),
    /// `renamed_from` hints that name nothing in the migrated schema, located in the spec.
    Hints(charter_spec::Diagnostics),
    /// The requested migration name is not usable in a file name.
    Name {
        name: String,
    },
    /// A migration file is never rewritten.
    Exists {
        path: PathBuf,
    },
    /// Steps that lose data or may fail on existing rows, each saying what is at stake; written only with
    /// `MakeOptions::allow_destructive` (`--allow-destructive`). `diagnostics` has one per step, located.
    Destructive {
        steps: Vec<String>,
        diagnostics: Diagnostics,
    },
    /// NOT NULL columns (`table.column`) added without a default or backfill: existing rows would have no
    /// value. Not something to acknowledge: the spec has to say what the value is. `diagnostics` has one per
    /// column, at its field.
    NeedsValue {
        columns: Vec<String>,
        diagnostics: Diagnostics,
    },
    /// Changes generated migrations do not make; `diagnostics` has one per change, located.
    Unsupported {
        steps: Vec<String>,
        diagnostics: Diagnostics,
    },
}

impl MigrationError {
    /// Every problem as a located diagnostic: in the spec, in the snapshot, or at a file's path.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut sources = SourceMap::default();
        let mut at = |path: &Path| sources.add_path(path);
        let item = match self {
            MigrationError::Snapshot { error, .. } | MigrationError::Schema(error) => {
                return error.diagnostics.clone();
            }
            MigrationError::Hints(d)
            | MigrationError::Destructive { diagnostics: d, .. }
            | MigrationError::NeedsValue { diagnostics: d, .. }
            | MigrationError::Unsupported { diagnostics: d, .. } => return d.clone(),
            MigrationError::Io { path, error } => Diagnostic::error("io", at(path), error.to_string()),
            MigrationError::FileName { path, reason } => Diagnostic::error("migration-file-name", at(path), reason)
                .help("migration files are named `<version>_<description>.sql`, e.g. `0001_initial.sql`"),
            MigrationError::Duplicate { dialect, version, paths } => {
                let first = paths.first().map_or(at(Path::new("")), |p| at(p));
                let mut d = Diagnostic::error(
                    "duplicate-migration",
                    first,
                    format!("{dialect} migration version {version} appears {} times", paths.len()),
                );
                for p in paths.iter().skip(1) {
                    d = d.note(format!("also {}", p.display()));
                }
                d
            }
            MigrationError::Gap { dialect, expected, path } => Diagnostic::error(
                "migration-gap",
                at(path),
                format!("{dialect} migration version {expected} is missing (next file is {})", path.display()),
            )
            .help("versions must run 1, 2, 3, ..."),
            MigrationError::Mismatch { details } => {
                let mut d = Diagnostic::error(
                    "migration-mismatch",
                    at(Path::new("")),
                    "the sqlite and postgres migration directories disagree",
                );
                for detail in details {
                    d = d.note(detail.clone());
                }
                d
            }
            MigrationError::MissingSnapshot { path } => {
                Diagnostic::error("missing-snapshot", at(path), format!("{} is missing", path.display()))
                    .note("it records the schema after the last migration and is written with it")
            }
            MigrationError::OrphanSnapshot { path } => Diagnostic::error(
                "orphan-snapshot",
                at(path),
                format!("{} exists but there are no migrations", path.display()),
            )
            .help("delete it to start over from an initial migration"),
            MigrationError::Name { name } => {
                Diagnostic::error("migration-name", at(Path::new("")), format!("migration name `{name}` is not usable"))
                    .help("use letters, digits and `_` (at most 64 characters)")
            }
            MigrationError::Exists { path } => {
                Diagnostic::error("migration-exists", at(path), format!("{} already exists", path.display()))
                    .note("a written migration is never rewritten")
            }
        };
        Diagnostics { sources, items: vec![item] }
    }
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let summary = match self {
            // Each has its closing line already.
            MigrationError::Snapshot { error, .. } | MigrationError::Schema(error) => return write!(f, "{error}"),
            MigrationError::Hints(d) => return f.write_str(d.render(false).trim_end()),
            MigrationError::Destructive { .. } => {
                "this migration would lose data or can fail on existing rows; nothing was written: if that is what \
                 you want, run again with `--allow-destructive` (`--dry-run` shows the SQL)"
            }
            MigrationError::NeedsValue { .. } => {
                "existing rows need a value for these new NOT NULL columns; nothing was written"
            }
            MigrationError::Unsupported { .. } => {
                "the spec changes what generated migrations cannot; nothing was written"
            }
            // One diagnostic says it all.
            _ => return f.write_str(self.diagnostics().render_items(false).trim_end()),
        };
        write!(f, "{}error: {summary}", self.diagnostics().render_items(false))
    }
}

impl std::error::Error for MigrationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MigrationError::Io { error, .. } => Some(error),
            MigrationError::Snapshot { error, .. } | MigrationError::Schema(error) => Some(error),
            _ => None,
        }
    }
}

impl From<SchemaError> for MigrationError {
    fn from(e: SchemaError) -> Self {
        MigrationError::Schema(e)
    }
}

pub(super) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> MigrationError {
    let path = path.into();
    move |error| MigrationError::Io { path, error }
}
