//! `migrations/schema.json`: the schema after the last migration, the base of the next diff.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::from_spec::SchemaError;
use super::locate::Locator;
use super::schema::{Schema, Table};

/// Bumped when the snapshot format changes incompatibly, so an old tool refuses a newer file.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Serialize)]
struct SnapshotOut<'a> {
    charter_schema: u32,
    tables: &'a [Table],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotIn {
    charter_schema: u32,
    tables: Vec<Table>,
}

impl Schema {
    /// Pretty JSON with a trailing newline; the same schema always gives the same bytes.
    pub fn to_json(&self) -> String {
        let snap = SnapshotOut { charter_schema: SNAPSHOT_FORMAT, tables: &self.tables };
        // Serializing plain structs, strings and finite numbers cannot fail; fall back rather than panic.
        let mut s = serde_json::to_string_pretty(&snap).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// Reads a snapshot written by [`Schema::to_json`] and checks it (see [`Schema::problems`]); problems
    /// are located in a file named `schema.json`.
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        Schema::from_json_file(Path::new(super::migrations::SCHEMA_FILE), text)
    }

    /// [`Schema::from_json`] for the snapshot at `path`: each problem is reported at its line there (a
    /// JSON syntax error at the parser's line and column, a schema problem at its table or column).
    pub fn from_json_file(path: &Path, text: &str) -> Result<Schema, SchemaError> {
        let mut locate = Locator::new(None, Some((path, Some(text))));
        let file = locate.snapshot_file();
        let at = |locate: &mut Locator, line: usize, col: usize| match file.and_then(|f| locate.span_at(f, line, col)) {
            Some(span) => span,
            None => locate.path(path),
        };
        let summary = format!(
            "{} does not hold a valid schema; it is written by `charter makemigrations`: restore it from version control",
            path.display()
        );
        let snap: SnapshotIn = match serde_json::from_str(text) {
            Ok(snap) => snap,
            Err(e) => {
                let span = at(&mut locate, e.line(), e.column());
                let d = charter_spec::Diagnostic::error("bad-snapshot", span, format!("not a schema snapshot: {e}"));
                return Err(SchemaError::new(locate.finish(vec![d]), summary));
            }
        };
        if snap.charter_schema != SNAPSHOT_FORMAT {
            let line = text.lines().position(|l| l.contains("\"charter_schema\"")).map_or(0, |i| i + 1);
            let col = text.lines().nth(line.saturating_sub(1)).map_or(1, |l| l.len() - l.trim_start().len() + 1);
            let span = if line == 0 { locate.path(path) } else { at(&mut locate, line, col) };
            let d = charter_spec::Diagnostic::error(
                "bad-snapshot",
                span,
                format!(
                    "snapshot format {} is not supported by this charter (it reads format {SNAPSHOT_FORMAT})",
                    snap.charter_schema
                ),
            );
            return Err(SchemaError::new(locate.finish(vec![d]), summary));
        }
        let schema = Schema { tables: snap.tables };
        let problems: Vec<_> =
            schema.problems().into_iter().map(|p| locate.error(p.code, &p.subject, p.message)).collect();
        if problems.is_empty() { Ok(schema) } else { Err(SchemaError::new(locate.finish(problems), summary)) }
    }
}
