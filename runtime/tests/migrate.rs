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

/// A parent and a child whose rows go with their parent's (`ON DELETE CASCADE`).
const SQLITE_PARENT_CHILD: &str = r#"CREATE TABLE "users" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT);
CREATE TABLE "posts" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "author_id" INTEGER NOT NULL, CONSTRAINT "fk_posts_author_id" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE);
"#;

/// The shape charter writes for an SQLite table rebuild (here: `users.name` becomes NOT NULL, NULLs
/// backfilled); `$MIDDLE` is where the broken variant does damage.
const SQLITE_REBUILD: &str = r#"-- no-transaction
-- generated by charter from spec; do not edit

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE "users__new" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL);
INSERT INTO "users__new" ("id", "name") SELECT "id", COALESCE("name", 'anonymous') FROM "users";
DROP TABLE "users";
ALTER TABLE "users__new" RENAME TO "users";
$MIDDLE
CREATE TEMP TABLE "_charter_guard" ("violations" INTEGER CONSTRAINT "foreign keys violated (see PRAGMA foreign_key_check)" CHECK ("violations" = 0));
INSERT INTO "_charter_guard" SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE "_charter_guard";

COMMIT;
PRAGMA foreign_keys = ON;
"#;

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn rebuild(middle: &str) -> EmbeddedMigration {
    EmbeddedMigration { version: 2, description: "rebuild users", sql: leak(SQLITE_REBUILD.replace("$MIDDLE", middle)) }
}

/// `db` migrated to `first`, with users and their posts.
async fn with_rows(db: Db, first: &'static [EmbeddedMigration]) -> Db {
    db.migrate(&Migrations { sqlite: first, postgres: &[] }).await.unwrap();
    db.query(r#"INSERT INTO "users" ("name") VALUES ('ada'), (NULL)"#).execute().await.unwrap();
    db.query(r#"INSERT INTO "posts" ("author_id") VALUES (1), (2), (2)"#).execute().await.unwrap();
    db
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    db.query(sql).fetch_scalar::<i64>().await.unwrap()
}

#[tokio::test]
async fn sqlite_rebuild_runs_outside_sqlx_transaction_and_keeps_every_row() {
    static FIRST: [EmbeddedMigration; 1] =
        [EmbeddedMigration { version: 1, description: "parent and child", sql: SQLITE_PARENT_CHILD }];
    let both: &'static [EmbeddedMigration] = Box::leak(Box::new([FIRST[0], rebuild("")]));
    // One connection (an in-memory database keeps exactly one), so what the migration did to the
    // connection's `foreign_keys` setting is what every later query sees.
    let db = with_rows(Db::connect("sqlite::memory:").await.unwrap(), &FIRST).await;

    db.migrate(&Migrations { sqlite: both, postgres: &[] }).await.unwrap();
    assert_eq!(db.applied_migrations().await.unwrap(), [1, 2]);
    // Dropping the old `users` did not cascade into `posts`, and NULL names were backfilled.
    assert_eq!(scalar(&db, r#"SELECT count(*) FROM "posts""#).await, 3);
    assert_eq!(scalar(&db, r#"SELECT count(*) FROM "users" WHERE "name" = 'anonymous' AND "id" = 2"#).await, 1);
    assert_eq!(scalar(&db, "SELECT count(*) FROM sqlite_master WHERE name = 'users__new'").await, 0);
    // Foreign keys are on again: deleting a user takes its posts.
    assert_eq!(scalar(&db, "PRAGMA foreign_keys").await, 1);
    db.query(r#"DELETE FROM "users" WHERE "id" = 2"#).execute().await.unwrap();
    assert_eq!(scalar(&db, r#"SELECT count(*) FROM "posts""#).await, 1);

    // Recorded like any other migration: the next start changes nothing and checks its checksum.
    let (success, checksum): (bool, Vec<u8>) =
        db.query("SELECT success, checksum FROM _sqlx_migrations WHERE version = 2").fetch_one().await.unwrap();
    assert!(success);
    assert_eq!(checksum.len(), 48);
    db.migrate(&Migrations { sqlite: both, postgres: &[] }).await.unwrap();
    let edited: &'static [EmbeddedMigration] = Box::leak(Box::new([FIRST[0], rebuild("-- edited")]));
    let err = db.migrate(&Migrations { sqlite: edited, postgres: &[] }).await.unwrap_err();
    assert!(matches!(err, MigrationError::ChecksumMismatch { version: 2 }), "{err:?}");
}

#[tokio::test]
async fn failing_sqlite_rebuild_leaves_the_database_as_it_was() {
    static FIRST: [EmbeddedMigration; 1] =
        [EmbeddedMigration { version: 1, description: "parent and child", sql: SQLITE_PARENT_CHILD }];
    // The copy loses a user that posts reference: the foreign key check at the end must fail it all.
    let broken: &'static [EmbeddedMigration] =
        Box::leak(Box::new([FIRST[0], rebuild(r#"DELETE FROM "users" WHERE "id" = 1;"#)]));
    // A file: the connection of a failed run is closed (see `Db::migrate`), which would end an
    // in-memory database.
    let test_db = TestDb::sqlite().await;
    let db = with_rows(test_db.db().clone(), &FIRST).await;
    let schema = |db: Db| async move {
        db.query(
            "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name)",
        )
        .fetch_scalar::<String>()
        .await
        .unwrap()
    };
    let before = schema(db.clone()).await;

    let err = db.migrate(&Migrations { sqlite: broken, postgres: &[] }).await.unwrap_err();
    assert!(matches!(err, MigrationError::Failed { version: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("foreign keys violated"), "{err}");

    assert_eq!(schema(db.clone()).await, before, "the rebuild was rolled back");
    assert_eq!(scalar(&db, r#"SELECT count(*) FROM "users" WHERE "name" IS NULL"#).await, 1);
    assert_eq!(scalar(&db, r#"SELECT count(*) FROM "posts""#).await, 3);
    assert_eq!(db.applied_migrations().await.unwrap(), [1]);
    assert_eq!(scalar(&db, "PRAGMA foreign_keys").await, 1, "foreign keys are on again");
    assert_eq!(scalar(&db, "SELECT count(*) FROM sqlite_temp_master").await, 0);

    // Fixed, it applies.
    let fixed: &'static [EmbeddedMigration] = Box::leak(Box::new([FIRST[0], rebuild("")]));
    db.migrate(&Migrations { sqlite: fixed, postgres: &[] }).await.unwrap();
    assert_eq!(db.applied_migrations().await.unwrap(), [1, 2]);
}

#[tokio::test]
async fn sqlite_migration_failing_before_its_begin_changes_nothing() {
    static FIRST: [EmbeddedMigration; 1] =
        [EmbeddedMigration { version: 1, description: "parent and child", sql: SQLITE_PARENT_CHILD }];
    static BROKEN: EmbeddedMigration = EmbeddedMigration {
        version: 2,
        description: "broken",
        sql: "-- no-transaction\nPRAGMA foreign_keys = OFF;\nCREATE TABLE oops (;\n",
    };
    let test_db = TestDb::sqlite().await;
    let db = with_rows(test_db.db().clone(), &FIRST).await;
    let list: &'static [EmbeddedMigration] = Box::leak(Box::new([FIRST[0], BROKEN]));
    let err = db.migrate(&Migrations { sqlite: list, postgres: &[] }).await.unwrap_err();
    assert!(matches!(err, MigrationError::Failed { version: 2, .. }), "{err:?}");
    assert_eq!(scalar(&db, "PRAGMA foreign_keys").await, 1);
    assert_eq!(db.applied_migrations().await.unwrap(), [1]);
}

/// Migrations behind the spec (a model whose table no migration creates): the server refuses to start and
/// says which tables are missing and what to run, instead of answering every request with a 500.
#[tokio::test]
async fn a_server_whose_migrations_lack_a_table_does_not_start() {
    static SPEC: charter_runtime::ApiSpec = charter_runtime::ApiSpec {
        title: "t",
        version: "1",
        openapi_json: "{}",
        openapi_yaml: "",
        envelope: charter_runtime::Envelope::Problem,
        auth: charter_runtime::AuthScheme { header: "Authorization", prefix: "Bearer" },
        migrations: Migrations { sqlite: &ONLY_FIRST, postgres: &ONLY_FIRST },
        rate_limited: false,
        tables: &["users", "posts"],
    };
    for test_db in [Some(TestDb::sqlite().await), TestDb::postgres().await].into_iter().flatten() {
        let config = charter_runtime::Config::for_tests(test_db.url());
        let err = charter_runtime::build(&SPEC, &config, |_| Default::default()).await.err().expect("must not start");
        let message = err.to_string();
        assert!(message.contains("no table `posts`") && message.contains("charter makemigrations"), "{message}");
        assert_eq!(test_db.db().missing_tables(&["users", "posts"]).await.unwrap(), ["posts"]);
        // With every table, it starts.
        test_db.db().migrate(&FULL).await.unwrap();
        assert!(test_db.db().missing_tables(&["users", "posts"]).await.unwrap().is_empty());
    }
}
