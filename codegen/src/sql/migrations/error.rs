use std::fmt;
use std::path::PathBuf;

use crate::sql::ddl::Dialect;
use crate::sql::from_spec::SchemaError;

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
    /// `MakeOptions::allow_destructive` (`--allow-destructive`).
    Destructive {
        steps: Vec<String>,
    },
    /// NOT NULL columns (`table.column`) added without a default or backfill: existing rows would have no
    /// value. Not something to acknowledge: the spec has to say what the value is.
    NeedsValue {
        columns: Vec<String>,
    },
    /// Changes generated migrations do not make.
    Unsupported {
        steps: Vec<String>,
    },
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrationError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            MigrationError::FileName { path, reason } => write!(
                f,
                "{}: {reason}; migration files are named `<version>_<description>.sql`, e.g. `0001_initial.sql`",
                path.display()
            ),
            MigrationError::Duplicate { dialect, version, paths } => {
                write!(f, "{dialect} migration version {version} appears {} times:", paths.len())?;
                for p in paths {
                    write!(f, "\n  - {}", p.display())?;
                }
                Ok(())
            }
            MigrationError::Gap { dialect, expected, path } => write!(
                f,
                "{dialect} migration version {expected} is missing (next file is {}); versions must run 1, 2, 3, ...",
                path.display()
            ),
            MigrationError::Mismatch { details } => {
                f.write_str("the sqlite and postgres migration directories disagree:")?;
                for d in details {
                    write!(f, "\n  - {d}")?;
                }
                Ok(())
            }
            MigrationError::MissingSnapshot { path } => write!(
                f,
                "{} is missing; it records the schema after the last migration and is written with it",
                path.display()
            ),
            MigrationError::OrphanSnapshot { path } => write!(
                f,
                "{} exists but there are no migrations; delete it to start over from an initial migration",
                path.display()
            ),
            // `path:line:col` where the JSON parser gives one: editors and terminals link it.
            MigrationError::Snapshot { path, error } => match error.at {
                Some((line, col)) => write!(f, "{}:{line}:{col}: {error}", path.display()),
                None => write!(
                    f,
                    "{}: {error}\n(the file is written by `charter makemigrations`; restore it from version control)",
                    path.display()
                ),
            },
            MigrationError::Schema(e) => write!(f, "the spec's models make an {e}"),
            // Rendered like the spec's own diagnostics (each line starts with `error[..]`).
            MigrationError::Hints(d) => f.write_str(d.render(false).trim_end()),
            MigrationError::Name { name } => {
                write!(f, "migration name `{name}` is not usable: use letters, digits and `_` (at most 64 characters)")
            }
            MigrationError::Exists { path } => {
                write!(f, "{} already exists; a written migration is never rewritten", path.display())
            }
            MigrationError::Destructive { steps } => {
                f.write_str("this migration would lose data or can fail on existing rows:")?;
                for s in steps {
                    write!(f, "\n  - {s}")?;
                }
                f.write_str(
                    "\nnothing was written; if that is what you want, run again with `--allow-destructive` \
                     (`--dry-run` shows the SQL)",
                )
            }
            MigrationError::NeedsValue { columns } => {
                f.write_str("existing rows need a value for these new NOT NULL columns:")?;
                for c in columns {
                    write!(f, "\n  - `{c}`")?;
                }
                f.write_str(
                    "\ngive each field a `default:` (also used for new rows) or a `backfill:` (used once, for the \
                     rows already there), or make it `optional: true`; nothing was written",
                )
            }
            MigrationError::Unsupported { steps } => {
                f.write_str("the spec changes what generated migrations cannot:")?;
                for s in steps {
                    write!(f, "\n  - {s}")?;
                }
                f.write_str("\nnothing was written")
            }
        }
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
