//! Embedded migrations against real databases.

use charter_runtime::testing::TestDb;
use charter_runtime::{Backend, Db, EmbeddedMigration, MigrationError, Migrations};

const CREATE_USERS: &str = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE);\n";
const CREATE_POSTS: &str = "CREATE TABLE posts (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL REFERENCES users (id));\nCREATE INDEX posts_author ON posts (author_id);\n";

static V1: EmbeddedMigration = EmbeddedMigration { version: 1, description: "create users", sql: CREATE_USERS };
static V2: EmbeddedMigration = EmbeddedMigration { version: 2, description: "create posts", sql: CREATE_POSTS };
static V2_EDITED: EmbeddedMigration =
    EmbeddedMigration { version: 2, description: "create posts", sql: "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n" };
static V3_BROKEN: EmbeddedMigration = EmbeddedMigration {
    version: 3,
    description: "broken",
    sql: "CREATE TABLE tags (id BIGINT);\nCREATE TABLE oops (;\n",
};

static BOTH: [EmbeddedMigration; 2] = [V1, V2];
static ONLY_FIRST: [EmbeddedMigration; 1] = [V1];
static EDITED: [EmbeddedMigration; 2] = [V1, V2_EDITED];
static WITH_BROKEN: [EmbeddedMigration; 3] = [V1, V2, V3_BROKEN];

const FULL: Migrations = Migrations { sqlite: &BOTH, postgres: &BOTH };

async fn on_both<F, Fut>(check: F)
where
    F: Fn(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let sqlite = TestDb::sqlite().await;
    check(sqlite.db().clone()).await;
    if let Some(pg) = TestDb::postgres().await {
        check(pg.db().clone()).await;
    }
}

async fn table_exists(db: &Db, name: &str) -> bool {
    let sql = match db.backend() {
        Backend::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        Backend::Postgres => "SELECT count(*) FROM information_schema.tables WHERE table_name = $1",
    };
    db.query(sql).bind(name).fetch_scalar::<i64>().await.unwrap() == 1
}

#[tokio::test]
async fn applies_pending_migrations_once() {
    on_both(|db| async move {
        db.migrate(&Migrations { sqlite: &ONLY_FIRST, postgres: &ONLY_FIRST }).await.unwrap();
        assert!(table_exists(&db, "users").await);
        assert!(!table_exists(&db, "posts").await);
        db.migrate(&FULL).await.unwrap();
        assert!(table_exists(&db, "posts").await);
        db.migrate(&FULL).await.unwrap();
        assert_eq!(db.applied_migrations().await.unwrap(), [1, 2]);

        // Recorded the way `sqlx migrate` records them.
        let (description, success, checksum): (String, bool, Vec<u8>) = db
            .query("SELECT description, success, checksum FROM _sqlx_migrations WHERE version = $1")
            .bind(2)
            .fetch_one()
            .await
            .unwrap();
        assert_eq!((description.as_str(), success), ("create posts", true));
        assert_eq!(checksum.len(), 48, "SHA-384");
    })
    .await;
}

#[tokio::test]
async fn refuses_a_database_whose_history_differs() {
    on_both(|db| async move {
        db.migrate(&FULL).await.unwrap();

        let err = db.migrate(&Migrations { sqlite: &EDITED, postgres: &EDITED }).await.unwrap_err();
        assert!(matches!(err, MigrationError::ChecksumMismatch { version: 2 }), "{err:?}");
        assert!(err.to_string().contains("migration 2 was applied to this database with different contents"), "{err}");

        let err = db.migrate(&Migrations { sqlite: &ONLY_FIRST, postgres: &ONLY_FIRST }).await.unwrap_err();
        assert!(matches!(err, MigrationError::UnknownApplied { version: 2 }), "{err:?}");
        assert!(err.to_string().contains("does not contain it"), "{err}");

        // A failed run must not leave the migration lock held.
        db.migrate(&FULL).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_failing_migration_changes_nothing() {
    on_both(|db| async move {
        let err = db.migrate(&Migrations { sqlite: &WITH_BROKEN, postgres: &WITH_BROKEN }).await.unwrap_err();
        assert!(matches!(err, MigrationError::Failed { version: 3, .. }), "{err:?}");
        assert!(table_exists(&db, "posts").await, "earlier migrations stay applied");
        assert!(!table_exists(&db, "tags").await, "the failed migration was rolled back");
        assert_eq!(db.applied_migrations().await.unwrap(), [1, 2]);
        db.migrate(&FULL).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn each_backend_uses_its_own_list() {
    static SQLITE_ONLY: [EmbeddedMigration; 1] =
        [EmbeddedMigration { version: 1, description: "sqlite", sql: "CREATE TABLE only_sqlite (id INTEGER);" }];
    static PG_ONLY: [EmbeddedMigration; 1] =
        [EmbeddedMigration { version: 1, description: "pg", sql: "CREATE TABLE only_pg (id SERIAL);" }];
    on_both(|db| async move {
        db.migrate(&Migrations { sqlite: &SQLITE_ONLY, postgres: &PG_ONLY }).await.unwrap();
        let expected = db.backend() == Backend::Sqlite;
        assert_eq!(table_exists(&db, "only_sqlite").await, expected);
        assert_eq!(table_exists(&db, "only_pg").await, !expected);
    })
    .await;
}
