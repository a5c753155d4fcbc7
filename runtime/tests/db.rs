//! The query API against real databases: an SQLite file and a PostgreSQL database per test.
//! PostgreSQL tests skip (loudly) when no server is reachable, and fail under `CI=true`.

use charter_runtime::testing::TestDb;
use charter_runtime::{Backend, Conn, DateTime, Db, DbError, JsonValue, NaiveDate, Utc, Uuid, Value, impl_from_row};
use serde_json::json;

/// Runs `check` on a fresh SQLite database and, when reachable, a fresh PostgreSQL one.
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

fn ddl(db: &Db, sqlite: &'static str, postgres: &'static str) -> &'static str {
    match db.backend() {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    }
}

#[derive(Debug, PartialEq)]
struct Everything {
    id: i64,
    flag: bool,
    count: i64,
    ratio: f64,
    name: String,
    uid: Uuid,
    at: DateTime<Utc>,
    day: NaiveDate,
    doc: JsonValue,
    small: Option<i32>,
    r#type: Option<String>,
}

impl_from_row!(Everything { id, flag, count, ratio, name, uid, at, day, doc, small, r#type as "type" });

async fn create_everything(db: &Db) {
    let sql = ddl(
        db,
        r#"CREATE TABLE everything (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL, count BIGINT NOT NULL,
            ratio REAL NOT NULL, name TEXT NOT NULL, uid BLOB NOT NULL, at TEXT NOT NULL, day TEXT NOT NULL,
            doc TEXT NOT NULL, small INTEGER, "type" TEXT)"#,
        r#"CREATE TABLE everything (id BIGINT PRIMARY KEY, flag BOOLEAN NOT NULL, count BIGINT NOT NULL,
            ratio DOUBLE PRECISION NOT NULL, name TEXT NOT NULL, uid UUID NOT NULL, at TIMESTAMPTZ NOT NULL,
            day DATE NOT NULL, doc JSONB NOT NULL, small INTEGER, "type" TEXT)"#,
    );
    db.query(sql).execute().await.unwrap();
}

const INSERT: &str = r#"INSERT INTO everything (id, flag, count, ratio, name, uid, at, day, doc, small, "type")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#;

fn sample(id: i64) -> Everything {
    Everything {
        id,
        flag: id % 2 == 0,
        count: i64::MAX - id,
        ratio: 0.25 + id as f64,
        name: format!("naïve 🚀 {id} 'quoted'"),
        uid: Uuid::new_v4(),
        // Microseconds: what both backends keep.
        at: "2024-05-01T12:34:56.123456Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::seconds(id),
        day: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        doc: json!({"tags": ["a", "b"], "n": id, "nested": {"ok": true}}),
        small: if id % 2 == 1 { None } else { Some(id as i32) },
        r#type: Some("article".into()),
    }
}

async fn insert(db: &Db, row: &Everything) -> u64 {
    db.query(INSERT)
        .bind(row.id)
        .bind(row.flag)
        .bind(row.count)
        .bind(row.ratio)
        .bind(&row.name)
        .bind(row.uid)
        .bind(row.at)
        .bind(row.day)
        .bind(row.doc.clone())
        .bind(row.small)
        .bind(row.r#type.clone())
        .execute()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_value_type_round_trips() {
    on_both(|db| async move {
        create_everything(&db).await;
        // Odd rows bind a Null where even rows bind an Int, Null first: the same statement must take both.
        let rows: Vec<Everything> = (1..=4).map(sample).collect();
        for row in &rows {
            assert_eq!(insert(&db, row).await, 1);
        }
        let read: Vec<Everything> = db.query("SELECT * FROM everything ORDER BY id").fetch_all().await.unwrap();
        assert_eq!(read, rows, "{:?}", db.backend());

        let one: Everything =
            db.query("SELECT * FROM everything WHERE uid = $1").bind(rows[2].uid).fetch_one().await.unwrap();
        assert_eq!(one, rows[2]);
        let by_time: Option<Everything> =
            db.query("SELECT * FROM everything WHERE at = $1").bind(rows[1].at).fetch_optional().await.unwrap();
        assert_eq!(by_time.as_ref(), Some(&rows[1]));
        let by_day: i64 =
            db.query("SELECT count(*) FROM everything WHERE day = $1").bind(rows[0].day).fetch_scalar().await.unwrap();
        assert_eq!(by_day, 4);
        let later: Vec<i64> = db
            .query("SELECT id FROM everything WHERE at > $1 ORDER BY at DESC")
            .bind(rows[1].at)
            .fetch_all_scalar()
            .await
            .unwrap();
        assert_eq!(later, [4, 3]);
        let missing: Option<Everything> =
            db.query("SELECT * FROM everything WHERE id = $1").bind(99).fetch_optional().await.unwrap();
        assert!(missing.is_none());
        let err =
            db.query("SELECT * FROM everything WHERE id = $1").bind(99).fetch_one::<Everything>().await.unwrap_err();
        assert!(matches!(err, DbError::NotFound), "{err}");

        // Scalars of every type, and a placeholder used twice.
        let name: String =
            db.query("SELECT name FROM everything WHERE id = $1 AND $1 > 0").bind(1).fetch_scalar().await.unwrap();
        assert_eq!(name, rows[0].name);
        let flag: bool = db.query("SELECT flag FROM everything WHERE id = $1").bind(2).fetch_scalar().await.unwrap();
        assert!(flag);
        let uid: Uuid = db.query("SELECT uid FROM everything WHERE id = $1").bind(1).fetch_scalar().await.unwrap();
        assert_eq!(uid, rows[0].uid);
        let doc: JsonValue = db.query("SELECT doc FROM everything WHERE id = $1").bind(3).fetch_scalar().await.unwrap();
        assert_eq!(doc, rows[2].doc);
        let small: Option<i32> =
            db.query("SELECT small FROM everything WHERE id = $1").bind(1).fetch_scalar().await.unwrap();
        assert_eq!(small, None);
        let small: Option<i32> =
            db.query("SELECT small FROM everything WHERE id = $1").bind(2).fetch_scalar().await.unwrap();
        assert_eq!(small, Some(2));
        let none: Option<i64> = db
            .query("SELECT id FROM everything WHERE id = $1")
            .bind(Value::Int(99))
            .fetch_optional_scalar()
            .await
            .unwrap();
        assert_eq!(none, None);
        let pair: (i64, String) =
            db.query("SELECT id, name FROM everything WHERE id = $1").bind(4).fetch_one().await.unwrap();
        assert_eq!(pair, (4, rows[3].name.clone()));

        // NULLs into typed columns, through UPDATE and WHERE.
        let changed = db
            .query("UPDATE everything SET small = $1, \"type\" = $2 WHERE id >= $3")
            .bind(None::<i32>)
            .bind(Value::Null)
            .bind(3)
            .execute()
            .await
            .unwrap();
        assert_eq!(changed, 2);
        let nulls: i64 = db
            .query("SELECT count(*) FROM everything WHERE small IS NULL AND \"type\" IS NULL")
            .fetch_scalar()
            .await
            .unwrap();
        assert_eq!(nulls, 2);
        let ids: Vec<i64> = db
            .query(format!(
                "SELECT id FROM everything WHERE id IN ({}) ORDER BY id",
                charter_runtime::__private::sql::placeholders(1, 3)
            ))
            .bind_all([1, 3, 5])
            .fetch_all_scalar()
            .await
            .unwrap();
        assert_eq!(ids, [1, 3]);
    })
    .await;
}

#[tokio::test]
async fn sqlite_storage_formats() {
    let test_db = TestDb::sqlite().await;
    let db = test_db.db();
    create_everything(db).await;
    let row = sample(1);
    insert(db, &row).await;
    let (at, day, kind): (String, String, String) =
        db.query("SELECT at, day, typeof(uid) FROM everything").fetch_one().await.unwrap();
    assert_eq!(at, "2024-05-01T12:34:57.123456Z");
    assert_eq!(day, "2024-02-29");
    assert_eq!(kind, "blob");
    let doc: String = db.query("SELECT doc FROM everything").fetch_scalar().await.unwrap();
    assert_eq!(serde_json::from_str::<JsonValue>(&doc).unwrap(), row.doc);
    let fk: bool = db.query("PRAGMA foreign_keys").fetch_scalar().await.unwrap();
    assert!(fk);
    let journal: String = db.query("PRAGMA journal_mode").fetch_scalar().await.unwrap();
    assert_eq!(journal, "wal");
}

async fn create_users_and_posts(db: &Db) {
    let users = ddl(
        db,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
        "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL CONSTRAINT users_email_key UNIQUE, name TEXT NOT NULL)",
    );
    db.query(users).execute().await.unwrap();
    db.query("CREATE TABLE posts (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL REFERENCES users (id))")
        .execute()
        .await
        .unwrap();
}

#[tokio::test]
async fn constraint_violations_are_classified() {
    on_both(|db| async move {
        create_users_and_posts(&db).await;
        let insert = "INSERT INTO users (id, email, name) VALUES ($1, $2, $3)";
        db.query(insert).bind(1).bind("jake@example.com").bind("jake").execute().await.unwrap();

        let err = db.query(insert).bind(2).bind("jake@example.com").bind("other").execute().await.unwrap_err();
        assert!(err.is_unique_violation(), "{:?}: {err:?}", db.backend());
        assert!(err.is_unique_violation_on("email"), "{err:?}");
        assert!(!err.is_unique_violation_on("name"), "{err:?}");
        let api: charter_runtime::ApiError = err.into();
        assert_eq!(api.status(), 409);

        let err = db.query(insert).bind(1).bind("new@example.com").bind("dup id").execute().await.unwrap_err();
        assert!(err.is_unique_violation(), "primary key: {err:?}");

        let err =
            db.query("INSERT INTO posts (id, author_id) VALUES ($1, $2)").bind(1).bind(42).execute().await.unwrap_err();
        assert!(matches!(err, DbError::ForeignKeyViolation { .. }), "{:?}: {err:?}", db.backend());

        let err = db.query("SELECT nope FROM users").execute().await.unwrap_err();
        assert!(matches!(err, DbError::Other(_)), "{err:?}");
        let err = db.query("SELECT email FROM users").fetch_scalar::<i64>().await.unwrap_err();
        assert!(matches!(err, DbError::Decode(_)), "{err:?}");
    })
    .await;
}

/// Data access written once for both a pool and a transaction.
async fn add_user(conn: impl Conn<'_>, id: i64, email: &str) -> Result<u64, DbError> {
    conn.query("INSERT INTO users (id, email, name) VALUES ($1, $2, $2)").bind(id).bind(email).execute().await
}

async fn count_users(conn: impl Conn<'_>) -> i64 {
    conn.query("SELECT count(*) FROM users").fetch_scalar().await.unwrap()
}

#[tokio::test]
async fn transactions_commit_and_roll_back() {
    on_both(|db| async move {
        create_users_and_posts(&db).await;

        let mut tx = db.begin().await.unwrap();
        add_user(&mut tx, 1, "a@example.com").await.unwrap();
        add_user(&mut tx, 2, "b@example.com").await.unwrap();
        assert_eq!(count_users(&mut tx).await, 2);
        tx.rollback().await.unwrap();
        assert_eq!(count_users(&db).await, 0);

        let mut tx = db.begin().await.unwrap();
        add_user(&mut tx, 1, "a@example.com").await.unwrap();
        let email: String = tx.query("SELECT email FROM users WHERE id = $1").bind(1).fetch_scalar().await.unwrap();
        assert_eq!(email, "a@example.com");
        tx.commit().await.unwrap();
        assert_eq!(count_users(&db).await, 1);

        {
            let mut tx = db.begin().await.unwrap();
            add_user(&mut tx, 2, "b@example.com").await.unwrap();
            // Dropped without commit.
        }
        assert_eq!(count_users(&db).await, 1);

        let mut tx = db.begin().await.unwrap();
        let err = add_user(&mut tx, 3, "a@example.com").await.unwrap_err();
        assert!(err.is_unique_violation());
        drop(tx);
        add_user(&db, 3, "c@example.com").await.unwrap();
        assert_eq!(count_users(&db).await, 2);
        db.ping().await.unwrap();
    })
    .await;
}

#[derive(Debug, PartialEq)]
struct Item {
    id: i64,
}

impl_from_row!(Item { id });

#[tokio::test]
async fn a_page_carries_its_total_in_the_same_statement() {
    use charter_runtime::__private::loader::rows_page;
    use charter_runtime::db::count_statements;

    on_both(|db| async move {
        db.query("CREATE TABLE items (id BIGINT PRIMARY KEY, tag TEXT NOT NULL)").execute().await.unwrap();
        for id in 1..=7 {
            let tag = if id <= 5 { "a" } else { "b" };
            db.query("INSERT INTO items (id, tag) VALUES ($1, $2)").bind(id).bind(tag).execute().await.unwrap();
        }
        // The filter's placeholder appears twice in the statement (page and total), bound once.
        let page = |tag: &'static str, limit: i64, offset: i64| {
            let db = db.clone();
            async move {
                let filter = |args: &mut Vec<Value>| {
                    args.push(tag.into());
                    format!(" WHERE \"items\".\"tag\" = ${}", args.len())
                };
                let (page, statements) = count_statements(rows_page::<Item>(
                    &db,
                    "SELECT \"id\"",
                    "\"items\"",
                    filter,
                    "\"items\".\"id\" DESC",
                    limit,
                    offset,
                ))
                .await;
                let (rows, total) = page.unwrap();
                (rows.into_iter().map(|r| r.id).collect::<Vec<_>>(), total, statements)
            }
        };
        assert_eq!(page("a", 2, 0).await, (vec![5, 4], 5, 1));
        // Run again: a cached first page.
        assert_eq!(page("a", 2, 0).await, (vec![5, 4], 5, 1));
        assert_eq!(page("a", 2, 3).await, (vec![2, 1], 5, 1));
        // A deeper page is not cached; running it again must still work.
        assert_eq!(page("a", 2, 3).await, (vec![2, 1], 5, 1));
        assert_eq!(page("a", 100, 4).await, (vec![1], 5, 1));
        assert_eq!(page("b", 20, 0).await, (vec![7, 6], 2, 1));
        // No rows to carry the total: nothing matches, or the page is past the end or has no room.
        assert_eq!(page("c", 20, 0).await, (vec![], 0, 1));
        assert_eq!(page("a", 2, 5).await, (vec![], 5, 2));
        assert_eq!(page("a", 2, 1000).await, (vec![], 5, 2));
        assert_eq!(page("a", 0, 0).await, (vec![], 5, 2));
    })
    .await;
}

#[tokio::test]
async fn connect_rejects_unknown_schemes_and_creates_directories() {
    let err = Db::connect("mysql://localhost/db").await.unwrap_err();
    assert!(matches!(err, DbError::UnsupportedUrl(ref s) if s == "mysql"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("nested/deeper/app.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.ping().await.unwrap();
    assert!(dir.path().join("nested/deeper/app.db").exists());
    let memory = Db::connect("sqlite::memory:").await.unwrap();
    memory.query("CREATE TABLE t (x INTEGER)").execute().await.unwrap();
    memory.query("INSERT INTO t VALUES (1)").execute().await.unwrap();
    let n: i64 = memory.query("SELECT count(*) FROM t").fetch_scalar().await.unwrap();
    assert_eq!(n, 1);
}

/// The pool hands out a connection released a moment ago without pinging it (that would be a round
/// trip per statement), but pings one that idled longer: connections the server dropped meanwhile are
/// replaced, not handed to a statement that would fail.
#[tokio::test]
async fn postgres_connections_dropped_while_idle_are_replaced() {
    use sqlx::Connection;

    let Some(pg) = TestDb::postgres().await else { return };
    // Four statements at once: four connections, all idle afterwards.
    let at_once = |sql: &'static str| {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let db = pg.db().clone();
            set.spawn(async move { db.query(sql).execute().await });
        }
        set.join_all()
    };
    for done in at_once("SELECT pg_sleep(0.05)").await {
        done.unwrap();
    }
    let mut admin = sqlx::PgConnection::connect(pg.url()).await.unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert!(killed >= 2, "the pool held {killed} connections; the test needs several");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    for done in at_once("SELECT 1").await {
        done.expect("a dropped connection was handed out");
    }
    admin.close().await.unwrap();
}
