//! A list column computed in SQL: generated loaders aggregate a many-to-many's values into one JSON array
//! per row (`json_agg` on PostgreSQL, `json_group_array` on SQLite), so a page and all its lists come back
//! in one statement.

use serde::de::DeserializeOwned;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Type};

/// A JSON array, read as text on both backends (PostgreSQL's `json_agg(..)::text`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonList<T>(pub Vec<T>);

impl<T> JsonList<T> {
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T: Ord> JsonList<T> {
    /// The values in byte order (what `COLLATE "C"` and SQLite's BINARY give for text): sorting a page's
    /// few values here is cheaper than SQLite's temporary b-tree per row for `ORDER BY` in the aggregate.
    pub fn sorted(self) -> Vec<T> {
        let mut values = self.0;
        values.sort_unstable();
        values
    }
}

fn parse<T: DeserializeOwned>(text: Option<&str>) -> Result<JsonList<T>, BoxDynError> {
    // No linked rows: PostgreSQL's aggregate is NULL (the SQL coalesces it, but a NULL must not fail).
    match text {
        None => Ok(JsonList(Vec::new())),
        Some(text) => Ok(JsonList(serde_json::from_str(text)?)),
    }
}

impl<T> Type<Sqlite> for JsonList<T> {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r, T: DeserializeOwned> Decode<'r, Sqlite> for JsonList<T> {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        parse(<Option<&str> as Decode<Sqlite>>::decode(value)?)
    }
}

impl<T> Type<Postgres> for JsonList<T> {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as Type<Postgres>>::compatible(ty)
    }
}

impl<'r, T: DeserializeOwned> Decode<'r, Postgres> for JsonList<T> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        parse(<Option<&str> as Decode<Postgres>>::decode(value)?)
    }
}

#[cfg(test)]
mod tests {
    use crate::Db;

    use super::JsonList;

    #[tokio::test]
    async fn reads_an_aggregated_array_on_sqlite() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let list: JsonList<String> = db
            .query("SELECT json_group_array(v ORDER BY v) FROM (SELECT 'b' AS v UNION ALL SELECT 'a')")
            .fetch_scalar()
            .await
            .unwrap();
        assert_eq!(list.0, ["a", "b"]);
        let empty: JsonList<i64> =
            db.query("SELECT json_group_array(1) FROM (SELECT 1 WHERE 0)").fetch_scalar().await.unwrap();
        assert!(empty.0.is_empty());
    }

    /// Byte order, as BINARY and `COLLATE "C"` sort: uppercase before lowercase, non-ASCII last.
    #[tokio::test]
    async fn sorted_is_the_binary_collation_order() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let words = ["b", "é", "B", "a", "Z", "ab", ""];
        let union = words.iter().map(|w| format!("SELECT '{w}' AS v")).collect::<Vec<_>>().join(" UNION ALL ");
        let in_sql: JsonList<String> =
            db.query(format!("SELECT json_group_array(v ORDER BY v) FROM ({union})")).fetch_scalar().await.unwrap();
        let unsorted: JsonList<String> =
            db.query(format!("SELECT json_group_array(v) FROM ({union})")).fetch_scalar().await.unwrap();
        assert_eq!(unsorted.sorted(), in_sql.0);
    }
}
