use std::borrow::Cow;
use std::cell::Cell;
use std::future::Future;

use sqlx::postgres::{PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{Decode, Type};

use super::value::{pg_arguments, sqlite_arguments};
use super::{Backend, Db, DbError, Value};

/// A row type readable from both backends. Implement it with [`impl_from_row!`](crate::impl_from_row)
/// (generated code does); tuples of [`Scalar`]s implement it already.
pub trait FromRow: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin {}

impl<T> FromRow for T where T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin {}

/// A single column value readable from both backends: `i64`, `f64`, `bool`, `String`, `Uuid`,
/// `DateTime<Utc>`, `NaiveDate`, `JsonValue` and `Option`s of them.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin
{
}

impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin
{
}

tokio::task_local! {
    /// The statement count of the innermost [`count_statements`] around the running task, if any.
    static STATEMENTS: Cell<u64>;
}

/// Runs `future` and returns its output with the number of SQL statements it issued: one per [`Query`]
/// fetched or executed, and one per explicit [`Tx`] begin, commit and rollback (a transaction dropped
/// without either rolls back inside sqlx and is not counted).
///
/// A diagnostic counter, meant for tests that pin how many round trips a request costs (N+1 checks). It
/// counts the statements issued *by this task* (a scope per task, not per [`Db`]): statements of tasks
/// the future spawns are not counted, and concurrent requests on the same pool never disturb the count.
/// Outside any scope the bookkeeping is one task-local lookup per statement; a nested scope's statements
/// count in the enclosing scope too.
///
/// ```no_run
/// # async fn demo(db: &charter_runtime::Db) -> Result<(), charter_runtime::DbError> {
/// let (count, statements) = charter_runtime::db::count_statements(async {
///     db.query("SELECT count(*) FROM users").fetch_scalar::<i64>().await
/// })
/// .await;
/// assert_eq!(statements, 1);
/// # let _ = count; Ok(()) }
/// ```
pub async fn count_statements<F: Future>(future: F) -> (F::Output, u64) {
    let (output, issued) = STATEMENTS
        .scope(Cell::new(0), async move {
            let output = future.await;
            (output, STATEMENTS.with(Cell::get))
        })
        .await;
    // An enclosing scope counts these too.
    let _ = STATEMENTS.try_with(|outer| outer.set(outer.get() + issued));
    (output, issued)
}

/// Counts one statement in the running task's [`count_statements`] scope, if there is one.
fn note_statement() {
    let _ = STATEMENTS.try_with(|count| count.set(count.get() + 1));
}

/// An open transaction. Dropping it without [`commit`](Tx::commit) rolls it back.
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(super) async fn begin(db: &Db) -> Result<Tx, DbError> {
        note_statement();
        let inner = match db {
            Db::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    pub fn query(&mut self, sql: impl Into<Cow<'static, str>>) -> Query<'_> {
        Query::new(Target::Tx(self), sql.into())
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn commit(self) -> Result<(), DbError> {
        note_statement();
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbError> {
        note_statement();
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// Where queries run: `&Db` (a pooled connection per query) or `&mut Tx`. Data-access functions take
/// `impl Conn<'_>` so callers choose.
pub trait Conn<'c> {
    fn query(self, sql: impl Into<Cow<'static, str>>) -> Query<'c>;
    fn backend(&self) -> Backend;
}

impl<'c> Conn<'c> for &'c Db {
    fn query(self, sql: impl Into<Cow<'static, str>>) -> Query<'c> {
        Query::new(Target::Db(self), sql.into())
    }

    fn backend(&self) -> Backend {
        Db::backend(self)
    }
}

impl<'c> Conn<'c> for &'c mut Tx {
    fn query(self, sql: impl Into<Cow<'static, str>>) -> Query<'c> {
        Query::new(Target::Tx(self), sql.into())
    }

    fn backend(&self) -> Backend {
        Tx::backend(self)
    }
}

enum Target<'c> {
    Db(&'c Db),
    Tx(&'c mut Tx),
}

/// One SQL statement with its parameters. Placeholders are `$1, $2, ...` on both backends (SQLite
/// reads `$N` as parameter N); a placeholder may be used more than once.
#[must_use = "a query does nothing until it is fetched or executed"]
pub struct Query<'c> {
    target: Target<'c>,
    sql: Cow<'static, str>,
    args: Vec<Value>,
    /// Whether the statement may be prepared once and cached on the connection.
    cache: bool,
}

/// Runs `$body` with `$exec` bound to the concrete executor and `$args` to the encoded parameters.
macro_rules! dispatch {
    ($query:expr, |$sql:ident, $exec:ident, $args:ident, $persistent:ident| $body:expr) => {{
        let Query { target, sql: $sql, args, cache } = $query;
        note_statement();
        // A statement prepared with an untyped NULL has server-inferred parameter types, which later
        // typed parameters may not match; such statements are not cached (PostgreSQL only).
        let $persistent = cache && !args.iter().any(Value::is_null);
        match target {
            Target::Db(Db::Sqlite(pool)) => {
                let ($exec, $args) = (pool, sqlite_arguments(args)?);
                $body
            }
            Target::Db(Db::Postgres(pool)) => {
                let ($exec, $args) = (pool, pg_arguments(args)?);
                $body
            }
            Target::Tx(Tx { inner: TxInner::Sqlite(tx) }) => {
                let ($exec, $args) = (&mut **tx, sqlite_arguments(args)?);
                $body
            }
            Target::Tx(Tx { inner: TxInner::Postgres(tx) }) => {
                let ($exec, $args) = (&mut **tx, pg_arguments(args)?);
                $body
            }
        }
    }};
}

impl<'c> Query<'c> {
    fn new(target: Target<'c>, sql: Cow<'static, str>) -> Query<'c> {
        Query { target, sql, args: Vec::new(), cache: true }
    }

    /// Whether to keep the prepared statement on the connection for the next run of the same text (the
    /// default). A text that is rarely run again (a deep page's literal offset) is better planned once and
    /// dropped: cached, it would evict hot statements and hold a plan in the database's memory.
    pub fn cached(mut self, cache: bool) -> Self {
        self.cache = cache;
        self
    }

    /// Binds the next `$N`.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    pub fn bind_all<V: Into<Value>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.args.extend(values.into_iter().map(Into::into));
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub async fn fetch_all<T: FromRow>(self) -> Result<Vec<T>, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_as_with::<_, T, _>(&sql, args).persistent(persistent).fetch_all(exec).await?)
        })
    }

    pub async fn fetch_optional<T: FromRow>(self) -> Result<Option<T>, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_as_with::<_, T, _>(&sql, args).persistent(persistent).fetch_optional(exec).await?)
        })
    }

    /// Exactly the first row; [`DbError::NotFound`] when there is none.
    pub async fn fetch_one<T: FromRow>(self) -> Result<T, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_as_with::<_, T, _>(&sql, args).persistent(persistent).fetch_one(exec).await?)
        })
    }

    /// The first column of the first row: counts, ids from `RETURNING id`, `EXISTS(...)`.
    /// [`DbError::NotFound`] when there is no row.
    pub async fn fetch_scalar<S: Scalar>(self) -> Result<S, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_scalar_with::<_, S, _>(&sql, args).persistent(persistent).fetch_one(exec).await?)
        })
    }

    pub async fn fetch_optional_scalar<S: Scalar>(self) -> Result<Option<S>, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_scalar_with::<_, S, _>(&sql, args).persistent(persistent).fetch_optional(exec).await?)
        })
    }

    /// The first column of every row.
    pub async fn fetch_all_scalar<S: Scalar>(self) -> Result<Vec<S>, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_scalar_with::<_, S, _>(&sql, args).persistent(persistent).fetch_all(exec).await?)
        })
    }

    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute(self) -> Result<u64, DbError> {
        dispatch!(self, |sql, exec, args, persistent| {
            Ok(sqlx::query_with(&sql, args).persistent(persistent).execute(exec).await?.rows_affected())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::count_statements;
    use crate::Db;

    #[tokio::test]
    async fn counts_the_statements_of_its_scope_only() {
        let db = Db::connect("sqlite::memory:").await.expect("an in-memory database");
        // Outside a scope nothing is counted, and nothing fails.
        db.query("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)").execute().await.expect("create");

        let ((), issued) = count_statements(async {
            db.query("INSERT INTO t (n) VALUES ($1)").bind(1_i64).execute().await.expect("insert");
            let n: i64 = db.query("SELECT count(*) FROM t").fetch_scalar().await.expect("count");
            assert_eq!(n, 1);
            let mut tx = db.begin().await.expect("begin");
            tx.query("INSERT INTO t (n) VALUES (2)").execute().await.expect("insert in tx");
            tx.commit().await.expect("commit");
            // A failed statement was issued all the same.
            assert!(db.query("SELECT nope FROM t").fetch_all_scalar::<i64>().await.is_err());
            // A nested scope counts its own statements and adds them to this one.
            let (rows, inner) =
                count_statements(async { db.query("SELECT n FROM t ORDER BY n").fetch_all_scalar::<i64>().await })
                    .await;
            assert_eq!(rows.expect("select"), [1, 2]);
            assert_eq!(inner, 1);
        })
        .await;
        assert_eq!(issued, 7, "insert, count, begin, insert, commit, failed select, nested select");

        // A later scope starts from zero; a task spawned inside is not counted.
        let ((), issued) = count_statements(async {
            let spawned = db.clone();
            tokio::spawn(async move { spawned.ping().await.expect("ping") }).await.expect("the task");
        })
        .await;
        assert_eq!(issued, 0);
    }
}
