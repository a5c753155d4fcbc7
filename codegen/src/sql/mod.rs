//! SQL emitter: the spec's models as a dialect-neutral [`Schema`], `CREATE` scripts for SQLite and
//! PostgreSQL, and the committed `migrations/` directory (see [`migrations`]).
//!
//! Invariant: output is deterministic; the same spec gives the same bytes on every run and machine.

mod alter;
mod changes;
mod ddl;
mod diff;
mod from_spec;
mod locate;
pub mod migrations;
mod names;
mod order;
mod safety;
mod schema;
mod snapshot;
mod validate;

pub use alter::{NO_TRANSACTION, Script, render};
pub use changes::describe_changes;
pub use ddl::{Dialect, GENERATED_HEADER, fold_case, quote_ident, quote_literal};
pub use diff::{Op, diff};
pub use from_spec::SchemaError;
pub use locate::Subject;
pub use migrations::{Made, MakeOptions, MigrationError, MigrationFile, MigrationSet, Status};
pub use names::MAX_IDENT_LEN;
pub use safety::{Review, Step, review};
pub use schema::{
    Check, CheckRule, Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table, Unique,
};
pub use snapshot::SNAPSHOT_FORMAT;
pub use validate::Problem;

#[cfg(test)]
mod tests;
