//! Migrations compiled into the binary and applied at start, recorded exactly as `sqlx migrate run`
//! records them (same `_sqlx_migrations` table, same SHA-384 checksums), so either tool can take over.
//!
//! Each migration runs in a transaction of its own, except one whose first line is `-- no-transaction`
//! (sqlx's directive). Charter writes it for SQLite migrations that rebuild or drop tables: they must
//! switch foreign keys off, which SQLite ignores inside a transaction, so they open and commit their
//! own. sqlx 0.8 honors the directive on PostgreSQL only, so SQLite's are applied here (see
//! [`apply_without_transaction`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Instant;

use sqlx::Executor;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};
use sqlx::sqlite::SqliteConnection;

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

/// sqlx's directive, recognized where sqlx's file source recognizes it: at the very start of the file.
const NO_TRANSACTION: &str = "-- no-transaction";

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
            m.sql.starts_with(NO_TRANSACTION),
        ));
    }
    Ok(Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false })
}

impl Db {
    /// Applies the pending migrations of this backend, each in its own transaction (or its own way, see
    /// the module docs), under a lock so that replicas starting together migrate once. Fails, changing
    /// nothing, when the database's history disagrees with the embedded one; a migration that fails
    /// leaves the database as it was before it.
    pub async fn migrate(&self, migrations: &Migrations) -> Result<(), MigrationError> {
        match self {
            Db::Sqlite(pool) => {
                let migrator = migrator(migrations.sqlite)?;
                let mut conn = pool.acquire().await.map_err(DbError::from)?;
                let result = run_sqlite(&migrator, &mut conn).await;
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

    /// Which of `tables` the database does not have (in the connection's schema search path on
    /// PostgreSQL), in the order given.
    pub async fn missing_tables(&self, tables: &[&str]) -> Result<Vec<String>, DbError> {
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let present: Vec<String> = match self {
            Db::Sqlite(_) => {
                self.query("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all_scalar().await?
            }
            Db::Postgres(_) => {
                self.query("SELECT c.relname::text FROM pg_class c WHERE c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid)")
                    .fetch_all_scalar()
                    .await?
            }
        };
        Ok(tables.iter().filter(|t| !present.iter().any(|p| p == *t)).map(|t| (*t).to_owned()).collect())
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

/// `Migrator::run_direct`, step for step (SQLite has no migration lock), except that a pending
/// `-- no-transaction` migration goes through [`apply_without_transaction`]: sqlx 0.8's SQLite driver
/// would wrap it in a transaction anyway, where its `BEGIN` fails.
async fn run_sqlite(migrator: &Migrator, conn: &mut SqliteConnection) -> Result<(), MigrateError> {
    conn.ensure_migrations_table().await?;
    if let Some(version) = conn.dirty_version().await? {
        return Err(MigrateError::Dirty(version));
    }
    let applied: HashMap<i64, Vec<u8>> =
        conn.list_applied_migrations().await?.into_iter().map(|m| (m.version, m.checksum.into_owned())).collect();
    if let Some(version) = applied.keys().copied().filter(|v| !migrator.iter().any(|m| m.version == *v)).min() {
        return Err(MigrateError::VersionMissing(version));
    }
    for migration in migrator.iter() {
        match applied.get(&migration.version) {
            Some(checksum) if *checksum != *migration.checksum => {
                return Err(MigrateError::VersionMismatch(migration.version));
            }
            Some(_) => {}
            None if migration.no_tx => apply_without_transaction(conn, migration).await?,
            None => {
                conn.apply(migration).await?;
            }
        }
    }
    Ok(())
}

/// Runs a migration that brackets itself (`PRAGMA foreign_keys = OFF; BEGIN; ... COMMIT; PRAGMA
/// foreign_keys = ON;`), then records it as sqlx does. When a statement fails, SQLite stops there with
/// the migration's transaction open: it is rolled back, so the database is as before. Either way the
/// connection's foreign key setting ends as it was: pooled connections are shared.
async fn apply_without_transaction(conn: &mut SqliteConnection, migration: &Migration) -> Result<(), MigrateError> {
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await?;
    let start = Instant::now();
    let result = conn.execute(&*migration.sql).await;
    if let Err(error) = result {
        // Fails harmlessly when the error came before the migration's BEGIN or after its COMMIT.
        let _ = conn.execute("ROLLBACK").await;
        let _ = conn.execute(format!("PRAGMA foreign_keys = {foreign_keys}").as_str()).await;
        return Err(MigrateError::ExecuteMigration(error, migration.version));
    }
    conn.execute(format!("PRAGMA foreign_keys = {foreign_keys}").as_str()).await?;
    // Recorded after the migration committed (as sqlx records PostgreSQL's no-transaction ones): a
    // crash in between leaves a migration applied but not recorded, which fails loudly on the next run.
    #[allow(clippy::cast_possible_truncation)]
    let elapsed = start.elapsed().as_nanos() as i64;
    sqlx::query(
        "INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) \
         VALUES ( ?1, ?2, TRUE, ?3, ?4 )",
    )
    .bind(migration.version)
    .bind(&*migration.description)
    .bind(&*migration.checksum)
    .bind(elapsed)
    .execute(&mut *conn)
    .await?;
    Ok(())
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

    #[tokio::test]
    async fn reads_the_no_transaction_directive_as_sqlx_does() {
        static TWO: [EmbeddedMigration; 2] = [
            EmbeddedMigration { version: 1, description: "own tx", sql: "-- no-transaction\nBEGIN;\nCOMMIT;\n" },
            EmbeddedMigration { version: 2, description: "wrapped", sql: "-- note\n-- no-transaction\nSELECT 1;\n" },
        ];
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0001_own_tx.sql"), TWO[0].sql).unwrap();
        std::fs::write(dir.path().join("0002_wrapped.sql"), TWO[1].sql).unwrap();
        let from_files = Migrator::new(dir.path()).await.unwrap();
        let ours = migrator(&TWO).unwrap();
        let flags = |m: &Migrator| m.iter().map(|m| (m.version, m.no_tx, m.checksum.to_vec())).collect::<Vec<_>>();
        assert_eq!(flags(&ours), flags(&from_files));
        assert_eq!(ours.iter().map(|m| m.no_tx).collect::<Vec<_>>(), [true, false]);
    }
}
