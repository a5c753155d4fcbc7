//! `charter makemigrations`: write the next migration for both dialects, then the new snapshot.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use charter_spec::Spec;

use super::error::{MigrationError, io};
use super::{SCHEMA_FILE, read};
use crate::sql::changes::describe_changes;
use crate::sql::ddl::{Dialect, GENERATED_HEADER};
use crate::sql::schema::Schema;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Made {
    /// A new migration: one file per dialect, plus the updated `schema.json` (last in `files`).
    Written { version: i64, description: String, files: Vec<PathBuf> },
    /// The spec's schema equals the last snapshot: nothing was written.
    UpToDate { latest: i64 },
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
        }
    }
}

/// Writes the next migration into `dir` for the spec's schema. `name` becomes the description in the
/// file name (default `initial` for the first migration).
pub fn make(spec: &Spec, dir: &Path, name: Option<&str>) -> Result<Made, MigrationError> {
    make_from(&Schema::from_spec(spec)?, dir, name)
}

/// [`make`] for an already derived schema.
pub fn make_from(schema: &Schema, dir: &Path, name: Option<&str>) -> Result<Made, MigrationError> {
    let set = read(dir)?;
    let latest = set.latest_version();
    if let Some(old) = &set.schema
        && describe_changes(old, schema).is_empty()
    {
        return Ok(Made::UpToDate { latest });
    }
    let version = latest + 1;
    let description = match name {
        Some(n) => description(n)?,
        None if set.schema.is_none() => "initial".to_owned(),
        // Named after the first change when the diff engine exists; until then `plan` refuses anyway.
        None => "changes".to_owned(),
    };

    let mut contents = Vec::new();
    for d in Dialect::ALL {
        let statements = plan(set.schema.as_ref(), schema, d, latest)?;
        let path = dir.join(d.dir_name()).join(format!("{version:04}_{description}.sql"));
        contents.push((path, migration_sql(version, &description, d, &statements)));
    }

    let mut written = Vec::new();
    for (path, text) in &contents {
        if let Err(e) = write_new(path, text) {
            // Files created by this run are not yet migrations anyone applied: removing them is safe,
            // and leaves the directory as consistent as it was.
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        written.push(path.clone());
    }
    let snapshot = dir.join(SCHEMA_FILE);
    replace(&snapshot, &schema.to_json())?;
    written.push(snapshot);
    Ok(Made::Written { version, description, files: written })
}

/// The statements that take a database from `old` to `new`.
///
/// The seam for the incremental engine: it becomes `diff(old, new) -> Vec<Op>` rendered per dialect.
fn plan(old: Option<&Schema>, new: &Schema, dialect: Dialect, latest: i64) -> Result<Vec<String>, MigrationError> {
    match old {
        None => Ok(new.create_statements(dialect)),
        Some(old) => Err(MigrationError::DiffNotBuilt { latest, changes: describe_changes(old, new) }),
    }
}

fn migration_sql(version: i64, description: &str, dialect: Dialect, statements: &[String]) -> String {
    let mut out = String::from(GENERATED_HEADER);
    out.push_str(&format!(
        "-- migration {version:04}_{description} for {dialect}; once applied it must never change (sqlx checksums it)\n"
    ));
    for s in statements {
        out.push('\n');
        out.push_str(s);
        out.push('\n');
    }
    out
}

/// `Add tags` -> `add_tags`; anything else than letters, digits, `_`, `-` and spaces is refused rather
/// than guessed at.
fn description(name: &str) -> Result<String, MigrationError> {
    let d: String =
        name.trim().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() }).collect();
    let ok = !d.is_empty() && d.len() <= 64 && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok { Ok(d) } else { Err(MigrationError::Name { name: name.to_owned() }) }
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

#[cfg(test)]
mod tests {
    use super::description;

    #[test]
    fn descriptions() {
        assert_eq!(description("Add tags").ok(), Some("add_tags".to_owned()));
        assert_eq!(description("add-tags").ok(), Some("add_tags".to_owned()));
        assert!(description("").is_err());
        assert!(description("../evil").is_err());
        assert!(description("a.b").is_err());
        assert!(description(&"x".repeat(65)).is_err());
    }
}
