//! `unique: case_insensitive` on real databases, SQLite and PostgreSQL: the migration `make` writes gives
//! a unique index that refuses `jake` next to `Jake` (a `DbError::UniqueViolation`, so a use case answers
//! 409), and both lookups by the field find `Jake` from `JAKE` through that index: the model's
//! `get_by_<field>` (its SQL taken from the generated code) and the loaders' `get_by_<field>` (the
//! runtime's `one_case_insensitive`). Only ASCII letters fold, alike on both backends.
//!
//! PostgreSQL: `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); each run gets a
//! database of its own. An unreachable server fails under `CI=true` and is a loud skip otherwise.

mod sql_support;

use std::path::Path;

use charter_codegen::rust::{Options, generate};
use charter_codegen::sql::migrations::{self, Made, MakeOptions};
use charter_codegen::sql::{Dialect, fold_case};
use charter_runtime::__private::loader::{Column, Select, one_case_insensitive};
use charter_runtime::testing::TestDb;
use charter_runtime::{ApiError, Backend, Db, DbError, Migrations};
use sql_support::spec;

const CORE: &str = r#"
app: core
models:
  User:
    table: users
    fields:
      username: { type: string, max_length: 40, unique: case_insensitive }
      email: { type: string, max_length: 120, unique: true }
"#;

/// The migrations `make` writes for `CORE`, as the generated server embeds them.
fn migrations(dir: &Path) -> Migrations {
    match migrations::make(&spec(CORE), dir, None, &MakeOptions::default()) {
        Ok(Made::Written { version: 1, .. }) => {}
        other => panic!("make should write 0001, got {other:?}"),
    }
    sql_support::embedded(dir)
}

/// The SQL texts of the generated `User::get_by_username`, per backend (string literals of the arms of
/// its `match` on the backend).
fn generated_lookup() -> (String, String) {
    let code = generate(&spec(CORE), &Options::default());
    let start = code.find("pub async fn get_by_username").expect("no User::get_by_username in the generated code");
    let body = &code[start..];
    let literal = |arm: &str| -> String {
        let at = body.find(arm).unwrap_or_else(|| panic!("no `{arm}` arm in get_by_username:\n{body}"));
        // The arm's value, braced or not once formatted.
        let rest = body[at + arm.len()..].trim_start().trim_start_matches('{').trim_start();
        let lit: syn::LitStr = syn::parse_str(&rest[..literal_len(rest)]).unwrap();
        lit.value()
    };
    (literal("Backend::Sqlite =>"), literal("Backend::Postgres =>"))
}

/// The length of the string literal (`"..."` or `r#"..."#`) that `s` starts with.
fn literal_len(s: &str) -> usize {
    match s.strip_prefix('r') {
        Some(raw) => {
            let hashes = raw.len() - raw.trim_start_matches('#').len();
            let close = format!("\"{}", "#".repeat(hashes));
            let text = &raw[hashes + 1..];
            1 + hashes + 1 + text.find(&close).expect("unterminated raw literal") + close.len()
        }
        None => 1 + closing_quote(&s[1..]),
    }
}

/// Byte offset just past the closing quote of a string literal's text that starts after its opening quote.
fn closing_quote(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            _ => escaped = false,
        }
    }
    panic!("unterminated literal")
}

static PROFILE: Select = Select::new(
    "\"users\"",
    &[Column::Same("\"users\".\"id\" AS \"id\""), Column::Same("\"users\".\"username\" AS \"username\"")],
    "",
);

async fn insert(db: &Db, username: &str, email: &str) -> Result<u64, DbError> {
    db.query("INSERT INTO \"users\" (\"username\", \"email\") VALUES ($1, $2)")
        .bind(username)
        .bind(email)
        .execute()
        .await
}

async fn check(db: &Db, dir: &Path) {
    let backend = db.backend();
    db.migrate(&migrations(dir)).await.unwrap_or_else(|e| panic!("{backend:?}: the migration fails: {e}"));

    insert(db, "Jake", "jake@x.io").await.unwrap();
    let dup = insert(db, "jake", "other@x.io").await.expect_err("`jake` next to `Jake` must be refused");
    assert!(dup.is_unique_violation_on("uq_users_username"), "{backend:?}: {dup:?}");
    assert_eq!(ApiError::from(dup).status().as_u16(), 409, "{backend:?}");
    // Only ASCII letters fold: `É` and `é` are two values on both backends.
    insert(db, "Élodie", "e1@x.io").await.unwrap();
    insert(db, "élodie", "e2@x.io").await.unwrap();
    // The other unique field keeps comparing values as they are.
    insert(db, "someone", "JAKE@x.io").await.unwrap();
    let email_dup = insert(db, "another", "jake@x.io").await.expect_err("the same email twice");
    assert!(email_dup.is_unique_violation(), "{backend:?}: {email_dup:?}");

    // The model's lookup, as generated.
    let (lite, pg) = generated_lookup();
    let sql = match backend {
        Backend::Sqlite => lite,
        Backend::Postgres => pg,
    };
    let dialect = if backend == Backend::Sqlite { Dialect::Sqlite } else { Dialect::Postgres };
    assert!(sql.contains(&fold_case("\"username\"", dialect)), "{sql}");
    for wanted in ["JAKE", "jake", "Jake"] {
        let row: Option<(i64, String)> = db
            .query(format!("SELECT \"id\", \"username\" FROM ({sql}) AS u"))
            .bind(wanted)
            .fetch_optional()
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {sql}: {e}"));
        assert_eq!(row.map(|r| r.1).as_deref(), Some("Jake"), "{backend:?}: get_by_username({wanted:?})");
    }
    // `ÉLODIE` folds to `Élodie` (the `É` stays), not to `élodie`.
    for (wanted, found) in [("ÉLODIE", "Élodie"), ("éLODIE", "élodie")] {
        let row: Option<(i64, String)> = db
            .query(format!("SELECT \"id\", \"username\" FROM ({sql}) AS u"))
            .bind(wanted)
            .fetch_optional()
            .await
            .unwrap();
        assert_eq!(row.map(|r| r.1).as_deref(), Some(found), "{backend:?}: non-ASCII letters do not fold");
    }

    // It uses the unique index.
    let plan: Vec<String> = match backend {
        Backend::Sqlite => {
            let rows: Vec<(i64, i64, i64, String)> =
                db.query(format!("EXPLAIN QUERY PLAN {sql}")).bind("JAKE").fetch_all().await.unwrap();
            rows.into_iter().map(|r| r.3).collect()
        }
        Backend::Postgres => {
            let mut tx = db.begin().await.unwrap();
            tx.query("SET LOCAL enable_seqscan = off").execute().await.unwrap();
            let rows: Vec<(String,)> = tx.query(format!("EXPLAIN {sql}")).bind("JAKE").fetch_all().await.unwrap();
            rows.into_iter().map(|r| r.0).collect()
        }
    };
    assert!(
        plan.iter().any(|l| l.contains("uq_users_username")),
        "{backend:?}: the lookup does not use the index: {plan:#?}"
    );

    // The loaders' lookup.
    for wanted in ["JAKE", "jake"] {
        let found: Option<(i64, String)> =
            one_case_insensitive(db, &PROFILE, None, "username", wanted.into(), Ok).await.unwrap();
        assert_eq!(found.map(|r| r.1).as_deref(), Some("Jake"), "{backend:?}: loader get_by_username({wanted:?})");
    }
}

#[tokio::test]
async fn jake_and_jake_are_one_username_on_both_backends() {
    let sqlite = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    check(sqlite.db(), dir.path()).await;
    match TestDb::postgres().await {
        Some(pg) => {
            let dir = tempfile::tempdir().unwrap();
            check(pg.db(), dir.path()).await;
            pg.db().close().await;
        }
        None => eprintln!("\n!!! SKIPPED the PostgreSQL half: no PostgreSQL server (see above)\n"),
    }
}

/// The generator and the runtime fold with the same text (the loaders build their lookups at run time).
#[test]
fn generator_and_runtime_fold_alike() {
    for (d, b) in [(Dialect::Sqlite, Backend::Sqlite), (Dialect::Postgres, Backend::Postgres)] {
        assert_eq!(
            fold_case("\"users\".\"username\"", d),
            charter_runtime::__private::sql::fold_case(b, "\"users\".\"username\"")
        );
    }
}
