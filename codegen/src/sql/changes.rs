//! A human summary of how two schemas differ: what `status` reports when the migrations are stale. It
//! is the diff itself, one line per step, so `status` and `make` never disagree on whether anything
//! changed.

use super::diff::diff;
use super::schema::Schema;

/// One line per step of `diff(old, new)`, e.g. ``add column `articles.views` (int, not null, default 0)``.
/// Empty when the schemas describe the same database (column order aside).
pub fn describe_changes(old: &Schema, new: &Schema) -> Vec<String> {
    diff(old, new).iter().map(ToString::to_string).collect()
}
