//! Migrations compiled into the binary and applied at start, recorded exactly as `sqlx migrate run`
//! records them (same `_sqlx_migrations` table, same SHA-384 checksums), so either tool can take over.

use std::borrow::Cow;

use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};

use crate::db::{Db, DbError};

/// One migration file, embedded by generated code with `include_str!`.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigration {
    /// The number the file name starts with (`0001_create_users.sql` → 1).
    pub version: i64,
    /// The rest of the file name, underscores as spaces (`create users`), as sqlx derives it.
    pub description: &'static str,
    pub sql: &'static str,
}

/// The migrations of a project, one ordered list per backend.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    pub sqlite: &'static [EmbeddedMigration],
    pub postgres: &'static [EmbeddedMigration],
}

impl Migrations {
    pub const EMPTY: Migrations = Migrations { sqlite: &[], postgres: &[] };
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "migration {version} was applied to this database with different contents (checksum mismatch); \
         an applied migration must never change: restore its original file and add a new migration instead"
    )]
    ChecksumMismatch { version: i64 },
    #[error(
        "the database has migration {version} applied, but this build does not contain it; \
         the binary is probably older than the database"
    )]
    UnknownApplied { version: i64 },
    #[error(
        "migration {version} failed part-way in an earlier run; repair the database and delete its row from `_sqlx_migrations`"
    )]
    Dirty { version: i64 },
    #[error("migration {version} failed: {source}")]
    Failed { version: i64, source: sqlx::Error },
    #[error("embedded migrations are out of order: version {version} follows version {previous}")]
    OutOfOrder { version: i64, previous: i64 },
    #[error("cannot migrate: {0}")]
    Database(#[from] DbError),
    #[error("cannot migrate: {0}")]
    Other(MigrateError),
}

impl From<MigrateError> for MigrationError {
    fn from(error: MigrateError) -> MigrationError {
        match error {
            MigrateError::VersionMismatch(version) => MigrationError::ChecksumMismatch { version },
            MigrateError::VersionMissing(version) => MigrationError::UnknownApplied { version },
            MigrateError::Dirty(version) => MigrationError::Dirty { version },
            MigrateError::ExecuteMigration(source, version) => MigrationError::Failed { version, source },
            MigrateError::Execute(source) => MigrationError::Database(source.into()),
            other => MigrationError::Other(other),
        }
    }
}

fn migrator(embedded: &'static [EmbeddedMigration]) -> Result<Migrator, MigrationError> {
    let mut migrations = Vec::with_capacity(embedded.len());
    let mut previous = None;
    for m in embedded {
        if let Some(previous) = previous.filter(|p| *p >= m.version) {
            return Err(MigrationError::OutOfOrder { version: m.version, previous });
        }
        previous = Some(m.version);
        migrations.push(Migration::new(
            m.version,
            Cow::Borrowed(m.description),
            MigrationType::Simple,
            Cow::Borrowed(m.sql),
            false,
        ));
    }
    Ok(Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false })
}

impl Db {
    /// Applies the pending migrations of this backend, each in its own transaction, under a lock so
    /// that replicas starting together migrate once. Fails, changing nothing, when the database's
    /// history disagrees with the embedded one.
    pub async fn migrate(&self, migrations: &Migrations) -> Result<(), MigrationError> {
        match self {
            Db::Sqlite(pool) => {
                let migrator = migrator(migrations.sqlite)?;
                let mut conn = pool.acquire().await.map_err(DbError::from)?;
                let result = migrator.run_direct(&mut *conn).await;
                finish(conn, result).await
            }
            Db::Postgres(pool) => {
                let migrator = migrator(migrations.postgres)?;
                let mut conn = pool.acquire().await.map_err(DbError::from)?;
                let result = migrator.run_direct(&mut *conn).await;
                finish(conn, result).await
            }
        }
    }

    /// The versions recorded as applied, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, MigrationError> {
        let versions = match self {
            Db::Sqlite(pool) => pool.acquire().await.map_err(DbError::from)?.list_applied_migrations().await?,
            Db::Postgres(pool) => pool.acquire().await.map_err(DbError::from)?.list_applied_migrations().await?,
        };
        Ok(versions.into_iter().map(|m| m.version).collect())
    }
}

/// sqlx leaves its advisory lock held when a run fails; closing the connection releases it instead of
/// returning a locked connection to the pool.
async fn finish<DB: sqlx::Database>(
    conn: sqlx::pool::PoolConnection<DB>,
    result: Result<(), MigrateError>,
) -> Result<(), MigrationError> {
    match result {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = conn.close().await;
            Err(error.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unordered_versions() {
        static BAD: [EmbeddedMigration; 2] = [
            EmbeddedMigration { version: 2, description: "b", sql: "" },
            EmbeddedMigration { version: 1, description: "a", sql: "" },
        ];
        assert!(matches!(migrator(&BAD), Err(MigrationError::OutOfOrder { version: 1, previous: 2 })));
    }

    #[test]
    fn checksums_match_sqlx() {
        static ONE: [EmbeddedMigration; 1] =
            [EmbeddedMigration { version: 1, description: "create users", sql: "CREATE TABLE users (id INTEGER);\n" }];
        let migrator = migrator(&ONE).unwrap();
        let expected = Migration::new(
            1,
            "create users".into(),
            MigrationType::Simple,
            "CREATE TABLE users (id INTEGER);\n".into(),
            false,
        );
        assert_eq!(migrator.migrations[0].checksum, expected.checksum);
        assert_eq!(migrator.migrations[0].checksum.len(), 48);
    }
}
