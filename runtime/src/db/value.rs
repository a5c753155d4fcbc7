//! Backend-neutral query parameters, and how each backend stores them.
//!
//! | Value      | PostgreSQL     | SQLite                                                        |
//! |------------|----------------|---------------------------------------------------------------|
//! | `Bool`     | `BOOLEAN`      | `INTEGER` 0/1                                                 |
//! | `Int`      | `BIGINT`       | `INTEGER`                                                     |
//! | `Float`    | `DOUBLE PRECISION` | `REAL`                                                    |
//! | `Text`     | `TEXT`         | `TEXT`                                                        |
//! | `Uuid`     | `UUID`         | 16-byte `BLOB` (what sqlx decodes a `Uuid` from)              |
//! | `DateTime` | `TIMESTAMPTZ`  | `TEXT`, RFC 3339 UTC with microseconds: `2024-05-01T12:00:00.000000Z` |
//! | `Date`     | `DATE`         | `TEXT` `YYYY-MM-DD`                                           |
//! | `Json`     | `JSONB`        | `TEXT`                                                        |
//!
//! SQLite timestamps have a fixed width so that text order is time order (`ORDER BY created_at` works)
//! and microseconds so that both backends round-trip the same instant.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgTypeInfo, Postgres, types::Oid};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Encode, Type, encode::IsNull, error::BoxDynError};
use uuid::Uuid;

use super::DbError;

/// A query parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Uuid(Uuid),
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
    Json(serde_json::Value),
}

impl Value {
    /// Any serializable value as a JSON parameter.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, DbError> {
        serde_json::to_value(value).map(Value::Json).map_err(|e| DbError::Decode(e.to_string()))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

macro_rules! from_via {
    ($variant:ident: $($ty:ty),*) => {$(
        impl From<$ty> for Value {
            fn from(value: $ty) -> Value {
                Value::$variant(value.into())
            }
        }
    )*};
}

from_via!(Bool: bool);
from_via!(Int: i8, i16, i32, i64, u8, u16, u32);
from_via!(Float: f32, f64);
from_via!(Text: String, &str, &String, Box<str>);
from_via!(Uuid: Uuid);
from_via!(DateTime: DateTime<Utc>);
from_via!(Date: NaiveDate);
from_via!(Json: serde_json::Value);

impl From<Cow<'_, str>> for Value {
    fn from(value: Cow<'_, str>) -> Value {
        Value::Text(value.into_owned())
    }
}

macro_rules! from_ref {
    ($($ty:ty),*) => {$(
        impl From<&$ty> for Value {
            fn from(value: &$ty) -> Value {
                Value::from(value.clone())
            }
        }
    )*};
}

from_ref!(bool, i8, i16, i32, i64, u8, u16, u32, f32, f64, Uuid, DateTime<Utc>, NaiveDate, serde_json::Value, Value);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

/// The SQLite text form of a timestamp; see the module table.
pub fn sqlite_datetime(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn encode_error(error: BoxDynError) -> DbError {
    DbError::Decode(format!("cannot encode a parameter: {error}"))
}

pub(super) fn sqlite_arguments(values: Vec<Value>) -> Result<SqliteArguments<'static>, DbError> {
    let mut args = SqliteArguments::default();
    for value in values {
        match value {
            Value::Null => args.add(None::<i64>),
            Value::Bool(v) => args.add(v),
            Value::Int(v) => args.add(v),
            Value::Float(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Uuid(v) => args.add(v),
            Value::DateTime(v) => args.add(sqlite_datetime(&v)),
            Value::Date(v) => args.add(v.format("%Y-%m-%d").to_string()),
            Value::Json(v) => args.add(v.to_string()),
        }
        .map_err(encode_error)?;
    }
    Ok(args)
}

pub(super) fn pg_arguments(values: Vec<Value>) -> Result<PgArguments, DbError> {
    let mut args = PgArguments::default();
    for value in values {
        match value {
            Value::Null => args.add(UntypedNull),
            Value::Bool(v) => args.add(v),
            Value::Int(v) => args.add(v),
            Value::Float(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Uuid(v) => args.add(v),
            Value::DateTime(v) => args.add(v),
            Value::Date(v) => args.add(v),
            Value::Json(v) => args.add(sqlx::types::Json(v)),
        }
        .map_err(encode_error)?;
    }
    Ok(args)
}

/// A NULL whose type PostgreSQL infers from where it is used. A typed NULL (say `TEXT`) would be
/// rejected by an `INTEGER` column, and a `Value::Null` does not know its column's type.
struct UntypedNull;

impl Type<Postgres> for UntypedNull {
    fn type_info() -> PgTypeInfo {
        // OID 0 is the protocol's "unspecified": the server infers the parameter's type.
        PgTypeInfo::with_oid(Oid(0))
    }
}

impl Encode<'_, Postgres> for UntypedNull {
    fn encode_by_ref(&self, _: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Ok(IsNull::Yes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(Value::from(true), Value::Bool(true));
        assert_eq!(Value::from(7i32), Value::Int(7));
        assert_eq!(Value::from(7u32), Value::Int(7));
        assert_eq!(Value::from(1.5f32), Value::Float(1.5));
        assert_eq!(Value::from("a"), Value::Text("a".into()));
        assert_eq!(Value::from(&"b".to_owned()), Value::Text("b".into()));
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(Value::from(Some("c")), Value::Text("c".into()));
        let id = Uuid::new_v4();
        assert_eq!(Value::from(&id), Value::Uuid(id));
        assert_eq!(Value::from(serde_json::json!([1])), Value::Json(serde_json::json!([1])));
        assert_eq!(Value::json(&vec!["x"]).unwrap(), Value::Json(serde_json::json!(["x"])));
        assert!(Value::from(None::<String>).is_null());
    }

    #[test]
    fn sqlite_timestamps_sort_as_text() {
        let a: DateTime<Utc> = "2024-05-01T12:00:00Z".parse().unwrap();
        let b: DateTime<Utc> = "2024-05-01T12:00:00.000001Z".parse().unwrap();
        let c: DateTime<Utc> = "2024-05-01T12:00:00.5Z".parse().unwrap();
        assert_eq!(sqlite_datetime(&a), "2024-05-01T12:00:00.000000Z");
        assert!(sqlite_datetime(&a) < sqlite_datetime(&b));
        assert!(sqlite_datetime(&b) < sqlite_datetime(&c));
        let round: DateTime<Utc> = sqlite_datetime(&c).parse().unwrap();
        assert_eq!(round, c);
    }
}
