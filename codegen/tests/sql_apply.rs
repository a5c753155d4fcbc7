//! The generated migrations on real databases: `make` writes them, sqlx's migrator applies them (which
//! also proves the file layout is what sqlx expects), and inserts that break a NOT NULL, UNIQUE, FOREIGN
//! KEY or CHECK rule must fail with the named constraint, while cascades and SET NULL do their work.
//!
//! SQLite runs in memory. PostgreSQL: `TEST_DATABASE_URL` or `DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; each run creates a database of its own and drops it. An
//! unreachable server is a failure under `CI=true` and a loud skip otherwise.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use charter_codegen::sql::Dialect;
use charter_codegen::sql::migrations;
use charter_spec::Spec;
use sqlx::error::ErrorKind;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

fn load(rel: &str) -> Spec {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    charter_spec::load_dir(&dir).unwrap_or_else(|d| panic!("{} does not load:\n{}", dir.display(), d.render(false)))
}

fn example() -> Spec {
    load("../generated-example/spec")
}

fn kitchen() -> Spec {
    load("tests/fixtures/sql/kitchen")
}

/// A fresh directory under the system temp dir, removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("charter-sql-apply-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Temp(dir)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

enum Db {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Db {
    fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Writes the spec's migrations with `make` and applies them with sqlx's own migrator.
    async fn migrate(&mut self, spec: &Spec) {
        let tmp = Temp::new("migrations");
        migrations::make(spec, &tmp.0, None, &migrations::MakeOptions::default()).unwrap();
        let migrator = Migrator::new(tmp.0.join(self.dialect().dir_name())).await.unwrap();
        assert_eq!(migrator.iter().count(), 1);
        let applied = match self {
            Db::Sqlite(c) => migrator.run(c).await,
            Db::Postgres(c) => migrator.run(c).await,
        };
        applied.unwrap_or_else(|e| panic!("{} migration failed: {e}", self.dialect()));
    }

    async fn exec(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            Db::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()),
            Db::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()),
        }
    }

    async fn ok(&mut self, sql: &str) {
        if let Err(e) = self.exec(sql).await {
            panic!("{}: `{sql}` failed: {e}", self.dialect());
        }
    }

    async fn count(&mut self, sql: &str) -> i64 {
        let n = match self {
            Db::Sqlite(c) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
            Db::Postgres(c) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
        };
        n.unwrap_or_else(|e| panic!("{}: `{sql}` failed: {e}", self.dialect()))
    }

    /// `sql` must fail with `kind`; `constraint` is checked where the database reports it (PostgreSQL
    /// always, SQLite for CHECKs).
    async fn fails(&mut self, sql: &str, kind: ErrorKind, constraint: Option<&str>) {
        let d = self.dialect();
        let e = match self.exec(sql).await {
            Ok(_) => panic!("{d}: `{sql}` should fail with {kind:?}"),
            Err(sqlx::Error::Database(e)) => e,
            Err(e) => panic!("{d}: `{sql}` failed with {e}, expected {kind:?}"),
        };
        // SQLite reports ON DELETE RESTRICT as SQLITE_CONSTRAINT_TRIGGER (1811), which sqlx does not classify:
        // the runtime must map it by message.
        let restrict = d == Dialect::Sqlite
            && e.code().as_deref() == Some("1811")
            && e.message() == "FOREIGN KEY constraint failed";
        let got = if restrict { ErrorKind::ForeignKeyViolation } else { e.kind() };
        assert_eq!(got, kind, "{d}: `{sql}`: {e}");
        if let Some(name) = constraint {
            let reported = match d {
                Dialect::Postgres => e.constraint() == Some(name),
                Dialect::Sqlite => kind != ErrorKind::CheckViolation || e.message().contains(name),
            };
            assert!(reported, "{d}: `{sql}`: expected constraint {name}, got {e} ({:?})", e.constraint());
        }
    }
}

async fn example_rules(db: &mut Db) {
    db.ok(r#"INSERT INTO "users" ("email", "username", "password_hash") VALUES ('a@x.io', 'alice', 'h')"#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "users" WHERE "created_at" IS NOT NULL AND "id" = 1"#).await, 1);

    db.fails(
        r#"INSERT INTO "users" ("email", "username") VALUES ('b@x.io', 'bob')"#,
        ErrorKind::NotNullViolation,
        None,
    )
    .await;
    db.fails(
        r#"INSERT INTO "users" ("email", "username", "password_hash") VALUES ('a@x.io', 'alice2', 'h')"#,
        ErrorKind::UniqueViolation,
        Some("uq_users_email"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "users" ("email", "username", "password_hash") VALUES ('c@x.io', '', 'h')"#,
        ErrorKind::CheckViolation,
        Some("ck_users_username_min_length"),
    )
    .await;
    let long_bio = "b".repeat(4097);
    db.fails(
        &format!(r#"INSERT INTO "users" ("email", "username", "password_hash", "bio") VALUES ('d@x.io', 'dan', 'h', '{long_bio}')"#),
        ErrorKind::CheckViolation,
        Some("ck_users_bio_max_length"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "articles" ("slug", "title", "description", "body", "author_id") VALUES ('s', 't', 'd', 'b', 999)"#,
        ErrorKind::ForeignKeyViolation,
        Some("fk_articles_author_id"),
    )
    .await;

    db.ok(r#"INSERT INTO "articles" ("slug", "title", "description", "body", "author_id")
             SELECT 'hello', 'Hello', 'd', 'b', "id" FROM "users" WHERE "username" = 'alice'"#)
        .await;
    db.ok(r#"INSERT INTO "tags" ("name") VALUES ('rust')"#).await;
    let link = r#"INSERT INTO "articles_tags" ("article_id", "tag_id")
                  SELECT a."id", t."id" FROM "articles" a, "tags" t WHERE a."slug" = 'hello' AND t."name" = 'rust'"#;
    db.ok(link).await;
    db.fails(link, ErrorKind::UniqueViolation, Some("articles_tags_pkey")).await;

    // Deleting the author removes the article (cascade), and its tag links with it; the tag stays.
    db.ok(r#"DELETE FROM "users" WHERE "username" = 'alice'"#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "articles""#).await, 0);
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "articles_tags""#).await, 0);
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "tags""#).await, 1);
}

async fn kitchen_rules(db: &mut Db) {
    db.ok(r#"INSERT INTO "user" ("email") VALUES ('u@x.io')"#).await;
    assert_eq!(
        db.count(r#"SELECT COUNT(*) FROM "user" WHERE "active" = TRUE AND "karma" = 0 AND "role" = 'member'"#).await,
        1
    );
    if db.dialect() == Dialect::Sqlite {
        db.fails(
            r#"INSERT INTO "user" ("email", "active") VALUES ('v@x.io', 2)"#,
            ErrorKind::CheckViolation,
            Some("ck_user_active_bool"),
        )
        .await;
    }
    db.fails(
        r#"INSERT INTO "user" ("email", "role") VALUES ('v@x.io', 'boss')"#,
        ErrorKind::CheckViolation,
        Some("ck_user_role_values"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "user" ("email", "karma") VALUES ('v@x.io', 1001)"#,
        ErrorKind::CheckViolation,
        Some("ck_user_karma_max"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "user" ("email", "karma") VALUES ('v@x.io', -1)"#,
        ErrorKind::CheckViolation,
        Some("ck_user_karma_min"),
    )
    .await;

    let follow = r#"INSERT INTO "user_following" ("user_id", "following_id") SELECT "id", "id" FROM "user""#;
    db.ok(follow).await;
    db.fails(follow, ErrorKind::UniqueViolation, Some("user_following_pkey")).await;

    db.ok(r#"INSERT INTO "shop_coupon" ("quantity") VALUES (5)"#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "shop_coupon" WHERE "label" = 'it''s free'"#).await, 1);
    db.fails(
        r#"INSERT INTO "shop_coupon" ("quantity") VALUES (0)"#,
        ErrorKind::CheckViolation,
        Some("ck_shop_coupon_quantity_min"),
    )
    .await;

    let order = |id: &str, code: &str| {
        format!(
            r#"INSERT INTO "order" ("id", "buyer_id", "coupon_id", "placed_on", "meta", "code", "status")
               SELECT '{id}', u."id", c."id", '2026-11-21', '{{"gift": true}}', '{code}', 'open'
               FROM "user" u, "shop_coupon" c"#
        )
    };
    db.ok(&order("00000000-0000-4000-8000-000000000001", "ABC")).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "order" WHERE "total" = 0.5"#).await, 1);
    db.fails(
        &order("00000000-0000-4000-8000-000000000002", "ABC"),
        ErrorKind::UniqueViolation,
        Some("uq_order_buyer_id_code"),
    )
    .await;
    db.fails(
        &order("00000000-0000-4000-8000-000000000003", "AB"),
        ErrorKind::CheckViolation,
        Some("ck_order_code_min_length"),
    )
    .await;
    db.fails(&order("00000000-0000-4000-8000-000000000001", "XYZ"), ErrorKind::UniqueViolation, Some("order_pkey"))
        .await;
    db.ok(r#"INSERT INTO "order_items" ("order_id", "sku") VALUES ('00000000-0000-4000-8000-000000000001', 'sku-1')"#)
        .await;

    // SET NULL: the order outlives its coupon.
    db.ok(r#"DELETE FROM "shop_coupon""#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "order" WHERE "coupon_id" IS NULL"#).await, 1);
    // RESTRICT: a buyer with orders cannot go.
    db.fails(r#"DELETE FROM "user""#, ErrorKind::ForeignKeyViolation, Some("fk_order_buyer_id")).await;
    // CASCADE: items go with their order, follows with their user.
    db.ok(r#"DELETE FROM "order""#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "order_items""#).await, 0);
    db.ok(r#"DELETE FROM "user""#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "user_following""#).await, 0);
}

#[tokio::test]
async fn sqlite_applies_and_enforces() {
    for (spec, rules) in [(example(), 0), (kitchen(), 1)] {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:").unwrap().foreign_keys(true);
        let mut db = Db::Sqlite(opts.connect().await.unwrap());
        db.migrate(&spec).await;
        if rules == 0 {
            example_rules(&mut db).await;
        } else {
            kitchen_rules(&mut db).await;
        }
    }
}

fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

async fn connect(opts: &PgConnectOptions) -> Result<PgConnection, String> {
    match tokio::time::timeout(Duration::from_secs(10), opts.connect()).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out after 10 s".to_owned()),
    }
}

#[test]
fn postgres_applies_and_enforces() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = database_url();
    let admin_opts = PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("bad database url {url}: {e}"));
    let mut admin = match rt.block_on(connect(&admin_opts)) {
        Ok(c) => c,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL at {url} is unreachable: {e}")
        }
        Err(e) => {
            eprintln!("\n!!! SKIPPED postgres_applies_and_enforces: PostgreSQL at {url} is unreachable: {e}\n");
            return;
        }
    };
    for (spec, rules) in [(example(), 0), (kitchen(), 1)] {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("charter_sql_{}_{rules}_{nanos}", std::process::id());
        rt.block_on(sqlx::raw_sql(&format!(r#"CREATE DATABASE "{name}""#)).execute(&mut admin)).unwrap();

        // Catch a failed assertion so that the database is still dropped.
        let opts = admin_opts.clone().database(&name);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut db = Db::Postgres(connect(&opts).await.unwrap());
                db.migrate(&spec).await;
                if rules == 0 {
                    example_rules(&mut db).await;
                } else {
                    kitchen_rules(&mut db).await;
                }
                if let Db::Postgres(c) = db {
                    let _ = c.close().await;
                }
            })
        }));

        let drop_sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
        let dropped = rt.block_on(sqlx::raw_sql(&drop_sql).execute(&mut admin));
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
        dropped.unwrap();
    }
}
