//! Incremental migrations on real databases (SQLite in memory, then PostgreSQL): `make` writes them from
//! one spec version to the next, they are applied to a database holding rows, and then the rows are
//! still there and the schema is the one a fresh database gets from the new spec. Failing migrations
//! leave the database as it was.

mod sql_support;

use std::path::Path;

use charter_codegen::sql::Dialect;
use charter_codegen::sql::migrations::MakeOptions;
use sql_support::{Db, make, on_both};
use sqlx::error::ErrorKind;

const BLOG: &str = r#"
app: core
models:
  User:
    table: users
    fields:
      email: { type: string, max_length: 255, unique: true }
      name: { type: string, max_length: 100, optional: true }
      age: { type: int, optional: true }
  Tag:
    table: tags
    fields:
      label: { type: string, max_length: 64, unique: true }
  Article:
    table: articles
    fields:
      title: { type: string, max_length: 200 }
      views: { type: int, default: 0 }
      author: { belongs_to: User, on_delete: cascade }
      tags: { many_to_many: Tag }
"#;

const ACK: MakeOptions = MakeOptions { allow_destructive: true, dry_run: false };

fn edit(edits: &[(&str, &str)]) -> String {
    let mut s = BLOG.to_owned();
    for (from, to) in edits {
        assert!(s.contains(from), "{from:?} is not in the spec");
        s = s.replacen(from, to, 1);
    }
    s
}

/// Migrations of `BLOG` applied, with three users (the third deleted, so that the id counter is ahead
/// of the rows), a tag, two articles and a tag link.
async fn blog(db: &mut Db, dir: &Path) {
    make(BLOG, dir, MakeOptions::default()).unwrap();
    db.apply(dir).await.unwrap();
    db.ok(r#"INSERT INTO "users" ("email", "name", "age") VALUES ('a@x.io', 'ann', 30), ('b@x.io', NULL, NULL), ('c@x.io', 'cy', 1)"#).await;
    db.ok(r#"DELETE FROM "users" WHERE "email" = 'c@x.io'"#).await;
    db.ok(r#"INSERT INTO "tags" ("label") VALUES ('rust')"#).await;
    db.ok(r#"INSERT INTO "articles" ("title", "author_id") VALUES ('hello', 1), ('bye', 2)"#).await;
    db.ok(r#"INSERT INTO "articles_tags" ("article_id", "tag_id") VALUES (1, 1)"#).await;
}

/// Writes the migration to `core` and applies it.
async fn step(db: &mut Db, dir: &Path, core: &str, options: MakeOptions) -> Result<(), String> {
    make(core, dir, options).map_err(|e| e.to_string())?;
    db.apply(dir).await
}

/// The migrated schema is the one a fresh database gets from `core` alone.
async fn assert_like_fresh(db: &mut Db, core: &str) {
    let tmp = tempfile::tempdir().unwrap();
    make(core, tmp.path(), MakeOptions::default()).unwrap();
    let mut fresh = db.another().await;
    fresh.apply(tmp.path()).await.unwrap();
    let (migrated, fresh) = (db.schema().await, fresh.schema().await);
    let missing: Vec<&String> = fresh.iter().filter(|l| !migrated.contains(l)).collect();
    let extra: Vec<&String> = migrated.iter().filter(|l| !fresh.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{}: migrated schema lacks {missing:#?}\nand has {extra:#?}",
        db.dialect()
    );
}

#[test]
fn rename_table_column_and_join_table_keep_every_row() {
    on_both("rename_table_column_and_join_table_keep_every_row", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        blog(db, tmp.path()).await;
        let articles = db.rows("articles", &["id", "title", "views", "author_id"]).await;
        let users = db.rows("users", &["id", "email", "age"]).await;

        let v2 = edit(&[
            ("  Article:\n    table: articles\n", "  Post:\n    table: posts\n    renamed_from: articles\n"),
            (
                "      title: { type: string, max_length: 200 }\n",
                "      headline: { type: string, max_length: 200, renamed_from: title }\n",
            ),
            (
                "      age: { type: int, optional: true }\n",
                "      years: { type: int, optional: true, renamed_from: age }\n",
            ),
        ]);
        step(db, tmp.path(), &v2, MakeOptions::default()).await.unwrap();
        assert_eq!(db.rows("posts", &["id", "headline", "views", "author_id"]).await, articles);
        assert_eq!(db.rows("users", &["id", "email", "years"]).await, users);
        assert_eq!(db.rows("posts_tags", &["post_id", "tag_id"]).await, ["1|1"]);
        assert_like_fresh(db, &v2).await;

        // The keys still work, under their new names.
        db.fails(
            r#"INSERT INTO "posts" ("headline", "author_id") VALUES ('x', 99)"#,
            ErrorKind::ForeignKeyViolation,
            Some("fk_posts_author_id"),
        )
        .await;
        db.ok(r#"DELETE FROM "users" WHERE "id" = 1"#).await;
        assert_eq!(db.count(r#"SELECT count(*) FROM "posts""#).await, 1);
        assert_eq!(db.count(r#"SELECT count(*) FROM "posts_tags""#).await, 0);
    });
}

#[test]
fn widening_types_keeps_values_and_takes_larger_ones() {
    on_both("widening_types_keeps_values_and_takes_larger_ones", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        blog(db, tmp.path()).await;
        let users = db.rows("users", &["id", "name", "age"]).await;
        let v2 = edit(&[
            ("      age: { type: int, optional: true }\n", "      age: { type: bigint, optional: true }\n"),
            ("name: { type: string, max_length: 100, optional: true }", "name: { type: text, optional: true }"),
        ]);
        step(db, tmp.path(), &v2, MakeOptions::default()).await.unwrap();
        assert_eq!(db.rows("users", &["id", "name", "age"]).await, users);
        assert_like_fresh(db, &v2).await;
        let long = "n".repeat(500);
        db.ok(&format!(r#"INSERT INTO "users" ("email", "name", "age") VALUES ('d@x.io', '{long}', 5000000000)"#))
            .await;
        // An int-only widening changes nothing in SQLite (both are INTEGER): its file has no statement.
        let v3 = v2.replace("      views: { type: int, default: 0 }\n", "      views: { type: bigint, default: 0 }\n");
        step(db, tmp.path(), &v3, MakeOptions::default()).await.unwrap();
        assert_like_fresh(db, &v3).await;
    });
}

#[test]
fn unique_applies_to_unique_data_and_fails_cleanly_on_duplicates() {
    on_both("unique_applies_to_unique_data_and_fails_cleanly_on_duplicates", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        blog(db, tmp.path()).await;
        let v2 = edit(&[(
            "      tags: { many_to_many: Tag }\n",
            "      tags: { many_to_many: Tag }\n    unique_together: [[author, title]]\n",
        )]);
        let refused = step(db, tmp.path(), &v2, MakeOptions::default()).await.unwrap_err();
        assert!(refused.contains("add unique `uq_articles_author_id_title`"), "{refused}");
        step(db, tmp.path(), &v2, ACK).await.unwrap();
        assert_like_fresh(db, &v2).await;
        db.fails(
            r#"INSERT INTO "articles" ("title", "author_id") VALUES ('hello', 1)"#,
            ErrorKind::UniqueViolation,
            Some("uq_articles_author_id_title"),
        )
        .await;

        // Duplicates: the migration (a rename, then the unique) fails as a whole.
        db.ok(r#"INSERT INTO "users" ("email", "name") VALUES ('e@x.io', 'ann')"#).await;
        let before = (db.schema().await, db.rows("users", &["id", "email", "name"]).await);
        let v3 = v2
            .replace(
                "name: { type: string, max_length: 100, optional: true }",
                "name: { type: string, max_length: 100, optional: true, unique: true }",
            )
            .replace("age: { type: int, optional: true }", "years: { type: int, optional: true, renamed_from: age }");
        let err = step(db, tmp.path(), &v3, ACK).await.unwrap_err();
        assert!(err.contains("uq_users_name") || err.contains("UNIQUE"), "{err}");
        assert_eq!((db.schema().await, db.rows("users", &["id", "email", "name"]).await), before);
        if db.dialect() == Dialect::Sqlite {
            assert_eq!(db.count("PRAGMA foreign_keys").await, 1);
        }
    });
}

#[test]
fn required_columns_take_their_backfill() {
    on_both("required_columns_take_their_backfill", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        blog(db, tmp.path()).await;
        let v2 = edit(&[
            (
                "name: { type: string, max_length: 100, optional: true }",
                "name: { type: string, max_length: 100, backfill: someone }",
            ),
            (
                "      age: { type: int, optional: true }\n",
                "      age: { type: int, optional: true }\n      handle: { type: string, min_length: 2, backfill: anon }\n      karma: { type: int, default: 7 }\n",
            ),
        ]);
        step(db, tmp.path(), &v2, MakeOptions::default()).await.unwrap();
        assert_eq!(db.rows("users", &["id", "name", "handle", "karma"]).await, ["1|ann|anon|7", "2|someone|anon|7"]);
        assert_like_fresh(db, &v2).await;
        // The backfill was for existing rows only: new ones must say.
        db.fails(
            r#"INSERT INTO "users" ("email", "name") VALUES ('f@x.io', 'fay')"#,
            ErrorKind::NotNullViolation,
            None,
        )
        .await;
    });
}

#[test]
fn rebuilt_tables_keep_their_rows_their_children_and_their_id_counter() {
    on_both("rebuilt_tables_keep_their_rows_their_children_and_their_id_counter", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        blog(db, tmp.path()).await;
        let (users, articles) =
            (db.rows("users", &["id", "email"]).await, db.rows("articles", &["id", "title", "author_id"]).await);
        // SQLite rebuilds `users` (a new check, a bool column) while `articles` cascade from it.
        let v2 = edit(&[(
            "      age: { type: int, optional: true }\n",
            "      age: { type: int, optional: true, min: 0 }\n      admin: { type: bool, default: false }\n",
        )]);
        step(db, tmp.path(), &v2, ACK).await.unwrap();
        if db.dialect() == Dialect::Sqlite {
            let sql = std::fs::read_to_string(tmp.path().join("sqlite/0002_add_users_admin.sql")).unwrap();
            assert!(sql.starts_with("-- no-transaction\n") && sql.contains("CREATE TABLE \"users__new\""), "{sql}");
        }
        assert_eq!(db.rows("users", &["id", "email"]).await, users);
        assert_eq!(
            db.rows("articles", &["id", "title", "author_id"]).await,
            articles,
            "children were not cascaded away"
        );
        assert_eq!(db.rows("articles_tags", &["article_id", "tag_id"]).await, ["1|1"]);
        assert_like_fresh(db, &v2).await;
        // The deleted user 3's id is not handed out again.
        db.ok(r#"INSERT INTO "users" ("email") VALUES ('g@x.io')"#).await;
        assert_eq!(db.count(r#"SELECT max("id") FROM "users""#).await, 4);
        db.fails(
            r#"INSERT INTO "users" ("email", "age") VALUES ('h@x.io', -1)"#,
            ErrorKind::CheckViolation,
            Some("ck_users_age_min"),
        )
        .await;
        // Foreign keys are enforced again, cascades included.
        db.ok(r#"DELETE FROM "users" WHERE "id" = 1"#).await;
        assert_eq!(db.count(r#"SELECT count(*) FROM "articles""#).await, 1);
    });
}

#[test]
fn failing_migration_leaves_the_database_as_it_was() {
    on_both("failing_migration_leaves_the_database_as_it_was", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        let v1 = edit(&[(
            "      views: { type: int, default: 0 }\n",
            "      views: { type: int, default: 0 }\n      owner_id: { type: bigint, optional: true }\n",
        )]);
        make(&v1, tmp.path(), MakeOptions::default()).unwrap();
        db.apply(tmp.path()).await.unwrap();
        db.ok(r#"INSERT INTO "users" ("email") VALUES ('a@x.io')"#).await;
        db.ok(r#"INSERT INTO "articles" ("title", "author_id", "owner_id") VALUES ('ok', 1, 1), ('dangling', 1, 999)"#)
            .await;
        let before = (db.schema().await, db.rows("articles", &["id", "title", "views", "owner_id"]).await);

        // A rename, then a foreign key that row 2 violates: SQLite's rebuild fails its foreign key check,
        // PostgreSQL's ADD CONSTRAINT fails; either way nothing of it stays.
        let v2 = v1
            .replace(
                "      owner_id: { type: bigint, optional: true }\n",
                "      owner: { belongs_to: User, optional: true, on_delete: set_null }\n",
            )
            .replace(
                "      views: { type: int, default: 0 }\n",
                "      hits: { type: int, default: 0, renamed_from: views }\n",
            );
        let err = step(db, tmp.path(), &v2, ACK).await.unwrap_err();
        let expected = if db.dialect() == Dialect::Sqlite { "foreign keys violated" } else { "fk_articles_owner_id" };
        assert!(err.contains(expected), "{err}");
        assert_eq!((db.schema().await, db.rows("articles", &["id", "title", "views", "owner_id"]).await), before);
        if db.dialect() == Dialect::Sqlite {
            assert_eq!(db.count("PRAGMA foreign_keys").await, 1);
        }

        // With the data fixed, the same migration applies.
        db.ok(r#"UPDATE "articles" SET "owner_id" = NULL WHERE "owner_id" = 999"#).await;
        db.apply(tmp.path()).await.unwrap();
        assert_eq!(db.rows("articles", &["id", "hits", "owner_id"]).await, ["1|0|1", "2|0|NULL"]);
        assert_like_fresh(db, &v2).await;
    });
}

#[test]
fn narrowing_fails_on_values_that_do_not_fit() {
    on_both("narrowing_fails_on_values_that_do_not_fit", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        let v1 = edit(&[("age: { type: int, optional: true }", "age: { type: bigint, optional: true }")]);
        make(&v1, tmp.path(), MakeOptions::default()).unwrap();
        db.apply(tmp.path()).await.unwrap();
        db.ok(r#"INSERT INTO "users" ("email", "age") VALUES ('a@x.io', 5000000000)"#).await;
        let before = (db.schema().await, db.rows("users", &["id", "age"]).await);
        let err = step(db, tmp.path(), BLOG, MakeOptions::default()).await.unwrap_err();
        assert!(err.contains("narrow `users.age` from bigint to int"), "{err}");
        let err = step(db, tmp.path(), BLOG, ACK).await.unwrap_err();
        let expected =
            if db.dialect() == Dialect::Sqlite { "users.age holds values that are not int" } else { "out of range" };
        assert!(err.contains(expected), "{err}");
        assert_eq!((db.schema().await, db.rows("users", &["id", "age"]).await), before);
        db.ok(r#"UPDATE "users" SET "age" = 50"#).await;
        db.apply(tmp.path()).await.unwrap();
        assert_eq!(db.rows("users", &["id", "age"]).await, ["1|50"]);
        assert_like_fresh(db, BLOG).await;
    });
}

#[test]
fn dropping_a_model_and_a_column_with_ack_keeps_the_rest() {
    on_both("dropping_a_model_and_a_column_with_ack_keeps_the_rest", async |db: &mut Db| {
        let tmp = tempfile::tempdir().unwrap();
        blog(db, tmp.path()).await;
        let articles = db.rows("articles", &["id", "title", "author_id"]).await;
        let v2 = edit(&[
            ("  Tag:\n    table: tags\n    fields:\n      label: { type: string, max_length: 64, unique: true }\n", ""),
            ("      tags: { many_to_many: Tag }\n", ""),
            ("      age: { type: int, optional: true }\n", ""),
        ]);
        let refused = step(db, tmp.path(), &v2, MakeOptions::default()).await.unwrap_err();
        for lost in [
            "drop table `articles_tags` and all its rows",
            "drop table `tags` and all its rows",
            "drop column `users.age` and every value in it",
        ] {
            assert!(refused.contains(lost), "{refused}");
        }
        step(db, tmp.path(), &v2, ACK).await.unwrap();
        assert_eq!(db.rows("articles", &["id", "title", "author_id"]).await, articles);
        assert_eq!(db.rows("users", &["id", "email"]).await, ["1|a@x.io", "2|b@x.io"]);
        assert_like_fresh(db, &v2).await;
    });
}
