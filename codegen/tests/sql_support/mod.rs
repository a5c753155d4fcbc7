//! Shared by the SQL tests that use real databases (`sql_apply.rs`, `sql_migrate.rs`, `migrate_walk.rs`,
//! `case_insensitive.rs`): specs from YAML text, an SQLite or PostgreSQL connection with a few assertions, migrations applied
//! the way the runtime applies them, and schema introspection for "migrated equals fresh".
//!
//! PostgreSQL: `TEST_DATABASE_URL` or `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`;
//! each test creates databases of its own and drops them. An unreachable server is a failure under
//! `CI=true` and a loud skip otherwise.

#![allow(dead_code)] // each test crate uses its own part

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;
use std::time::Duration;

use charter_codegen::sql::Dialect;
use charter_codegen::sql::migrations::{self, Made, MakeOptions, MigrationError};
use charter_spec::Spec;
use sqlx::error::ErrorKind;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor};

pub fn load_dir(rel: &str) -> Spec {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    charter_spec::load_dir(&dir).unwrap_or_else(|d| panic!("{} does not load:\n{}", dir.display(), d.render(false)))
}

/// A project with one app, `core`, whose file is `core` (YAML).
pub fn spec(core: &str) -> Spec {
    let files = vec![
        (PathBuf::from("spec/project.yaml"), "title: T\nversion: 0.1.0\napps: [core]\n".to_owned()),
        (PathBuf::from("spec/core.yaml"), core.to_owned()),
    ];
    charter_spec::load_files(files).unwrap_or_else(|d| panic!("spec does not load:\n{}", d.render(false)))
}

pub fn make(core: &str, dir: &Path, options: MakeOptions) -> Result<Made, MigrationError> {
    migrations::make(&spec(core), dir, None, &options)
}

/// The migration files of one dialect, in version order.
pub fn files(dir: &Path, dialect: Dialect) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(dialect.dir_name()))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

pub enum Db {
    Sqlite(SqliteConnection),
    Postgres { conn: Box<PgConnection>, server: PgServer },
}

impl Db {
    /// In memory, one connection, foreign keys on (as the runtime connects).
    pub async fn sqlite() -> Db {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:").unwrap().foreign_keys(true);
        Db::Sqlite(opts.connect().await.unwrap())
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// An empty database of the same kind (PostgreSQL: on the same server, dropped with the others).
    pub async fn another(&self) -> Db {
        match self {
            Db::Sqlite(_) => Db::sqlite().await,
            Db::Postgres { server, .. } => server.database().await,
        }
    }

    pub async fn exec(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            Db::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()),
            Db::Postgres { conn, .. } => sqlx::raw_sql(sql).execute(conn.as_mut()).await.map(|r| r.rows_affected()),
        }
    }

    pub async fn ok(&mut self, sql: &str) {
        if let Err(e) = self.exec(sql).await {
            panic!("{}: `{sql}` failed: {e}", self.dialect());
        }
    }

    pub async fn count(&mut self, sql: &str) -> i64 {
        let n = match self {
            Db::Sqlite(c) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
            Db::Postgres { conn, .. } => sqlx::query_scalar::<_, i64>(sql).fetch_one(conn.as_mut()).await,
        };
        n.unwrap_or_else(|e| panic!("{}: `{sql}` failed: {e}", self.dialect()))
    }

    /// Every row of a query, each as its columns cast to text and joined with `|`.
    pub async fn rows(&mut self, table: &str, columns: &[&str]) -> Vec<String> {
        let list: Vec<String> = columns.iter().map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), 'NULL')")).collect();
        let sql = format!("SELECT {} FROM \"{table}\" ORDER BY 1", list.join(" || '|' || "));
        self.strings(&sql).await
    }

    pub async fn strings(&mut self, sql: &str) -> Vec<String> {
        let r = match self {
            Db::Sqlite(c) => sqlx::query_scalar::<_, String>(sql).fetch_all(c).await,
            Db::Postgres { conn, .. } => sqlx::query_scalar::<_, String>(sql).fetch_all(conn.as_mut()).await,
        };
        r.unwrap_or_else(|e| panic!("{}: `{sql}` failed: {e}", self.dialect()))
    }

    /// `sql` must fail with `kind`; `constraint` is checked where the database reports it (PostgreSQL
    /// always, SQLite for CHECKs).
    pub async fn fails(&mut self, sql: &str, kind: ErrorKind, constraint: Option<&str>) {
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

    /// Applies the migrations in `dir` not applied yet. PostgreSQL: sqlx's own migrator, which runs each
    /// in a transaction. SQLite: as charter's runtime does (`Db::migrate`), since sqlx 0.8's SQLite
    /// driver ignores `-- no-transaction`: such a file runs as it is, rolled back and with foreign keys
    /// back on when it fails; any other through sqlx, in a transaction.
    pub async fn apply(&mut self, dir: &Path) -> Result<(), String> {
        match self {
            Db::Postgres { conn, .. } => {
                let migrator = Migrator::new(dir.join("postgres")).await.map_err(|e| e.to_string())?;
                migrator.run(conn.as_mut()).await.map_err(|e| e.to_string())
            }
            Db::Sqlite(conn) => {
                // sqlx reads the files (names, checksums, the directive); each pending one is applied by
                // sqlx, or, when it manages its own transaction, run as it is, as the runtime does.
                let migrator = Migrator::new(dir.join("sqlite")).await.map_err(|e| e.to_string())?;
                conn.ensure_migrations_table().await.map_err(|e| e.to_string())?;
                let applied: Vec<i64> = conn
                    .list_applied_migrations()
                    .await
                    .map_err(|e| e.to_string())?
                    .iter()
                    .map(|m| m.version)
                    .collect();
                for m in migrator.iter().filter(|m| !applied.contains(&m.version)) {
                    if !m.no_tx {
                        conn.apply(m).await.map_err(|e| e.to_string())?;
                        continue;
                    }
                    if let Err(e) = conn.execute(&*m.sql).await {
                        let _ = conn.execute("ROLLBACK").await;
                        conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
                        return Err(format!("migration {} failed: {e}", m.version));
                    }
                    conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
                    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, TRUE, ?, 0)")
                        .bind(m.version)
                        .bind(&*m.description)
                        .bind(&*m.checksum)
                        .execute(&mut *conn)
                        .await
                        .unwrap();
                }
                Ok(())
            }
        }
    }

    /// The schema as sorted lines: tables, columns (name order: databases append added columns), keys,
    /// constraints with their definitions, indexes. Two databases with the same lines have the same
    /// schema, up to column order.
    pub async fn schema(&mut self) -> Vec<String> {
        let mut lines = match self {
            Db::Sqlite(_) => self.sqlite_schema().await,
            Db::Postgres { .. } => self.strings(PG_SCHEMA).await,
        };
        lines.sort();
        lines
    }

    async fn sqlite_schema(&mut self) -> Vec<String> {
        let tables = self
            .strings("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'")
            .await;
        let mut lines = Vec::new();
        for t in tables {
            let q = t.replace('\'', "''");
            lines.extend(
                self.strings(&format!(
                    "SELECT '{q} column ' || name || ' ' || type || ' notnull=' || \"notnull\" || ' default=' || COALESCE(dflt_value, '-') || ' pk=' || pk FROM pragma_table_info('{q}')"
                ))
                .await,
            );
            lines.extend(
                self.strings(&format!(
                    "SELECT '{q} fk ' || \"from\" || ' -> ' || \"table\" || '.' || \"to\" || ' on delete ' || on_delete FROM pragma_foreign_key_list('{q}')"
                ))
                .await,
            );
            // Automatic indexes are numbered by their position in the DDL: named by their columns here.
            lines.extend(
                self.strings(&format!(
                    "SELECT '{q} index ' || CASE WHEN l.origin = 'c' THEN l.name ELSE '<auto>' END || ' unique=' || l.\"unique\" || ' origin=' || l.origin || ' (' || (SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) || ')' FROM pragma_index_list('{q}') l"
                ))
                .await,
            );
            let sql = self.strings(&format!("SELECT sql FROM sqlite_master WHERE name = '{q}'")).await.concat();
            // Named constraints, one per line in charter's DDL.
            lines.extend(sql.lines().filter_map(|l| {
                let l = l.trim().trim_end_matches(',');
                l.starts_with("CONSTRAINT ").then(|| format!("{t} {l}"))
            }));
        }
        lines
    }
}

const PG_SCHEMA: &str = r#"
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || COALESCE('(' || character_maximum_length || ')', '')
       || ' nullable=' || is_nullable || ' default=' || COALESCE(column_default, '-') || ' identity=' || is_identity
FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_sqlx_migrations'
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'
"#;

/// A PostgreSQL server where tests create databases; they are dropped by [`PgServer::drop_all`].
#[derive(Clone)]
pub struct PgServer {
    admin: Rc<PgConnectOptions>,
    created: Rc<RefCell<Vec<String>>>,
}

pub fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub async fn connect(opts: &PgConnectOptions) -> Result<PgConnection, String> {
    match tokio::time::timeout(Duration::from_secs(10), opts.connect()).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out after 10 s".to_owned()),
    }
}

impl PgServer {
    /// The server, or `None` after a loud note when it is unreachable (a panic under `CI=true`).
    pub async fn reach(test: &str) -> Option<PgServer> {
        let url = database_url();
        let admin = PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("bad database url {url}: {e}"));
        match connect(&admin).await {
            Ok(c) => {
                let _ = c.close().await;
                Some(PgServer { admin: Rc::new(admin), created: Rc::default() })
            }
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("PostgreSQL at {url} is unreachable: {e}"),
            Err(e) => {
                eprintln!("\n!!! SKIPPED {test} on PostgreSQL: {url} is unreachable: {e}\n");
                None
            }
        }
    }

    /// A new, empty database.
    pub async fn database(&self) -> Db {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("charter_sql_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut admin = connect(&self.admin).await.unwrap();
        sqlx::raw_sql(&format!(r#"CREATE DATABASE "{name}""#)).execute(&mut admin).await.unwrap();
        let _ = admin.close().await;
        self.created.borrow_mut().push(name.clone());
        let conn = connect(&(*self.admin).clone().database(&name)).await.unwrap();
        Db::Postgres { conn: Box::new(conn), server: self.clone() }
    }

    pub async fn drop_all(&self) -> Result<(), String> {
        let mut admin = connect(&self.admin).await?;
        let names: Vec<String> = self.created.borrow_mut().drain(..).collect();
        for name in names {
            let sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
            sqlx::raw_sql(&sql).execute(&mut admin).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Runs `body` on an SQLite database, then on a PostgreSQL one; every PostgreSQL database the body
/// created is dropped even when it panics.
pub fn on_both(test: &str, body: impl AsyncFn(&mut Db)) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut db = Db::sqlite().await;
        body(&mut db).await;
    });
    let Some(server) = rt.block_on(PgServer::reach(test)) else { return };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let mut db = server.database().await;
            body(&mut db).await;
            if let Db::Postgres { conn, .. } = db {
                let _ = conn.close().await;
            }
        })
    }));
    let dropped = rt.block_on(server.drop_all());
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    dropped.unwrap();
}

/// The migrations as the generated server embeds them (`build.rs` turns `migrations::embedded` into
/// `EmbeddedMigration`s with `include_str!`); leaked, as the runtime wants `'static` data.
pub fn embedded(dir: &Path) -> charter_runtime::Migrations {
    let files = migrations::embedded(dir).unwrap_or_else(|e| panic!("migrations::embedded({}): {e}", dir.display()));
    let of = |d: Dialect| -> &'static [charter_runtime::EmbeddedMigration] {
        let list: Vec<charter_runtime::EmbeddedMigration> = files
            .iter()
            .filter(|f| f.dialect == d)
            .map(|f| charter_runtime::EmbeddedMigration {
                version: f.version,
                description: String::leak(f.description.clone()),
                sql: String::leak(std::fs::read_to_string(&f.path).unwrap()),
            })
            .collect();
        list.leak()
    };
    charter_runtime::Migrations { sqlite: of(Dialect::Sqlite), postgres: of(Dialect::Postgres) }
}
