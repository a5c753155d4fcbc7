//! The database: one pool of a concrete backend, chosen by URL, and a small query API that generated
//! data access and hand-written use cases share.
//!
//! ```no_run
//! # async fn demo(db: &charter_runtime::Db) -> Result<(), charter_runtime::DbError> {
//! pub struct Author { id: i64, name: String }
//! charter_runtime::impl_from_row!(Author { id, name });
//!
//! let authors: Vec<Author> = db
//!     .query("SELECT id, name FROM authors WHERE name LIKE $1 ORDER BY id LIMIT $2")
//!     .bind("J%")
//!     .bind(20)
//!     .fetch_all()
//!     .await?;
//! let count: i64 = db.query("SELECT count(*) FROM authors").fetch_scalar().await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

mod error;
mod list;
mod query;
mod value;

pub use error::DbError;
pub(crate) use error::RETRY_AFTER_SECONDS;
pub use list::JsonList;
pub use query::{Conn, FromRow, Query, Scalar, Tx, count_statements};
pub use value::{Value, sqlite_datetime};

/// A connection pool to one database.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Db").field(&self.backend()).finish()
    }
}

/// A PostgreSQL connection back in the pool for less than this is handed out unchecked; one idle
/// longer is pinged first, and replaced if the server or the network dropped it meanwhile.
///
/// sqlx's default (`test_before_acquire`) pings on every acquire: a round trip to the server for every
/// statement, on top of the one sqlx makes when the connection is released, which checks it again. A
/// connection released a moment ago was just seen alive; HikariCP skips its check in the same window
/// (`aliveBypassWindowMs`, 500 ms).
const UNCHECKED_IDLE: Duration = Duration::from_millis(500);

/// Turns off SQLite's memory statistics, once, before the process opens its first SQLite connection.
///
/// With them on (SQLite's default), every `sqlite3_malloc` and `sqlite3_free` takes one process-wide
/// mutex to keep the totals: callgrind counted ~450 allocations, so ~900 lock operations on that mutex,
/// per list page, shared by every pool connection's thread. Under concurrent load the threads queue on
/// it. Charter never reads the totals (`sqlite3_memory_used`) nor sets a soft heap limit, which is what
/// they are for.
fn sqlite_without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `SQLITE_CONFIG_MEMSTATUS` takes one `int`. `sqlite3_config` must not run while another
        // thread uses SQLite: this runs before this process's first connection (every connection goes
        // through `Db::connect`); if SQLite is already initialized the call only returns SQLITE_MISUSE.
        let rc =
            unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(rc, "SQLite was initialized before the first connection; its memory statistics stay on");
        }
    });
}

/// The answer of a check that was skipped. Zero-sized, so boxing it as the hook's future allocates
/// nothing.
struct Alive;

impl std::future::Future for Alive {
    type Output = Result<bool, sqlx::Error>;

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::task::Poll::Ready(Ok(true))
    }
}

impl Db {
    /// Connects by URL scheme: `sqlite:` (file created if missing, with foreign keys on, WAL journal and
    /// a busy timeout) or `postgres:` / `postgresql:`, waiting at most the default
    /// [database timeout](crate::config::DEFAULT_DATABASE_TIMEOUT) for a connection or a lock.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        Self::connect_with_timeout(url, crate::config::DEFAULT_DATABASE_TIMEOUT).await
    }

    /// Like [`Db::connect`]; a statement that waits longer than `timeout` for a pooled connection (or, on
    /// SQLite, for the write lock) fails with [`DbError::Unavailable`], which answers 503.
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Db, DbError> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Self::connect_sqlite(url, timeout).await,
            "postgres" | "postgresql" => {
                let options = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .acquire_timeout(timeout)
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        if meta.idle_for < UNCHECKED_IDLE {
                            Box::pin(Alive)
                        } else {
                            Box::pin(async move { sqlx::Connection::ping(conn).await.map(|()| true) })
                        }
                    })
                    .connect_with(options)
                    .await?;
                Ok(Db::Postgres(pool))
            }
            _ => Err(DbError::UnsupportedUrl(scheme)),
        }
    }

    async fn connect_sqlite(url: &str, timeout: Duration) -> Result<Db, DbError> {
        sqlite_without_memory_statistics();
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(timeout);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // Nothing can drop an SQLite connection while it idles (the database is a file this process
        // opened), so it is not pinged on acquire: that is a round trip to the connection's thread per
        // statement. A connection whose thread died fails its statement and is discarded when released
        // (sqlx checks every connection then). An in-memory database's only connection is also not
        // lost when a request is cancelled during the check (sqlx's advice for that case).
        let mut pool = SqlitePoolOptions::new().acquire_timeout(timeout).test_before_acquire(false);
        if in_memory {
            // An in-memory database lives as long as one of its connections: keep one open forever.
            pool = pool.min_connections(1).max_connections(1).idle_timeout(None).max_lifetime(None);
        } else if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Other(sqlx::Error::Io(e)))?;
        }
        Ok(Db::Sqlite(pool.connect_with(options).await?))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.query("SELECT 1").execute().await.map(drop)
    }

    pub fn query(&self, sql: impl Into<std::borrow::Cow<'static, str>>) -> Query<'_> {
        Conn::query(self, sql)
    }

    pub async fn begin(&self) -> Result<Tx, DbError> {
        Tx::begin(self).await
    }

    /// Waits for checked-out connections to return, then closes the pool.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Implements row decoding for both backends on a struct, reading each field from the column of the
/// same name (or the one given with `as`), with the field's type. No sqlx dependency is needed in the
/// calling crate.
///
/// ```
/// pub struct ArticleRow { id: i64, r#type: String, title: Option<String> }
/// charter_runtime::impl_from_row!(ArticleRow { id, r#type as "type", title });
/// ```
#[macro_export]
macro_rules! impl_from_row {
    ($ty:ident { $($field:ident $(as $column:literal)?),* $(,)? }) => {
        impl<'r> $crate::__private::sqlx::FromRow<'r, $crate::__private::sqlx::sqlite::SqliteRow> for $ty {
            fn from_row(
                row: &'r $crate::__private::sqlx::sqlite::SqliteRow,
            ) -> ::core::result::Result<Self, $crate::__private::sqlx::Error> {
                use $crate::__private::sqlx::Row as _;
                ::core::result::Result::Ok($ty {
                    $($field: row.try_get($crate::__column_name!($field $(as $column)?))?,)*
                })
            }
        }
        impl<'r> $crate::__private::sqlx::FromRow<'r, $crate::__private::sqlx::postgres::PgRow> for $ty {
            fn from_row(
                row: &'r $crate::__private::sqlx::postgres::PgRow,
            ) -> ::core::result::Result<Self, $crate::__private::sqlx::Error> {
                use $crate::__private::sqlx::Row as _;
                ::core::result::Result::Ok($ty {
                    $($field: row.try_get($crate::__column_name!($field $(as $column)?))?,)*
                })
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __column_name {
    ($field:ident as $column:literal) => {
        $column
    };
    ($field:ident) => {
        stringify!($field)
    };
}

#[cfg(test)]
mod tests {
    use super::Db;

    /// With SQLite's memory statistics off, its allocator keeps no totals (and takes no global mutex).
    #[tokio::test]
    async fn sqlite_connections_run_without_memory_statistics() {
        let db = Db::connect("sqlite::memory:").await.expect("an in-memory database");
        db.query("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL)").execute().await.expect("create");
        db.query("INSERT INTO t (s) VALUES ($1)").bind("x".repeat(10_000)).execute().await.expect("insert");
        // SAFETY: reads a counter; no arguments.
        let used = unsafe { libsqlite3_sys::sqlite3_memory_used() };
        assert_eq!(used, 0, "SQLite is counting its memory");
    }
}
