//! The statements behind generated `<Type>::load`, `page`, `get` and `get_by_<unique>`.
//!
//! The generator computes a type's fields in SQL and emits one [`Select`] per type: the statement's text
//! around its root table, per backend and per sign-in state. Everything else (placeholders, binding,
//! paging, counting) is the same for every type and lives here, once, instead of in each type's
//! generated code.

use std::collections::HashMap;
use std::hash::Hash;

use crate::db::{Backend, Db, DbError, FromRow, Value};

/// `SELECT <columns> FROM ` and the joins that follow the root table, for one backend.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// For anonymous callers (caller checks read `FALSE`).
    pub anonymous: (&'static str, &'static str),
    /// When a field compares with the caller, whose key is then `$1`.
    pub signed_in: Option<(&'static str, &'static str)>,
}

/// A type's statement, generated from its `source:` fields.
#[derive(Debug, Clone, Copy)]
pub struct Select {
    /// The quoted root table: `"articles"`.
    pub root: &'static str,
    pub sqlite: Text,
    pub postgres: Text,
}

impl Select {
    /// The head and joins for this backend and caller, and the arguments bound so far (the caller's key).
    fn pick(&self, backend: Backend, caller: Option<Value>) -> (&'static str, &'static str, Vec<Value>) {
        let text = match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
        };
        match (text.signed_in, caller) {
            (Some((head, joins)), Some(key)) => (head, joins, vec![key]),
            _ => (text.anonymous.0, text.anonymous.1, Vec::new()),
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
    let (head, joins, mut args) = select.pick(db.backend(), caller);
    let placeholders = crate::sql::placeholders(args.len() + 1, keys.len());
    let root = select.root;
    let sql = format!("{head}{root}{joins} WHERE {root}.\"{key_column}\" IN ({placeholders})");
    args.extend(keys.iter().cloned().map(Into::into));
    let rows = db.query(sql).bind_all(args).fetch_all::<R>().await?;
    Ok(rows.into_iter().map(|r| (key(&r), r)).collect())
}

/// The one row whose `column` equals `value`, built with `build`.
pub async fn one<R: FromRow, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    column: &str,
    value: Value,
    build: impl Fn(&R) -> Result<T, DbError>,
) -> Result<Option<T>, DbError> {
    let (head, joins, mut args) = select.pick(db.backend(), caller);
    let root = select.root;
    let sql = format!("{head}{root}{joins} WHERE {root}.\"{column}\" = ${}", args.len() + 1);
    args.push(value);
    let row = db.query(sql).bind_all(args).fetch_optional::<R>().await?;
    row.as_ref().map(build).transpose()
}

/// One page of the rows `filter` matches, in `order`, and how many match in all.
///
/// The page is picked first, as a derived table under the root's own name, so the computed columns are
/// evaluated for its rows only, not for every match before the sort and limit. A first page that is not
/// full holds every match, so it is not counted again.
#[allow(clippy::too_many_arguments)]
pub async fn page<R: FromRow, T>(
    db: &Db,
    select: &Select,
    caller: Option<Value>,
    filter: impl Fn(&mut Vec<Value>) -> String,
    order: &str,
    limit: i64,
    offset: i64,
    build: impl Fn(&R) -> Result<T, DbError>,
) -> Result<(Vec<T>, i64), DbError> {
    let (head, joins, mut args) = select.pick(db.backend(), caller);
    let root = select.root;
    let filter_sql = filter(&mut args);
    let sql = format!(
        "{head}(SELECT * FROM {root}{filter_sql} ORDER BY {order} LIMIT ${} OFFSET ${}) AS {root}{joins} ORDER BY {order}",
        args.len() + 1,
        args.len() + 2,
    );
    let rows = db.query(sql).bind_all(args).bind(limit).bind(offset).fetch_all::<R>().await?;
    let items = rows.iter().map(build).collect::<Result<Vec<_>, _>>()?;
    let total = if offset == 0 && (items.len() as i64) < limit {
        items.len() as i64
    } else {
        let mut count_args = Vec::new();
        let count_filter = filter(&mut count_args);
        db.query(format!("SELECT COUNT(*) FROM {root}{count_filter}")).bind_all(count_args).fetch_scalar().await?
    };
    Ok((items, total))
}
