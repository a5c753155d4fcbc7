//! The statements behind generated `<Type>::load`, `page`, `get` and `get_by_<unique>`.
//!
//! The generator computes a type's fields in SQL and emits one static [`Select`] per type: its columns in
//! the forms each backend and caller needs, and the joins after its root table. Everything else (putting
//! the text together, placeholders, binding, paging, counting) is the same for every type and lives here,
//! once, instead of in each type's generated code.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::OnceLock;

use crate::db::{Backend, Db, DbError, FromRow, Value};

/// One selected column, `<sql> AS "<alias>"`, as each backend and caller needs it.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    /// The same on both backends, for every caller.
    Same(&'static str),
    /// Written differently per backend (JSON aggregation, for one).
    Backend { sqlite: &'static str, postgres: &'static str },
    /// Compares with the caller's key (`$1`); anonymous callers read `anonymous` (a constant).
    Caller { signed_in: &'static str, anonymous: &'static str },
    /// Both at once.
    Both { sqlite: &'static str, postgres: &'static str, anonymous: &'static str },
}

impl Column {
    fn sql(&self, backend: Backend, signed_in: bool) -> &'static str {
        match (*self, backend, signed_in) {
            (Column::Same(sql), ..) => sql,
            (Column::Backend { sqlite, .. }, Backend::Sqlite, _) => sqlite,
            (Column::Backend { postgres, .. }, Backend::Postgres, _) => postgres,
            (Column::Caller { signed_in, .. }, _, true) => signed_in,
            (Column::Caller { anonymous, .. } | Column::Both { anonymous, .. }, _, false) => anonymous,
            (Column::Both { sqlite, .. }, Backend::Sqlite, true) => sqlite,
            (Column::Both { postgres, .. }, Backend::Postgres, true) => postgres,
        }
    }

    fn uses_caller(&self) -> bool {
        matches!(self, Column::Caller { .. } | Column::Both { .. })
    }
}

/// A type's statement, generated from its fields: the columns, and the joins that follow the root table.
/// The texts per backend and caller are put together on first use.
#[derive(Debug)]
pub struct Select {
    /// The quoted root table: `"articles"`.
    root: &'static str,
    columns: &'static [Column],
    joins: &'static str,
    /// `SELECT <columns>` for SQLite and PostgreSQL, anonymous then signed in; and whether any
    /// column uses the caller (known once, not scanned per request).
    heads: OnceLock<([String; 4], bool)>,
}

impl Select {
    pub const fn new(root: &'static str, columns: &'static [Column], joins: &'static str) -> Select {
        Select { root, columns, joins, heads: OnceLock::new() }
    }

    /// The head for this backend and caller, and the arguments bound so far (the caller's key).
    fn pick(&self, backend: Backend, caller: Option<Value>) -> (&str, Vec<Value>) {
        let (heads, uses_caller) = self.heads.get_or_init(|| {
            let head = |backend, signed_in| {
                let columns: Vec<&str> = self.columns.iter().map(|c| c.sql(backend, signed_in)).collect();
                format!("SELECT {}", columns.join(", "))
            };
            let heads = [
                head(Backend::Sqlite, false),
                head(Backend::Sqlite, true),
                head(Backend::Postgres, false),
                head(Backend::Postgres, true),
            ];
            (heads, self.columns.iter().any(Column::uses_caller))
        });
        let base = match backend {
            Backend::Sqlite => 0,
            Backend::Postgres => 2,
        };
        match caller {
            Some(key) if *uses_caller => (&heads[base + 1], vec![key]),
            _ => (&heads[base], Vec::new()),
        }
    }
}

/// The rows of the statement for these keys of the root table, by key. Rows deleted since the keys were
/// read are simply absent.
pub async fn keyed<R: FromRow, K: Eq + Hash + Clone + Into<Value>>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    key_column: &str,
    keys: &[K],
    key: impl Fn(&R) -> K,
) -> Result<HashMap<K, R>, DbError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let (head, mut args) = select.pick(db.backend(), caller);
    let placeholders = crate::sql::placeholders(args.len() + 1, keys.len());
    let (root, joins) = (select.root, select.joins);
    let sql = format!("{head} FROM {root}{joins} WHERE {root}.\"{key_column}\" IN ({placeholders})");
    args.extend(keys.iter().cloned().map(Into::into));
    let rows = db.query(sql).bind_all(args).fetch_all::<R>().await?;
    Ok(rows.into_iter().map(|r| (key(&r), r)).collect())
}

/// `build` over the statement's rows for these keys, in the keys' order; keys whose row is gone (deleted
/// since they were read) are left out, and a key given twice yields its row once.
pub async fn by_keys<R: FromRow, K: Eq + Hash + Clone + Into<Value>, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    key_column: &str,
    keys: &[K],
    key: impl Fn(&R) -> K,
    build: impl Fn(R) -> Result<T, DbError>,
) -> Result<Vec<T>, DbError> {
    let mut rows = keyed(db, select, caller, key_column, keys, key).await?;
    keys.iter().filter_map(|k| rows.remove(k)).map(build).collect()
}

/// The one row whose `column` equals `value`, built with `build`.
pub async fn one<R: FromRow, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    column: &str,
    value: Value,
    build: impl Fn(R) -> Result<T, DbError>,
) -> Result<Option<T>, DbError> {
    lookup(db, select, caller, column, value, false, build).await
}

/// The one row whose `column` equals `value` ignoring ASCII case (a `unique: case_insensitive` field):
/// both sides folded as the field's unique index folds them ([`fold_case`](crate::sql::fold_case)), so
/// the lookup uses that index.
pub async fn one_case_insensitive<R: FromRow, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    column: &str,
    value: Value,
    build: impl Fn(R) -> Result<T, DbError>,
) -> Result<Option<T>, DbError> {
    lookup(db, select, caller, column, value, true, build).await
}

async fn lookup<R: FromRow, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    column: &str,
    value: Value,
    fold: bool,
    build: impl Fn(R) -> Result<T, DbError>,
) -> Result<Option<T>, DbError> {
    let backend = db.backend();
    let (head, mut args) = select.pick(backend, caller);
    let (root, joins) = (select.root, select.joins);
    let (lhs, rhs) = (format!("{root}.\"{column}\""), format!("${}", args.len() + 1));
    let condition = if fold {
        format!("{} = {}", crate::sql::fold_case(backend, &lhs), crate::sql::fold_case(backend, &rhs))
    } else {
        format!("{lhs} = {rhs}")
    };
    let sql = format!("{head} FROM {root}{joins} WHERE {condition}");
    args.push(value);
    let row = db.query(sql).bind_all(args).fetch_optional::<R>().await?;
    row.map(build).transpose()
}

/// One page of the rows `filter` matches, in `order`, and how many match in all, in one statement.
///
/// The page is picked first, as a derived table under the root's own name, so the computed columns are
/// evaluated for its rows only, not for every match before the sort and limit. The total is a column of
/// every row: an uncorrelated subquery the database evaluates once, in the page's own snapshot, which
/// saves a round trip and can never disagree with the page. LIMIT and OFFSET are literals, not
/// parameters: with a parameter, PostgreSQL's generic plan assumes a tenth of the matches is wanted, costs
/// it above a planned-per-call one, and so plans every call (pgbench on the bench's data: a third of the
/// statement's time went to planning). A first page is cached; a deeper one is planned once and dropped.
#[allow(clippy::too_many_arguments)]
pub async fn page<R: FromRow, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    filter: impl Fn(&mut Vec<Value>) -> String,
    order: &str,
    limit: i64,
    offset: i64,
    build: impl Fn(R) -> Result<T, DbError>,
) -> Result<(Vec<T>, i64), DbError> {
    let (head, mut args) = select.pick(db.backend(), caller);
    let (root, joins) = (select.root, select.joins);
    let filter_sql = filter(&mut args);
    let sql = format!(
        "{head}, (SELECT COUNT(*) FROM {root}{filter_sql}) AS \"{TOTAL}\" \
         FROM (SELECT * FROM {root}{filter_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}) AS {root}{joins} \
         ORDER BY {order}"
    );
    counted(db, sql, args, root, &filter, limit, offset, build).await
}

/// [`page`] over a model's own rows: `head` is `SELECT <its columns>`, with no joins or computed fields.
pub async fn rows_page<R: FromRow>(
    db: &Db,
    head: &str,
    root: &str,
    filter: impl Fn(&mut Vec<Value>) -> String,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<R>, i64), DbError> {
    let mut args = Vec::new();
    let filter_sql = filter(&mut args);
    let sql = format!(
        "{head}, (SELECT COUNT(*) FROM {root}{filter_sql}) AS \"{TOTAL}\" \
         FROM {root}{filter_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
    );
    counted(db, sql, args, root, &filter, limit, offset, Ok).await
}

/// Runs a page statement whose rows carry [`TOTAL`]; the rows, each built with `build`, and the total.
#[allow(clippy::too_many_arguments)]
async fn counted<R: FromRow, T>(
    db: &Db,
    sql: String,
    args: Vec<Value>,
    root: &str,
    filter: &impl Fn(&mut Vec<Value>) -> String,
    limit: i64,
    offset: i64,
    build: impl Fn(R) -> Result<T, DbError>,
) -> Result<(Vec<T>, i64), DbError> {
    let rows = db.query(sql).bind_all(args).cached(offset == 0).fetch_all::<Counted<R>>().await?;
    let total = match rows.first() {
        Some(row) => row.total,
        // An empty first page of a positive size: nothing matches.
        None if offset == 0 && limit > 0 => 0,
        // Past the last match, or a page of size 0: the total takes its own statement.
        None => {
            let mut args = Vec::new();
            let filter_sql = filter(&mut args);
            db.query(format!("SELECT COUNT(*) FROM {root}{filter_sql}")).bind_all(args).fetch_scalar().await?
        }
    };
    let items = rows.into_iter().map(|row| build(row.row)).collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

/// The column of a page's rows that holds the total.
const TOTAL: &str = "__total";

/// A page's row, `R`, with the total every row carries (see [`page`]).
struct Counted<R> {
    row: R,
    total: i64,
}

impl<'r, R: sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for Counted<R> {
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        Ok(Counted { row: R::from_row(row)?, total: sqlx::Row::try_get(row, TOTAL)? })
    }
}

impl<'r, R: sqlx::FromRow<'r, sqlx::postgres::PgRow>> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Counted<R> {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        Ok(Counted { row: R::from_row(row)?, total: sqlx::Row::try_get(row, TOTAL)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SELECT: Select = Select::new(
        "\"articles\"",
        &[
            Column::Same("\"articles\".\"id\" AS \"key\""),
            Column::Backend { sqlite: "json_group_array(1) AS \"l\"", postgres: "json_agg(1) AS \"l\"" },
            Column::Caller { signed_in: "$1 = 1 AS \"me\"", anonymous: "FALSE AS \"me\"" },
        ],
        " JOIN \"users\" t2 ON t2.\"id\" = \"articles\".\"author_id\"",
    );

    #[test]
    fn picks_the_text_for_the_backend_and_the_caller() {
        let (head, args) = SELECT.pick(Backend::Sqlite, None);
        assert_eq!(head, "SELECT \"articles\".\"id\" AS \"key\", json_group_array(1) AS \"l\", FALSE AS \"me\"");
        assert!(args.is_empty());
        let (head, args) = SELECT.pick(Backend::Postgres, Some(Value::Int(7)));
        assert_eq!(head, "SELECT \"articles\".\"id\" AS \"key\", json_agg(1) AS \"l\", $1 = 1 AS \"me\"");
        assert_eq!(args, [Value::Int(7)]);
    }

    #[test]
    fn a_statement_without_caller_columns_binds_no_caller() {
        static PLAIN: Select = Select::new("\"tags\"", &[Column::Same("\"tags\".\"name\" AS \"n\"")], "");
        let (head, args) = PLAIN.pick(Backend::Postgres, Some(Value::Int(7)));
        assert_eq!(head, "SELECT \"tags\".\"name\" AS \"n\"");
        assert!(args.is_empty(), "an unused caller key would shift every placeholder");
    }
}
