//! `migrations/schema.json`: the schema after the last migration, the base of the next diff.

use serde::{Deserialize, Serialize};

use super::from_spec::SchemaError;
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

    /// Reads a snapshot written by [`Schema::to_json`] and checks it (see [`Schema::problems`]).
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        let snap: SnapshotIn = serde_json::from_str(text).map_err(|e| SchemaError {
            problems: vec![format!("not a schema snapshot: {e}")],
            at: Some((e.line(), e.column())).filter(|(l, _)| *l > 0),
        })?;
        if snap.charter_schema != SNAPSHOT_FORMAT {
            return Err(SchemaError {
                problems: vec![format!(
                    "snapshot format {} is not supported by this charter (it reads format {SNAPSHOT_FORMAT})",
                    snap.charter_schema
                )],
                at: None,
            });
        }
        let schema = Schema { tables: snap.tables };
        let problems = schema.problems();
        if problems.is_empty() { Ok(schema) } else { Err(SchemaError { problems, at: None }) }
    }
}
