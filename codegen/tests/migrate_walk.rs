//! Acceptance test of the incremental migrations engine: one small project at successive spec
//! versions (`tests/fixtures/migrate_walk/<NN_name>/spec`), walked on a real SQLite file and a real
//! PostgreSQL database. At each step:
//!
//! - `migrations::status` reports the edited spec as stale before `make` (what `charter check` fails on),
//!   and up to date after;
//! - `make --dry-run` writes nothing and shows the SQL `make` then writes; a destructive step (dropping a
//!   column or a table, and adding a unique constraint over existing rows, which duplicates would make
//!   fail) is refused without acknowledgement, with the list of exactly what would be lost, and writes
//!   nothing; then `make` writes one migration per dialect (earlier files and their bytes untouched), and
//!   a second `make` writes nothing;
//! - the migrations are applied the way the generated server applies them (`Db::migrate` with every
//!   migration embedded, which also verifies the checksums of the applied ones), on a database holding
//!   rows in every table;
//! - (a) every row survives: the full contents of every table after the step equal the contents before,
//!   mapped through the step's renames, added columns (with their NULL, default or backfill value) and,
//!   for the steps that drop, the drops; after each SQLite step `foreign_key_check` finds nothing; and
//!   every id counter (`sqlite_sequence`, PostgreSQL identity sequences) stands where it stood, so ids of
//!   deleted rows are not given out again;
//! - (b) the introspected schema equals that of a fresh database created from that spec version alone
//!   (`make` into an empty directory, apply `0001`).
//!
//! Schema comparison: PostgreSQL from `pg_catalog` (tables; columns with type, nullability, default and
//! identity; primary key, unique, foreign key and check constraints with names, columns, referenced
//! table and columns, ON DELETE, and check definitions as `pg_get_constraintdef` prints them; every index
//! as `pg_indexes.indexdef` prints it). SQLite from `sqlite_master` and the pragmas `table_info`,
//! `index_list`/`index_info` (with origin `u`/`pk`/`c`) and `foreign_key_list`, plus every named
//! constraint (`CONSTRAINT "name" ...`) parsed from the table's SQL, CHECK expressions in full. Both are
//! compared as sets of lines, so what is normalized is only:
//! - column order (a column added by `ALTER TABLE ... ADD COLUMN` comes last; a fresh table has spec order);
//! - SQLite's names of automatic indexes (`sqlite_autoindex_<table>_<n>`): `n` counts the table's
//!   UNIQUE/PRIMARY KEY clauses in declaration order, so it depends on where a constraint sits in the
//!   CREATE TABLE text, not on what it is; they are shown as `<auto>` and identified by their columns;
//! - the ids and order of `foreign_key_list` entries (positional as well);
//! - runs of whitespace in constraint text parsed from SQLite's SQL.
//!
//! The names of PostgreSQL's identity sequences are not compared (nothing refers to them by name); their
//! positions are, as said above.
//!
//! PostgreSQL: `TEST_DATABASE_URL`, else a `postgres:` `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/test`; the walk and each fresh comparison get a database of their
//! own, dropped afterwards. An unreachable server fails the test under `CI=true`, and is a loud skip
//! otherwise.

mod sql_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use charter_codegen::sql::migrations::{self, Made, MakeOptions, MigrationError, Status};
use charter_codegen::sql::{Dialect, quote_ident, quote_literal};
use charter_runtime::Db;
use charter_runtime::testing::TestDb;
use charter_spec::Spec;
use sql_support::embedded;
use sqlx::Row;

// ---------------------------------------------------------------------------------------------------
// The steps

/// What a step does to the data of a database that has rows: how to map the contents before it to the
/// contents expected after it. Table and column names are the ones current at that point of the walk.
#[derive(Debug)]
enum Change {
    /// A table appears, empty (a new model, a many-to-many join table).
    NewTable(&'static str),
    /// Existing rows hold `fill` (as text; `None` is NULL) in the new column.
    AddColumn {
        table: &'static str,
        column: &'static str,
        fill: Option<&'static str>,
    },
    RenameColumn {
        table: &'static str,
        from: &'static str,
        to: &'static str,
    },
    RenameTable {
        from: &'static str,
        to: &'static str,
    },
    /// Destructive: refused without acknowledgement.
    DropColumn {
        table: &'static str,
        column: &'static str,
    },
    /// Destructive: refused without acknowledgement.
    DropTable(&'static str),
    /// Refused without acknowledgement too (duplicates among existing rows would make the migration
    /// fail), though it changes no data.
    AddUnique {
        table: &'static str,
        column: &'static str,
    },
    /// A kept foreign key pointed at another table (its old target is dropped): refused without
    /// acknowledgement, as values without a matching row in the new target fail the migration.
    RetargetForeignKey {
        table: &'static str,
        column: &'static str,
    },
    /// Before the migration, what its user would do first so that the retargeted keys hold: every row
    /// of the table deleted.
    Emptied(&'static str),
    /// Before the migration: the column set to NULL in every row.
    Nulled {
        table: &'static str,
        column: &'static str,
    },
}

use Change::*;

struct Step {
    /// `tests/fixtures/migrate_walk/<dir>/spec`; the part after `NN_` names the migration.
    dir: &'static str,
    changes: &'static [Change],
}

impl Step {
    fn name(&self) -> &'static str {
        &self.dir[3..]
    }

    /// What `make` must refuse without acknowledgement: `(table, Some(column))` or `(table, None)`.
    fn refused(&self) -> Vec<(&'static str, Option<&'static str>)> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                DropColumn { table, column } => Some((*table, Some(*column))),
                DropTable(table) => Some((*table, None)),
                AddUnique { table, column } => Some((*table, Some(*column))),
                RetargetForeignKey { table, column } => Some((*table, Some(*column))),
                _ => None,
            })
            .collect()
    }

    /// What runs on the database before the migration (the data the walk expects takes it in).
    fn preparation(&self) -> Vec<String> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                Emptied(table) => Some(format!("DELETE FROM {}", quote_ident(table))),
                Nulled { table, column } => {
                    Some(format!("UPDATE {} SET {} = NULL", quote_ident(table), quote_ident(column)))
                }
                _ => None,
            })
            .collect()
    }
}

const STEPS: &[Step] = &[
    Step { dir: "01_initial", changes: &[NewTable("users"), NewTable("posts")] },
    Step { dir: "02_add_model", changes: &[NewTable("comments")] },
    Step { dir: "03_add_nullable_column", changes: &[AddColumn { table: "posts", column: "summary", fill: None }] },
    Step {
        dir: "04_add_column_with_default",
        changes: &[AddColumn { table: "posts", column: "views", fill: Some("0") }],
    },
    Step {
        dir: "05_add_required_column_with_backfill",
        changes: &[AddColumn { table: "users", column: "handle", fill: Some("anon") }],
    },
    Step {
        dir: "06_rename_column",
        changes: &[
            RenameColumn { table: "posts", from: "title", to: "headline" },
            RenameColumn { table: "comments", from: "author_id", to: "commenter_id" },
        ],
    },
    Step { dir: "07_rename_table", changes: &[RenameTable { from: "posts", to: "articles" }] },
    // int -> bigint and a longer max_length: the values read back the same.
    Step { dir: "08_widen_types", changes: &[] },
    Step { dir: "09_add_unique", changes: &[AddUnique { table: "users", column: "name" }] },
    Step { dir: "10_add_index", changes: &[] },
    Step { dir: "11_add_many_to_many", changes: &[NewTable("articles_liked_by")] },
    Step { dir: "12_drop_column", changes: &[DropColumn { table: "articles", column: "views" }] },
    Step { dir: "13_drop_model", changes: &[DropTable("comments")] },
    // Tables referenced from every side: itself (parent), a join table, a kept table and another model.
    Step {
        dir: "14_add_tags",
        changes: &[
            NewTable("tags"),
            NewTable("notes"),
            NewTable("articles_tags"),
            AddColumn { table: "articles", column: "topic_id", fill: None },
        ],
    },
    // The referenced table is dropped and created under another name (no `renamed_from`): the keys of the
    // kept tables that referenced it must go before it does, and come back once labels exists.
    Step {
        dir: "15_recreate_referenced_table",
        changes: &[
            Emptied("articles_tags"),
            Emptied("notes"),
            Nulled { table: "articles", column: "topic_id" },
            DropTable("tags"),
            RetargetForeignKey { table: "articles_tags", column: "tag_id" },
            RetargetForeignKey { table: "articles", column: "topic_id" },
            RetargetForeignKey { table: "notes", column: "tag_id" },
            NewTable("labels"),
        ],
    },
    // The referenced table renamed while a referencing table is rebuilt (SQLite) and its key altered.
    Step { dir: "16_rename_referenced_table", changes: &[RenameTable { from: "labels", to: "topics" }] },
    // Both sides recreated in one migration: the referencing table (notes -> memos) goes first, then the
    // referenced one (topics -> tags); created in the other order.
    Step {
        dir: "17_recreate_referencing_and_referenced",
        changes: &[
            Emptied("articles_tags"),
            Nulled { table: "articles", column: "topic_id" },
            DropTable("notes"),
            DropTable("topics"),
            RetargetForeignKey { table: "articles_tags", column: "tag_id" },
            RetargetForeignKey { table: "articles", column: "topic_id" },
            NewTable("tags"),
            NewTable("memos"),
        ],
    },
    // `unique: true` -> `unique: case_insensitive`: the constraint goes, a unique index on the folded
    // value comes (rows equal ignoring case would fail it: refused without acknowledgement).
    Step { dir: "18_unique_case_insensitive", changes: &[AddUnique { table: "users", column: "name" }] },
    // And back: the case-sensitive constraint holds wherever the case-insensitive index did.
    Step { dir: "19_unique_case_sensitive_again", changes: &[] },
];

/// Rows for every table that exists after step `k` (1-based), each referencing rows of the same batch
/// (and, for likes, of the first batch), with values that differ from batch to batch.
fn seed(k: usize) -> Vec<String> {
    let posts = if k < 7 { "posts" } else { "articles" };
    let title = if k < 6 { "title" } else { "headline" };
    let mut out = Vec::new();

    let h = |who: &str| if k >= 5 { format!(", 'h{who}{k}'") } else { String::new() };
    let hc = if k >= 5 { r#", "handle""# } else { "" };
    out.push(format!(
        r#"INSERT INTO "users" ("email", "name", "karma", "active"{hc}) VALUES
           ('a{k}@x.io', 'alice{k}', {k}, TRUE{}), ('b{k}@x.io', 'bob{k}', 0, FALSE{})"#,
        h("a"),
        h("b")
    ));
    // Defaults for karma, active and the timestamps.
    out.push(format!(r#"INSERT INTO "users" ("email", "name"{hc}) VALUES ('c{k}@x.io', 'carol{k}'{})"#, h("c")));

    let (summary_col, summary) =
        if k >= 3 { (r#", "summary""#, format!(", 'summary {k}'")) } else { ("", String::new()) };
    let (views_col, views) =
        if (4..12).contains(&k) { (r#", "views""#, format!(", {}", k * 10)) } else { ("", String::new()) };
    out.push(format!(
        r#"INSERT INTO "{posts}" ("{title}", "body", "status", "author_id", "editor_id"{summary_col}{views_col})
           SELECT 'Post {k}a', 'body {k}', 'published', a."id", b."id"{summary}{views}
           FROM "users" a, "users" b WHERE a."email" = 'a{k}@x.io' AND b."email" = 'b{k}@x.io'"#
    ));
    // Defaults for status (and views); no editor, no summary.
    out.push(format!(
        r#"INSERT INTO "{posts}" ("{title}", "body", "author_id") SELECT 'Post {k}b', 'body', "id" FROM "users" WHERE "email" = 'b{k}@x.io'"#
    ));

    if (2..13).contains(&k) {
        let author = if k < 6 { "author_id" } else { "commenter_id" };
        out.push(format!(
            r#"INSERT INTO "comments" ("post_id", "{author}", "body")
               SELECT p."id", u."id", 'nice {k}' FROM "{posts}" p, "users" u WHERE p."{title}" = 'Post {k}a' AND u."email" = 'c{k}@x.io'"#
        ));
        out.push(format!(
            r#"INSERT INTO "comments" ("post_id", "body") SELECT "id", 'anonymous {k}' FROM "{posts}" WHERE "{title}" = 'Post {k}b'"#
        ));
    }
    // The newest user, post and comment go again: their ids must not come back after a table rebuild
    // (AUTOINCREMENT / identity), which the sequence check sees.
    out.push(format!(
        r#"INSERT INTO "{posts}" ("{title}", "body", "author_id") SELECT 'Post {k}gone', 'body', "id" FROM "users" WHERE "email" = 'a{k}@x.io'"#
    ));
    out.push(format!(r#"DELETE FROM "{posts}" WHERE "{title}" = 'Post {k}gone'"#));
    out.push(format!(r#"INSERT INTO "users" ("email", "name"{hc}) VALUES ('gone{k}@x.io', 'gone{k}'{})"#, h("g")));
    out.push(format!(r#"DELETE FROM "users" WHERE "email" = 'gone{k}@x.io'"#));
    if (2..13).contains(&k) {
        out.push(format!(r#"INSERT INTO "comments" ("post_id", "body") SELECT "id", 'gone' FROM "{posts}" WHERE "{title}" = 'Post {k}b'"#));
        out.push(r#"DELETE FROM "comments" WHERE "body" = 'gone'"#.to_owned());
    }
    if k >= 11 {
        out.push(format!(
            r#"INSERT INTO "articles_liked_by" ("post_id", "user_id")
               SELECT p."id", u."id" FROM "articles" p, "users" u WHERE p."headline" IN ('Post {k}a', 'Post 1a') AND u."email" = 'a{k}@x.io'"#
        ));
    }
    if k >= 14 {
        let tags = match k {
            14 => "tags",
            15 => "labels",
            16 => "topics",
            _ => "tags",
        };
        let notes = if k < 17 { "notes" } else { "memos" };
        out.push(format!(r#"INSERT INTO "{tags}" ("name") VALUES ('t{k}a')"#));
        out.push(format!(
            r#"INSERT INTO "{tags}" ("name", "parent_id") SELECT 't{k}b', "id" FROM "{tags}" WHERE "name" = 't{k}a'"#
        ));
        out.push(format!(
            r#"INSERT INTO "articles_tags" ("post_id", "tag_id")
               SELECT p."id", t."id" FROM "articles" p, "{tags}" t WHERE p."headline" = 'Post {k}a' AND t."name" IN ('t{k}a', 't{k}b')"#
        ));
        out.push(format!(
            r#"INSERT INTO "{notes}" ("tag_id", "body") SELECT "id", 'note {k}' FROM "{tags}" WHERE "name" = 't{k}b'"#
        ));
        out.push(format!(
            r#"UPDATE "articles" SET "topic_id" = (SELECT "id" FROM "{tags}" WHERE "name" = 't{k}a') WHERE "headline" = 'Post {k}a'"#
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Files

fn fixture(step: &Step) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrate_walk").join(step.dir).join("spec")
}

fn load(step: &Step) -> Spec {
    let dir = fixture(step);
    charter_spec::load_dir(&dir).unwrap_or_else(|d| panic!("{} does not load:\n{}", dir.display(), d.render(false)))
}

fn make(
    spec: &Spec,
    dir: &Path,
    name: Option<&str>,
    allow_destructive: bool,
    dry_run: bool,
) -> Result<Made, MigrationError> {
    migrations::make(spec, dir, name, &MakeOptions { allow_destructive, dry_run })
}

/// Every file under `dir` (relative path -> bytes).
fn listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn describe_listing_change(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> String {
    let mut s = String::new();
    for (k, v) in after {
        match before.get(k) {
            None => writeln!(s, "  created {k}").unwrap(),
            Some(b) if b != v => writeln!(s, "  changed {k}").unwrap(),
            Some(_) => {}
        }
    }
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        writeln!(s, "  deleted {k}").unwrap();
    }
    s
}

fn migration_text(dir: &Path, dialect: Dialect, version: i64) -> String {
    let sub = dir.join(dialect.dir_name());
    let prefix = format!("{version:04}_");
    std::fs::read_dir(&sub)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| format!("--- {} ---\n{}", e.path().display(), std::fs::read_to_string(e.path()).unwrap_or_default()))
        .unwrap_or_else(|| format!("(no {prefix}*.sql in {})", sub.display()))
}

// ---------------------------------------------------------------------------------------------------
// Databases

async fn new_db(dialect: Dialect) -> Option<TestDb> {
    match dialect {
        Dialect::Sqlite => Some(TestDb::sqlite().await),
        Dialect::Postgres => TestDb::postgres().await,
    }
}

/// Runs a query and reads every column as text (queries cast what is not text).
async fn fetch(db: &Db, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    fn texts<R: Row>(row: &R) -> Result<Vec<Option<String>>, sqlx::Error>
    where
        for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        usize: sqlx::ColumnIndex<R>,
    {
        (0..row.len()).map(|i| row.try_get::<Option<String>, _>(i)).collect()
    }
    let rows = match db {
        Db::Sqlite(p) => sqlx::query(sql)
            .persistent(false)
            .fetch_all(p)
            .await
            .and_then(|rows| rows.iter().map(texts).collect::<Result<Vec<_>, _>>()),
        Db::Postgres(p) => sqlx::query(sql)
            .persistent(false)
            .fetch_all(p)
            .await
            .and_then(|rows| rows.iter().map(texts).collect::<Result<Vec<_>, _>>()),
    };
    rows.map_err(|e| format!("`{sql}` failed: {e}"))
}

async fn execute(db: &Db, sql: &str) -> Result<(), String> {
    let done = match db {
        Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
        Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
    };
    done.map_err(|e| format!("`{sql}` failed: {e}"))
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("NULL")
}

/// User tables (not sqlx's bookkeeping), sorted.
async fn tables(db: &Db) -> Result<Vec<String>, String> {
    let sql = match db {
        Db::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        Db::Postgres(_) => {
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations' ORDER BY 1"
        }
    };
    Ok(fetch(db, sql).await?.into_iter().map(|r| text(&r[0]).to_owned()).collect())
}

/// Column names in table order.
async fn columns(db: &Db, table: &str) -> Result<Vec<String>, String> {
    let sql = match db {
        Db::Sqlite(_) => format!("SELECT name FROM pragma_table_info({}) ORDER BY cid", quote_literal(table)),
        Db::Postgres(_) => format!(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = {}::regclass AND attnum > 0 AND NOT attisdropped \
             ORDER BY attnum",
            quote_literal(&quote_ident(table))
        ),
    };
    Ok(fetch(db, &sql).await?.into_iter().map(|r| text(&r[0]).to_owned()).collect())
}

// ---------------------------------------------------------------------------------------------------
// Data

/// A row: column -> value as text.
type Record = BTreeMap<String, Option<String>>;
/// Table -> its rows, sorted.
type Data = BTreeMap<String, Vec<Record>>;

/// Every row of every table, each value as text: PostgreSQL's `::text`; on SQLite the value cast to
/// text (blobs as hex).
async fn read_data(db: &Db) -> Result<Data, String> {
    let mut out = Data::new();
    for table in tables(db).await? {
        let cols = columns(db, &table).await?;
        let exprs: Vec<String> = cols
            .iter()
            .map(|c| {
                let q = quote_ident(c);
                match db {
                    Db::Sqlite(_) => {
                        format!("CASE typeof({q}) WHEN 'blob' THEN 'x' || hex({q}) ELSE CAST({q} AS TEXT) END")
                    }
                    Db::Postgres(_) => format!("{q}::text"),
                }
            })
            .collect();
        let sql = format!("SELECT {} FROM {}", exprs.join(", "), quote_ident(&table));
        let mut rows: Vec<Record> =
            fetch(db, &sql).await?.into_iter().map(|r| cols.iter().cloned().zip(r).collect()).collect();
        rows.sort();
        out.insert(table, rows);
    }
    Ok(out)
}

/// The data expected after `changes`, from the data before.
fn expected_data(before: &Data, changes: &[Change]) -> Data {
    let mut d = before.clone();
    for c in changes {
        match c {
            NewTable(t) => {
                assert!(d.insert((*t).to_owned(), Vec::new()).is_none(), "fixture: {t} exists already");
            }
            AddColumn { table, column, fill } => {
                for row in d.get_mut(*table).unwrap_or_else(|| panic!("fixture: no table {table}")) {
                    row.insert((*column).to_owned(), fill.map(str::to_owned));
                }
            }
            RenameColumn { table, from, to } => {
                for row in d.get_mut(*table).unwrap_or_else(|| panic!("fixture: no table {table}")) {
                    let v = row.remove(*from).unwrap_or_else(|| panic!("fixture: no column {table}.{from}"));
                    row.insert((*to).to_owned(), v);
                }
            }
            RenameTable { from, to } => {
                let rows = d.remove(*from).unwrap_or_else(|| panic!("fixture: no table {from}"));
                d.insert((*to).to_owned(), rows);
            }
            DropColumn { table, column } => {
                for row in d.get_mut(*table).unwrap_or_else(|| panic!("fixture: no table {table}")) {
                    row.remove(*column);
                }
            }
            DropTable(t) => {
                d.remove(*t).unwrap_or_else(|| panic!("fixture: no table {t}"));
            }
            // Nothing to map: `preparation` ran before the rows were read, and keys change no values.
            AddUnique { .. } | RetargetForeignKey { .. } | Emptied(_) | Nulled { .. } => {}
        }
    }
    for rows in d.values_mut() {
        rows.sort();
    }
    d
}

fn show_record(r: &Record) -> String {
    let cells: Vec<String> = r.iter().map(|(k, v)| format!("{k}={}", text(v))).collect();
    format!("{{{}}}", cells.join(", "))
}

/// Rows missing and rows unexpected, table by table; empty when equal.
fn data_diff(expected: &Data, got: &Data) -> String {
    let mut s = String::new();
    let names: BTreeSet<&String> = expected.keys().chain(got.keys()).collect();
    for t in names {
        match (expected.get(t), got.get(t)) {
            (Some(_), None) => writeln!(s, "  table {t}: missing").unwrap(),
            (None, Some(_)) => writeln!(s, "  table {t}: not expected").unwrap(),
            (Some(e), Some(g)) if e != g => {
                writeln!(s, "  table {t} ({} rows expected, {} found):", e.len(), g.len()).unwrap();
                let columns =
                    |rows: &[Record]| -> BTreeSet<String> { rows.iter().flat_map(|r| r.keys().cloned()).collect() };
                let (ec, gc) = (columns(e), columns(g));
                if !e.is_empty() && !g.is_empty() && ec != gc {
                    writeln!(s, "    columns expected {ec:?}, found {gc:?}").unwrap();
                }
                let mut rest = g.clone();
                let mut missing = Vec::new();
                for row in e {
                    match rest.iter().position(|r| r == row) {
                        Some(i) => {
                            rest.remove(i);
                        }
                        None => missing.push(row),
                    }
                }
                const SHOWN: usize = 6;
                for row in missing.iter().take(SHOWN) {
                    writeln!(s, "    - expected {}", show_record(row)).unwrap();
                }
                if missing.len() > SHOWN {
                    writeln!(s, "    - ... and {} more expected rows", missing.len() - SHOWN).unwrap();
                }
                for row in rest.iter().take(SHOWN) {
                    writeln!(s, "    + found    {}", show_record(row)).unwrap();
                }
                if rest.len() > SHOWN {
                    writeln!(s, "    + ... and {} more rows found", rest.len() - SHOWN).unwrap();
                }
            }
            _ => {}
        }
    }
    s
}

/// Where each auto-increment key's sequence stands, by table: SQLite's `sqlite_sequence`, PostgreSQL's
/// identity sequences (`NULL` until first used).
async fn read_sequences(db: &Db) -> Result<BTreeMap<String, Option<String>>, String> {
    let sql = match db {
        // The table exists once a table with AUTOINCREMENT does.
        Db::Sqlite(_)
            if fetch(db, "SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'").await?.is_empty() =>
        {
            return Ok(BTreeMap::new());
        }
        Db::Sqlite(_) => "SELECT name, CAST(seq AS TEXT) FROM sqlite_sequence",
        Db::Postgres(_) => {
            "SELECT c.relname::text, \
                    pg_sequence_last_value(pg_get_serial_sequence(quote_ident(c.relname), a.attname::text))::text \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attidentity <> '' AND a.attnum > 0"
        }
    };
    Ok(fetch(db, sql).await?.into_iter().map(|mut r| (text(&r[0]).to_owned(), r.remove(1))).collect())
}

/// The sequences after `changes`: moved by renames, gone with their tables, otherwise unchanged (a
/// migration inserts no rows; a rebuild that loses the sequence lets deleted ids come back).
fn expected_sequences(
    before: &BTreeMap<String, Option<String>>,
    changes: &[Change],
) -> BTreeMap<String, Option<String>> {
    let mut s = before.clone();
    for c in changes {
        match c {
            RenameTable { from, to } => {
                if let Some(v) = s.remove(*from) {
                    s.insert((*to).to_owned(), v);
                }
            }
            DropTable(t) => {
                s.remove(*t);
            }
            _ => {}
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------------
// Schema introspection: a set of lines per database

async fn introspect(db: &Db) -> Result<BTreeSet<String>, String> {
    match db {
        Db::Sqlite(_) => introspect_sqlite(db).await,
        Db::Postgres(_) => introspect_postgres(db).await,
    }
}

async fn introspect_postgres(db: &Db) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    let user = "n.nspname = 'public' AND c.relname <> '_sqlx_migrations'";
    for r in fetch(
        db,
        &format!(
            "SELECT c.relname::text, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE {user} AND c.relkind NOT IN ('i', 'S')"
        ),
    )
    .await?
    {
        out.insert(format!("{}: relation kind {}", text(&r[0]), text(&r[1])));
    }
    for r in fetch(
        db,
        &format!(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                    CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END, pg_get_expr(d.adbin, d.adrelid), \
                    a.attidentity::text, a.attgenerated::text, co.collname::text \
             FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             WHERE {user} AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
        ),
    )
    .await?
    {
        let flag = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).unwrap_or("-").to_owned();
        out.insert(format!(
            "{}.{}: {} {} default {} identity {} generated {} collation {}",
            text(&r[0]),
            text(&r[1]),
            text(&r[2]),
            text(&r[3]),
            r[4].as_deref().unwrap_or("-"),
            flag(&r[5]),
            flag(&r[6]),
            flag(&r[7]),
        ));
    }
    let cols = |key: &str, rel: &str| {
        format!(
            "(SELECT string_agg(a.attname::text, ', ' ORDER BY x.i) FROM unnest(k.{key}) WITH ORDINALITY AS x(num, i) \
             JOIN pg_attribute a ON a.attrelid = k.{rel} AND a.attnum = x.num)"
        )
    };
    for r in fetch(
        db,
        &format!(
            "SELECT c.relname::text, k.conname::text, k.contype::text, pg_get_constraintdef(k.oid), {}, f.relname::text, {}, \
                    CASE k.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' \
                         WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END, \
                    CASE k.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' \
                         WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END, \
                    CASE WHEN k.convalidated THEN '' ELSE ' NOT VALID' END || \
                    CASE WHEN k.condeferrable THEN ' DEFERRABLE' ELSE '' END || \
                    CASE WHEN k.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END \
             FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_class f ON f.oid = k.confrelid \
             WHERE {user}",
            cols("conkey", "conrelid"),
            cols("confkey", "confrelid")
        ),
    )
    .await?
    {
        let (table, name, def, flags) = (text(&r[0]), text(&r[1]), text(&r[3]), text(&r[9]));
        let line = match text(&r[2]) {
            "p" => format!("{table}: primary key {name} ({}){flags}", text(&r[4])),
            "u" => format!("{table}: unique {name} ({}){flags}", text(&r[4])),
            "f" => format!(
                "{table}: foreign key {name} ({}) -> {} ({}) on delete {} on update {}{flags}",
                text(&r[4]),
                text(&r[5]),
                text(&r[6]),
                text(&r[7]),
                text(&r[8])
            ),
            "c" => format!("{table}: check {name} {def}{flags}"),
            other => format!("{table}: constraint {name} type {other} {def}{flags}"),
        };
        out.insert(line);
    }
    for r in fetch(
        db,
        "SELECT tablename::text, indexname::text, indexdef FROM pg_indexes \
         WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    )
    .await?
    {
        out.insert(format!("{}: index {}: {}", text(&r[0]), text(&r[1]), text(&r[2])));
    }
    for r in fetch(
        db,
        "SELECT c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid) FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND NOT t.tgisinternal",
    )
    .await?
    {
        out.insert(format!("{}: trigger {}: {}", text(&r[0]), text(&r[1]), text(&r[2])));
    }
    Ok(out)
}

async fn introspect_sqlite(db: &Db) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for r in fetch(
        db,
        "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .await?
    {
        out.insert(format!("{}: {} {}", text(&r[2]), text(&r[0]), text(&r[1])));
    }
    for table in tables(db).await? {
        let t = quote_literal(&table);
        let sql = fetch(db, &format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {t}")).await?;
        let sql = sql.first().and_then(|r| r[0].clone()).unwrap_or_default();
        out.insert(format!("{table}: table"));
        if sql.to_ascii_uppercase().contains("AUTOINCREMENT") {
            out.insert(format!("{table}: autoincrement"));
        }
        for r in fetch(
            db,
            &format!(
                "SELECT name, type, CASE WHEN \"notnull\" THEN 'not null' ELSE 'null' END, dflt_value, CAST(pk AS TEXT), \
                 CAST(hidden AS TEXT) FROM pragma_table_xinfo({t})"
            ),
        )
        .await?
        {
            out.insert(format!(
                "{table}.{}: {} {} default {} pk {} hidden {}",
                text(&r[0]),
                text(&r[1]),
                text(&r[2]),
                r[3].as_deref().unwrap_or("-"),
                text(&r[4]),
                text(&r[5])
            ));
        }
        for r in fetch(
            db,
            &format!(
                "SELECT name, CAST(\"unique\" AS TEXT), origin, CAST(partial AS TEXT) FROM pragma_index_list({t})"
            ),
        )
        .await?
        {
            let name = text(&r[0]).to_owned();
            let cols = fetch(
                db,
                &format!(
                    "SELECT coalesce(name, '<expr>') FROM pragma_index_info({}) ORDER BY seqno",
                    quote_literal(&name)
                ),
            )
            .await?;
            let cols: Vec<&str> = cols.iter().map(|c| text(&c[0])).collect();
            let shown = if name.starts_with("sqlite_autoindex_") { "<auto>" } else { &name };
            out.insert(format!(
                "{table}: index {shown} ({}) unique {} origin {} partial {}",
                cols.join(", "),
                text(&r[1]),
                text(&r[2]),
                text(&r[3])
            ));
            if !name.starts_with("sqlite_autoindex_") {
                let def = fetch(
                    db,
                    &format!("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {}", quote_literal(&name)),
                )
                .await?;
                let def = def.first().and_then(|r| r[0].clone()).unwrap_or_default();
                out.insert(format!("{table}: index {name}: {}", squeeze(&def)));
            }
        }
        let fk_rows = fetch(
            db,
            &format!(
                "SELECT CAST(id AS TEXT), \"table\", \"from\", \"to\", on_update, on_delete, \"match\" \
                 FROM pragma_foreign_key_list({t}) ORDER BY id, seq"
            ),
        )
        .await?;
        // One entry per column of a key; the id (positional) groups them.
        let mut fks: BTreeMap<&str, Vec<&Vec<Option<String>>>> = BTreeMap::new();
        for r in &fk_rows {
            fks.entry(text(&r[0])).or_default().push(r);
        }
        for parts in fks.values() {
            let cols = |i: usize| parts.iter().map(|r| text(&r[i])).collect::<Vec<_>>().join(", ");
            let first = parts[0];
            out.insert(format!(
                "{table}: foreign key ({}) -> {} ({}) on delete {} on update {} match {}",
                cols(2),
                text(&first[1]),
                cols(3),
                text(&first[5]),
                text(&first[4]),
                text(&first[6])
            ));
        }
        for (name, def) in named_constraints(&sql) {
            let def = squeeze(&def);
            let line = if def.to_ascii_uppercase().starts_with("CHECK") {
                format!("{table}: check {name} {def}")
            } else {
                // Columns, targets and actions come from the pragmas; the SQL adds the name.
                let head = def.find(')').map_or(def.as_str(), |i| &def[..=i]);
                format!("{table}: constraint {name} {head}")
            };
            out.insert(line);
        }
    }
    Ok(out)
}

/// Collapses runs of whitespace (outside nothing: constraint text has no significant whitespace).
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `CONSTRAINT "name" <definition>` clauses of a CREATE TABLE statement, table-level or inside a column
/// definition, with the name unquoted.
fn named_constraints(create: &str) -> Vec<(String, String)> {
    let (Some(open), Some(close)) = (create.find('('), create.rfind(')')) else { return Vec::new() };
    let mut out = Vec::new();
    for item in split_top_level(&create[open + 1..close]) {
        // Positions of the keyword CONSTRAINT at depth 0 of the item.
        let starts = keyword_positions(&item, "CONSTRAINT");
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(item.len());
            let clause = item[start + "CONSTRAINT".len()..end].trim();
            let (name, def) = split_name(clause);
            out.push((name, def.trim().to_owned()));
        }
    }
    out
}

/// Splits at commas outside parentheses and quotes.
fn split_top_level(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for ch in body.chars() {
        match quote {
            Some(q) => {
                if ch == q {
                    quote = None;
                }
            }
            None => match ch {
                '\'' | '"' | '`' => quote = Some(ch),
                '[' => quote = Some(']'),
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            },
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Byte offsets where `word` (ASCII, any case) stands alone outside parentheses and quotes.
fn keyword_positions(item: &str, word: &str) -> Vec<usize> {
    let bytes = item.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' | b'`' => quote = Some(b),
                b'[' => quote = Some(b']'),
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ if depth == 0
                    && item[i..].len() >= word.len()
                    && item.is_char_boundary(i + word.len())
                    && item[i..i + word.len()].eq_ignore_ascii_case(word)
                    && (i == 0 || !is_word(bytes[i - 1]))
                    && bytes.get(i + word.len()).is_none_or(|b| !is_word(*b)) =>
                {
                    out.push(i);
                    i += word.len();
                    continue;
                }
                _ => {}
            },
        }
        i += 1;
    }
    out
}

/// `"name" rest` / `name rest` -> (name, rest).
fn split_name(clause: &str) -> (String, &str) {
    if let Some(q) = clause.chars().next().filter(|c| matches!(c, '"' | '`' | '[' | '\'')) {
        let close = if q == '[' { ']' } else { q };
        if let Some(end) = clause[1..].find(close) {
            return (clause[1..1 + end].to_owned(), &clause[end + 2..]);
        }
    }
    let end = clause.find(char::is_whitespace).unwrap_or(clause.len());
    (clause[..end].to_owned(), &clause[end..])
}

/// `listed` (what `make` refuses without acknowledgement) names exactly the `lost` columns and tables:
/// each entry mentions one of them (its table, and its column for a column), one entry each.
fn match_lost(listed: &[String], lost: &[(&str, Option<&str>)]) -> Result<(), String> {
    let mut unmatched: Vec<&String> = listed.iter().collect();
    let mut missing = Vec::new();
    for (table, column) in lost {
        let hit = unmatched.iter().position(|s| s.contains(table) && column.is_none_or(|c| s.contains(c)));
        match hit {
            Some(at) => {
                unmatched.remove(at);
            }
            None => missing.push(format!("{table}{}", column.map(|c| format!(".{c}")).unwrap_or_default())),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the destructive steps should be exactly {lost:?}; not listed: {missing:?}; listed but not expected: \
             {unmatched:?} (the whole list: {listed:?})"
        ))
    }
}

fn schema_diff(migrated: &BTreeSet<String>, fresh: &BTreeSet<String>) -> String {
    let mut s = String::new();
    for l in migrated.difference(fresh) {
        writeln!(s, "  - only in the migrated database: {l}").unwrap();
    }
    for l in fresh.difference(migrated) {
        writeln!(s, "  + only in the fresh database:    {l}").unwrap();
    }
    s
}

/// The schema of a database created from scratch from `spec`: `make` into an empty directory, apply
/// `0001`, introspect.
async fn fresh_schema(spec: &Spec, dialect: Dialect, ctx: &str) -> Result<BTreeSet<String>, String> {
    let tmp = tempfile::tempdir().unwrap();
    match make(spec, tmp.path(), None, false, false) {
        Ok(Made::Written { version: 1, .. }) => {}
        other => return Err(format!("{ctx}: make into an empty directory should write 0001, got {other:?}")),
    }
    let test_db = new_db(dialect).await.ok_or_else(|| format!("{ctx}: PostgreSQL went away"))?;
    test_db.db().migrate(&embedded(tmp.path())).await.map_err(|e| {
        format!("{ctx}: the from-scratch migration fails: {e}\n{}", migration_text(tmp.path(), dialect, 1))
    })?;
    let schema = introspect(test_db.db()).await;
    test_db.db().close().await;
    schema
}

// ---------------------------------------------------------------------------------------------------
// The walk

/// Substrings the introspection of the first step must show: proof that it sees each kind of object.
fn sanity_needles(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Sqlite => &[
            "users: autoincrement",
            "users.email: TEXT not null",
            "users.karma: INTEGER not null default 0",
            "users: index <auto> (email) unique 1 origin u",
            "users: index ix_users_name (name) unique 0 origin c",
            "users: check ck_users_karma_min CHECK (\"karma\" >= 0)",
            "users: check ck_users_active_bool",
            "users: constraint uq_users_email UNIQUE (\"email\")",
            "posts: foreign key (author_id) -> users (id) on delete CASCADE",
            "posts: foreign key (editor_id) -> users (id) on delete SET NULL",
            "posts: check ck_posts_status_values",
        ],
        Dialect::Postgres => &[
            "users.id: bigint not null default - identity d",
            "users.name: character varying(40) not null",
            "users.created_at: timestamp with time zone not null default CURRENT_TIMESTAMP",
            "users: primary key users_pkey (id)",
            "users: unique uq_users_email (email)",
            "users: check ck_users_karma_min CHECK ((karma >= 0))",
            "users: index ix_users_name: CREATE INDEX ix_users_name ON public.users USING btree (name)",
            "posts: foreign key fk_posts_author_id (author_id) -> users (id) on delete CASCADE",
            "posts: foreign key fk_posts_editor_id (editor_id) -> users (id) on delete SET NULL",
        ],
    }
}

async fn walk(dialect: Dialect) {
    let Some(test_db) = new_db(dialect).await else {
        eprintln!("\n!!! SKIPPED migrate_walk on {dialect}: no PostgreSQL server (see above)\n");
        return;
    };
    let db = test_db.db();
    let tmp = tempfile::tempdir().unwrap();
    // One migrations directory for the whole walk, as in a project.
    let dir = tmp.path().join("migrations");
    let mut failures = Vec::new();
    let mut previous_fresh: Option<BTreeSet<String>> = None;
    for (i, step) in STEPS.iter().enumerate() {
        let ctx = format!("step {} on {dialect}", step.dir);
        if let Err(fatal) = walk_step(db, &dir, i, step, &ctx, &mut previous_fresh, &mut failures).await {
            failures.push(format!("{fatal}\n(the walk stops here)"));
            break;
        }
    }
    db.close().await;
    drop(test_db);
    if !failures.is_empty() {
        panic!("migrate_walk on {dialect}: {} failure(s)\n\n{}", failures.len(), failures.join("\n\n"));
    }
}

/// One step. Problems that leave the walk able to go on are pushed to `failures`; the others are the
/// `Err`.
async fn walk_step(
    db: &Db,
    dir: &Path,
    i: usize,
    step: &Step,
    ctx: &str,
    previous_fresh: &mut Option<BTreeSet<String>>,
    failures: &mut Vec<String>,
) -> Result<(), String> {
    let dialect = match db {
        Db::Sqlite(_) => Dialect::Sqlite,
        Db::Postgres(_) => Dialect::Postgres,
    };
    let spec = load(step);
    let version = i as i64 + 1;
    let lost = step.refused();

    // `charter check`: the edited spec without a migration is caught.
    let status = migrations::status(&spec, dir).map_err(|e| format!("{ctx}: status before make: {e}"))?;
    let caught = match &status {
        Status::Missing => i == 0,
        Status::Stale { latest, changes } => i > 0 && *latest == version - 1 && !changes.is_empty(),
        Status::UpToDate { .. } => false,
    };
    if !caught {
        failures.push(format!("{ctx}: before make, status should report the spec edit (stale), got {status:?}"));
    }

    // --dry-run writes nothing, and shows what will be written (and, without acknowledgement, what
    // would be lost).
    let files_before = listing(dir);
    let dry = match make(&spec, dir, Some(step.name()), false, true) {
        Ok(Made::DryRun { version: v, description, sqlite, postgres, destructive }) => {
            if v != version || description != step.name() {
                failures.push(format!(
                    "{ctx}: make --dry-run should show {version:04}_{}, shows {v:04}_{description}",
                    step.name()
                ));
            }
            if let Err(e) = match_lost(&destructive, &lost) {
                failures.push(format!("{ctx}: make --dry-run: {e}"));
            }
            Some((sqlite, postgres))
        }
        other => {
            failures.push(format!("{ctx}: make --dry-run should answer DryRun, got {other:?}"));
            None
        }
    };
    let wrote = describe_listing_change(&files_before, &listing(dir));
    if !wrote.is_empty() {
        return Err(format!("{ctx}: make --dry-run wrote files:\n{wrote}"));
    }

    // A destructive step is refused without acknowledgement, listing exactly what would be lost (or
    // what may fail).
    if !lost.is_empty() {
        match make(&spec, dir, Some(step.name()), false, false) {
            Err(MigrationError::Destructive { steps, .. }) => {
                if let Err(e) = match_lost(&steps, &lost) {
                    failures.push(format!("{ctx}: make without --allow-destructive: {e}"));
                }
            }
            other => failures.push(format!(
                "{ctx}: make without --allow-destructive should fail with Destructive listing {lost:?}, got {other:?}"
            )),
        }
        let wrote = describe_listing_change(&files_before, &listing(dir));
        if !wrote.is_empty() {
            return Err(format!("{ctx}: the refused make wrote files:\n{wrote}"));
        }
    }

    // make: one new migration per dialect; nothing written before changes.
    let made = make(&spec, dir, Some(step.name()), !lost.is_empty(), false).map_err(|e| {
        let ack = if lost.is_empty() { " (without --allow-destructive: this step is not destructive)" } else { "" };
        format!("{ctx}: make{ack} failed: {e}")
    })?;
    match &made {
        Made::Written { version: v, description, .. } if *v == version && description == step.name() => {}
        other => failures.push(format!("{ctx}: make should write {version:04}_{}, got {other:?}", step.name())),
    }
    let files_after = listing(dir);
    let expected_new: BTreeSet<String> = Dialect::ALL
        .iter()
        .map(|d| format!("{}/{version:04}_{}.sql", d.dir_name(), step.name()))
        .chain(if i == 0 { Some(migrations::SCHEMA_FILE.to_owned()) } else { None })
        .collect();
    let new: BTreeSet<String> = files_after.keys().filter(|k| !files_before.contains_key(*k)).cloned().collect();
    let rewritten: Vec<&String> = files_before
        .iter()
        .filter(|(k, v)| k.as_str() != migrations::SCHEMA_FILE && files_after.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    if let Some((sqlite, postgres)) = dry {
        for (d, shown) in [(Dialect::Sqlite, sqlite), (Dialect::Postgres, postgres)] {
            let file = format!("{}/{version:04}_{}.sql", d.dir_name(), step.name());
            let written = files_after.get(&file).map(|b| String::from_utf8_lossy(b).into_owned());
            if written.as_deref() != Some(shown.as_str()) {
                failures.push(format!(
                    "{ctx}: make --dry-run showed other {d} SQL than make wrote to {file}:\n--- shown ---\n{shown}\n\
                     --- written ---\n{}",
                    written.unwrap_or_else(|| "(nothing)".to_owned())
                ));
            }
        }
    }
    if new != expected_new || !rewritten.is_empty() {
        failures.push(format!(
            "{ctx}: make should add exactly {expected_new:?} and change no earlier migration; added {new:?}, \
             changed or deleted {rewritten:?}"
        ));
    }

    // A second make writes nothing.
    match make(&spec, dir, None, !lost.is_empty(), false) {
        Ok(Made::UpToDate { latest }) if latest == version => {}
        other => failures.push(format!("{ctx}: a second make should find nothing to do, got {other:?}")),
    }
    let wrote = describe_listing_change(&files_after, &listing(dir));
    if !wrote.is_empty() {
        failures.push(format!("{ctx}: the second make wrote files:\n{wrote}"));
    }
    match migrations::status(&spec, dir) {
        Ok(Status::UpToDate { latest }) if latest == version => {}
        other => failures.push(format!("{ctx}: after make, status should be up to date, got {other:?}")),
    }

    // Apply, as the server does: every migration embedded, the new one pending.
    for stmt in step.preparation() {
        execute(db, &stmt).await.map_err(|e| format!("{ctx}: preparing the rows: {e}"))?;
    }
    let before = read_data(db).await.map_err(|e| format!("{ctx}: reading rows before: {e}"))?;
    let sequences_before = read_sequences(db).await.map_err(|e| format!("{ctx}: {e}"))?;
    db.migrate(&embedded(dir))
        .await
        .map_err(|e| format!("{ctx}: applying the migration failed: {e}\n{}", migration_text(dir, dialect, version)))?;
    let applied = db.applied_migrations().await.map_err(|e| format!("{ctx}: {e}"))?;
    if applied != (1..=version).collect::<Vec<_>>() {
        failures.push(format!("{ctx}: applied migrations should be 1..={version}, are {applied:?}"));
    }
    let sql = migration_text(dir, dialect, version);

    // (a) Rows survive.
    let after = read_data(db).await.map_err(|e| format!("{ctx}: reading rows after: {e}"))?;
    let diff = data_diff(&expected_data(&before, step.changes), &after);
    if !diff.is_empty() {
        failures.push(format!("{ctx}: the rows after the migration are not the rows before it:\n{diff}\n{sql}"));
    }
    let sequences = read_sequences(db).await.map_err(|e| format!("{ctx}: {e}"))?;
    for (table, want) in expected_sequences(&sequences_before, step.changes) {
        let got = sequences.get(&table);
        if got != Some(&want) {
            failures.push(format!(
                "{ctx}: the id sequence of {table} stood at {} before the migration and at {} after it (deleted \
                 ids could be given out again)\n{sql}",
                text(&want),
                got.map_or("(none)", text)
            ));
        }
    }
    if dialect == Dialect::Sqlite {
        let broken = fetch(db, "SELECT \"table\", CAST(rowid AS TEXT), parent FROM pragma_foreign_key_check").await?;
        if !broken.is_empty() {
            failures.push(format!("{ctx}: foreign_key_check finds dangling references: {broken:?}\n{sql}"));
        }
    }

    // (b) The schema is the one a fresh database gets from this spec.
    let migrated = introspect(db).await.map_err(|e| format!("{ctx}: {e}"))?;
    let fresh = fresh_schema(&spec, dialect, ctx).await?;
    if i == 0 {
        let blind: Vec<&&str> =
            sanity_needles(dialect).iter().filter(|n| !fresh.iter().any(|l| l.contains(**n))).collect();
        if !blind.is_empty() {
            let all: Vec<&String> = fresh.iter().collect();
            failures.push(format!("{ctx}: introspection does not see {blind:?}; it sees:\n{all:#?}"));
        }
    }
    if previous_fresh.as_ref() == Some(&fresh) {
        failures.push(format!("{ctx}: fixture: this spec version has the same schema as the previous one"));
    }
    let diff = schema_diff(&migrated, &fresh);
    if !diff.is_empty() {
        failures
            .push(format!("{ctx}: the migrated schema differs from the schema created from scratch:\n{diff}\n{sql}"));
    }
    *previous_fresh = Some(fresh);

    // Rows for the next step, in every table.
    for stmt in seed(version as usize) {
        execute(db, &stmt).await.map_err(|e| format!("{ctx}: inserting rows after the migration: {e}"))?;
    }
    Ok(())
}

#[tokio::test]
async fn walk_sqlite() {
    walk(Dialect::Sqlite).await;
}

#[tokio::test]
async fn walk_postgres() {
    walk(Dialect::Postgres).await;
}

/// The fixture is what the walk assumes: every version loads, derives a schema, and differs from the one
/// before; and the SQLite constraint parser reads the shapes the DDL writes.
#[test]
fn fixtures_and_parser() {
    use charter_codegen::sql::Schema;
    let mut previous: Option<Schema> = None;
    for step in STEPS {
        let schema = Schema::from_spec(&load(step)).unwrap_or_else(|e| panic!("{}: {e}", step.dir));
        assert_ne!(previous.as_ref(), Some(&schema), "{}: no schema change", step.dir);
        previous = Some(schema);
    }
    let sql = r#"CREATE TABLE "t" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "a" TEXT NOT NULL DEFAULT 'x, CONSTRAINT y',
    "b" INTEGER CONSTRAINT "ck_t_b_min" CHECK ("b" >= 0),
    CONSTRAINT "uq_t_a" UNIQUE ("a"),
    CONSTRAINT "ck_t_a_values" CHECK ("a" IN ('x', 'y,z'))
)"#;
    assert_eq!(
        named_constraints(sql),
        vec![
            ("ck_t_b_min".to_owned(), "CHECK (\"b\" >= 0)".to_owned()),
            ("uq_t_a".to_owned(), "UNIQUE (\"a\")".to_owned()),
            ("ck_t_a_values".to_owned(), "CHECK (\"a\" IN ('x', 'y,z'))".to_owned()),
        ]
    );
}
