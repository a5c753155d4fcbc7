//! SQL emitter: the spec's models as a dialect-neutral [`Schema`], `CREATE` scripts for SQLite and
//! PostgreSQL, and the committed `migrations/` directory (see [`migrations`]).
//!
//! Invariant: output is deterministic; the same spec gives the same bytes on every run and machine.

mod changes;
mod ddl;
mod from_spec;
pub mod migrations;
mod names;
mod order;
mod schema;
mod snapshot;
mod validate;

pub use changes::describe_changes;
pub use ddl::{Dialect, GENERATED_HEADER, quote_ident, quote_literal};
pub use from_spec::SchemaError;
pub use migrations::{Made, MigrationError, MigrationFile, MigrationSet, Status};
pub use names::MAX_IDENT_LEN;
pub use schema::{
    Check, CheckRule, Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table, Unique,
};
pub use snapshot::SNAPSHOT_FORMAT;

#[cfg(test)]
mod tests;
