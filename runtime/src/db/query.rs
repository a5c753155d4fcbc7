use std::borrow::Cow;

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
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbError> {
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
}

/// Runs `$body` with `$exec` bound to the concrete executor and `$args` to the encoded parameters.
macro_rules! dispatch {
    ($query:expr, |$sql:ident, $exec:ident, $args:ident, $persistent:ident| $body:expr) => {{
        let Query { target, sql: $sql, args } = $query;
        // A statement prepared with an untyped NULL has server-inferred parameter types, which later
        // typed parameters may not match; such statements are not cached (PostgreSQL only).
        let $persistent = !args.iter().any(Value::is_null);
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
        Query { target, sql, args: Vec::new() }
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
