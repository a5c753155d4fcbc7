//! Reading `migrations/`: both dialect directories and the schema snapshot, checked for consistency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::{MigrationError, io};
use super::{Migration, MigrationFile, MigrationSet, SCHEMA_FILE};
use crate::sql::ddl::Dialect;
use crate::sql::schema::Schema;

/// Reads `dir` (normally `migrations/`). A directory that does not exist holds no migrations.
pub fn read(dir: &Path) -> Result<MigrationSet, MigrationError> {
    let mut per_dialect = Vec::new();
    for d in Dialect::ALL {
        per_dialect.push(read_dialect(dir, d)?);
    }
    let [sqlite, postgres] = <[Vec<MigrationFile>; 2]>::try_from(per_dialect)
        .map_err(|_| MigrationError::Mismatch { details: vec!["unexpected dialect list".to_owned()] })?;
    let migrations = pair(sqlite, postgres)?;

    let snapshot_path = dir.join(SCHEMA_FILE);
    let schema = match std::fs::read_to_string(&snapshot_path) {
        Ok(_) if migrations.is_empty() => {
            return Err(MigrationError::OrphanSnapshot { path: snapshot_path });
        }
        Ok(text) => Some(
            Schema::from_json_file(&snapshot_path, &text)
                .map_err(|error| MigrationError::Snapshot { path: snapshot_path.clone(), error })?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !migrations.is_empty() {
                return Err(MigrationError::MissingSnapshot { path: snapshot_path });
            }
            None
        }
        Err(e) => return Err(io(snapshot_path)(e)),
    };
    Ok(MigrationSet { dir: dir.to_path_buf(), migrations, schema })
}

/// One dialect's files, sorted by version, checked for duplicates and gaps.
fn read_dialect(dir: &Path, dialect: Dialect) -> Result<Vec<MigrationFile>, MigrationError> {
    let sub = dir.join(dialect.dir_name());
    let entries = match std::fs::read_dir(&sub) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(sub)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(&sub))?;
        let path = entry.path();
        let is_file = entry.file_type().map_err(io(&path))?.is_file();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            if path.extension().is_some_and(|e| e == "sql") {
                return Err(MigrationError::FileName { path, reason: "the name is not valid UTF-8".to_owned() });
            }
            continue;
        };
        // Editors' backups, READMEs and the like are not migrations; sqlx skips them too.
        if !is_file || !name.ends_with(".sql") || name.starts_with('.') {
            continue;
        }
        let (version, description) =
            parse_file_name(name).map_err(|reason| MigrationError::FileName { path: path.clone(), reason })?;
        files.push(MigrationFile { version, description, dialect, path });
    }
    files.sort_by(|a, b| (a.version, &a.path).cmp(&(b.version, &b.path)));

    let mut by_version: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    for f in &files {
        by_version.entry(f.version).or_default().push(f.path.clone());
    }
    if let Some((version, paths)) = by_version.into_iter().find(|(_, p)| p.len() > 1) {
        return Err(MigrationError::Duplicate { dialect, version, paths });
    }
    for (i, f) in files.iter().enumerate() {
        let expected = i as i64 + 1;
        if f.version != expected {
            return Err(MigrationError::Gap { dialect, expected, path: f.path.clone() });
        }
    }
    Ok(files)
}

/// `0001_initial.sql` -> `(1, "initial")`, the way sqlx reads it (version = leading digits).
pub(super) fn parse_file_name(name: &str) -> Result<(i64, String), String> {
    let stem = name.strip_suffix(".sql").ok_or("the name does not end in `.sql`")?;
    let (version, description) = stem.split_once('_').ok_or("the name has no `_` after the version")?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{version}` is not a version number"));
    }
    let version: i64 = version.parse().map_err(|_| format!("version `{version}` is too large"))?;
    if version < 1 {
        return Err("versions start at 1".to_owned());
    }
    if description.is_empty() {
        return Err("the description is empty".to_owned());
    }
    if description.contains('.') {
        // sqlx would read `.up.sql` / `.down.sql` as reversible migrations, which charter does not write.
        return Err(format!("the description `{description}` contains `.`"));
    }
    Ok((version, description.to_owned()))
}

fn pair(sqlite: Vec<MigrationFile>, postgres: Vec<MigrationFile>) -> Result<Vec<Migration>, MigrationError> {
    let mut details = Vec::new();
    let mut out = Vec::new();
    let mut pg = postgres.into_iter().peekable();
    for s in sqlite {
        match pg.next_if(|p| p.version == s.version) {
            Some(p) if p.description != s.description => {
                details.push(format!("version {}: {} vs {}", s.version, s.path.display(), p.path.display()))
            }
            Some(p) => {
                out.push(Migration { version: s.version, description: s.description, sqlite: s.path, postgres: p.path })
            }
            None => details.push(format!("{} has no postgres counterpart", s.path.display())),
        }
    }
    for p in pg {
        details.push(format!("{} has no sqlite counterpart", p.path.display()));
    }
    if details.is_empty() { Ok(out) } else { Err(MigrationError::Mismatch { details }) }
}

#[cfg(test)]
mod tests {
    use super::parse_file_name;

    #[test]
    fn file_names() {
        assert_eq!(parse_file_name("0001_initial.sql"), Ok((1, "initial".to_owned())));
        assert_eq!(parse_file_name("12_add_tags.sql"), Ok((12, "add_tags".to_owned())));
        assert!(parse_file_name("initial.sql").is_err());
        assert!(parse_file_name("0001.sql").is_err());
        assert!(parse_file_name("0000_zero.sql").is_err());
        assert!(parse_file_name("x1_a.sql").is_err());
        assert!(parse_file_name("0001_initial.up.sql").is_err());
        assert!(parse_file_name("99999999999999999999_a.sql").is_err());
    }
}
