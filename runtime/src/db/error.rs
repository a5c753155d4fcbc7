use crate::error::ApiError;

/// A database failure, classified so use cases can answer a duplicate with 409 instead of 500.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique constraint or primary key rejected the write. `constraint` is the constraint name on
    /// PostgreSQL and the failing columns on SQLite (`users.email`, comma-separated when composite).
    #[error("unique constraint violated{}", describe(constraint))]
    UniqueViolation { constraint: Option<String> },
    /// A foreign key rejected the write: the referenced row is missing, or is still referenced.
    #[error("foreign key constraint violated{}", describe(constraint))]
    ForeignKeyViolation { constraint: Option<String> },
    /// `fetch_one` / `fetch_scalar` found no row.
    #[error("no row found")]
    NotFound,
    /// A column could not be read as the requested Rust type, or a value could not be encoded.
    #[error("cannot convert a database value: {0}")]
    Decode(String),
    /// The database cannot serve the statement now: no pooled connection within the database timeout
    /// (the server is down, unreachable or saturated), a lost connection, or SQLite's lock held longer
    /// than the timeout by another writer. Answered 503 with `Retry-After`; the pool reconnects by itself.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The URL names no supported database.
    #[error("unsupported database URL scheme `{0}` (expected sqlite:, postgres: or postgresql:)")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Other(sqlx::Error),
}

fn describe(constraint: &Option<String>) -> String {
    constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
}

impl DbError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::UniqueViolation { .. })
    }

    /// Whether this is a unique violation whose constraint (or SQLite column list) mentions `name`;
    /// lets a use case tell "email taken" from "username taken".
    pub fn is_unique_violation_on(&self, name: &str) -> bool {
        matches!(self, DbError::UniqueViolation { constraint: Some(c) } if c.contains(name))
    }
}

/// Seconds a client is asked to wait (`Retry-After`) when the database is unavailable.
pub(crate) const RETRY_AFTER_SECONDS: u32 = 2;

// SQLite extended result codes.
const SQLITE_CONSTRAINT_FOREIGNKEY: &str = "787";
const SQLITE_CONSTRAINT_PRIMARYKEY: &str = "1555";
const SQLITE_CONSTRAINT_UNIQUE: &str = "2067";

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> DbError {
        match error {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::Encode(_) => DbError::Decode(error.to_string()),
            sqlx::Error::PoolTimedOut => DbError::Unavailable("no connection within the database timeout".into()),
            sqlx::Error::PoolClosed => DbError::Unavailable("the connection pool is closed".into()),
            sqlx::Error::Io(ref e) => DbError::Unavailable(format!("connection lost: {e}")),
            sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => DbError::Unavailable(error.to_string()),
            sqlx::Error::Database(ref db) if is_unavailable(db.code().as_deref().unwrap_or("")) => {
                DbError::Unavailable(db.message().to_owned())
            }
            sqlx::Error::Database(ref db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or("");
                let message = db.message();
                let unique = matches!(code, "23505" | SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY)
                    || message.starts_with("UNIQUE constraint failed");
                let foreign = matches!(code, "23503" | SQLITE_CONSTRAINT_FOREIGNKEY)
                    || message.starts_with("FOREIGN KEY constraint failed");
                let constraint = db.constraint().map(str::to_owned).or_else(|| {
                    message.split_once("constraint failed: ").map(|(_, columns)| columns.trim().to_owned())
                });
                if unique {
                    DbError::UniqueViolation { constraint }
                } else if foreign {
                    DbError::ForeignKeyViolation { constraint }
                } else {
                    DbError::Other(error)
                }
            }
            other => DbError::Other(other),
        }
    }
}

/// Database error codes that say "not now", not "not this": SQLite's busy and locked (primary and
/// extended codes), PostgreSQL's connection exceptions (class 08), too many connections, and the
/// shutdown and recovery states (57P01-57P03).
fn is_unavailable(code: &str) -> bool {
    // SQLSTATEs have five characters; SQLite's extended codes (primary code in the low byte) at most four.
    if code.len() == 5 {
        code.starts_with("08") || matches!(code, "53300" | "57P01" | "57P02" | "57P03")
    } else {
        code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
    }
}

impl DbError {
    /// What a client is told about a constraint or missing-row error: nothing of the schema.
    pub fn client_message(&self) -> String {
        match self {
            DbError::NotFound => "the record no longer exists".to_owned(),
            DbError::UniqueViolation { .. } => "a record with the same unique values already exists".to_owned(),
            DbError::ForeignKeyViolation { .. } => {
                "a record this request refers to no longer exists, or is still in use".to_owned()
            }
            _ => "the request could not be completed".to_owned(),
        }
    }

    /// Whether the database could not serve the statement now (see [`DbError::Unavailable`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }
}

/// The default answer for a database error nobody handled: constraint violations are the client's
/// conflict, anything else is logged and hidden.
impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        match error {
            e @ (DbError::UniqueViolation { .. } | DbError::ForeignKeyViolation { .. }) => {
                ApiError::conflict(e.client_message())
            }
            e @ DbError::NotFound => ApiError::not_found(e.client_message()),
            DbError::Unavailable(why) => ApiError::unavailable_database(why),
            other => ApiError::internal(other),
        }
    }
}
