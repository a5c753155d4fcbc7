//! The generated migrations on real databases: `make` writes them, sqlx's migrator applies them on
//! PostgreSQL (which also proves the file layout is what sqlx expects), and inserts that break a NOT NULL, UNIQUE, FOREIGN
//! KEY or CHECK rule must fail with the named constraint, while cascades and SET NULL do their work.
//!
//! SQLite runs in memory; PostgreSQL in a database of its own per test (see `sql_support`).

mod sql_support;

use charter_codegen::sql::Dialect;
use charter_codegen::sql::migrations::{self, MakeOptions};
use charter_spec::Spec;
use sql_support::{Db, load_dir, on_both};
use sqlx::error::ErrorKind;

fn example() -> Spec {
    load_dir("../generated-example/spec")
}

fn kitchen() -> Spec {
    load_dir("tests/fixtures/sql/kitchen")
}

/// Writes the spec's migrations with `make` and applies them (PostgreSQL: with sqlx's own migrator).
async fn migrate(db: &mut Db, spec: &Spec) {
    let tmp = tempfile::tempdir().unwrap();
    migrations::make(spec, tmp.path(), None, &MakeOptions::default()).unwrap();
    assert_eq!(sql_support::files(tmp.path(), db.dialect()).len(), 1);
    db.apply(tmp.path()).await.unwrap_or_else(|e| panic!("{} migration failed: {e}", db.dialect()));
}

async fn example_rules(db: &mut Db) {
    db.ok(r#"INSERT INTO "users" ("email", "username", "password_hash") VALUES ('a@x.io', 'alice', 'h')"#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "users" WHERE "created_at" IS NOT NULL AND "id" = 1"#).await, 1);

    db.fails(
        r#"INSERT INTO "users" ("email", "username") VALUES ('b@x.io', 'bob')"#,
        ErrorKind::NotNullViolation,
        None,
    )
    .await;
    db.fails(
        r#"INSERT INTO "users" ("email", "username", "password_hash") VALUES ('a@x.io', 'alice2', 'h')"#,
        ErrorKind::UniqueViolation,
        Some("uq_users_email"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "users" ("email", "username", "password_hash") VALUES ('c@x.io', '', 'h')"#,
        ErrorKind::CheckViolation,
        Some("ck_users_username_min_length"),
    )
    .await;
    let long_bio = "b".repeat(4097);
    db.fails(
        &format!(r#"INSERT INTO "users" ("email", "username", "password_hash", "bio") VALUES ('d@x.io', 'dan', 'h', '{long_bio}')"#),
        ErrorKind::CheckViolation,
        Some("ck_users_bio_max_length"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "articles" ("slug", "title", "description", "body", "author_id") VALUES ('s', 't', 'd', 'b', 999)"#,
        ErrorKind::ForeignKeyViolation,
        Some("fk_articles_author_id"),
    )
    .await;

    db.ok(r#"INSERT INTO "articles" ("slug", "title", "description", "body", "author_id")
             SELECT 'hello', 'Hello', 'd', 'b', "id" FROM "users" WHERE "username" = 'alice'"#)
        .await;
    db.ok(r#"INSERT INTO "tags" ("name") VALUES ('rust')"#).await;
    let link = r#"INSERT INTO "articles_tags" ("article_id", "tag_id")
                  SELECT a."id", t."id" FROM "articles" a, "tags" t WHERE a."slug" = 'hello' AND t."name" = 'rust'"#;
    db.ok(link).await;
    db.fails(link, ErrorKind::UniqueViolation, Some("articles_tags_pkey")).await;

    // Deleting the author removes the article (cascade), and its tag links with it; the tag stays.
    db.ok(r#"DELETE FROM "users" WHERE "username" = 'alice'"#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "articles""#).await, 0);
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "articles_tags""#).await, 0);
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "tags""#).await, 1);
}

async fn kitchen_rules(db: &mut Db) {
    db.ok(r#"INSERT INTO "user" ("email") VALUES ('u@x.io')"#).await;
    assert_eq!(
        db.count(r#"SELECT COUNT(*) FROM "user" WHERE "active" = TRUE AND "karma" = 0 AND "role" = 'member'"#).await,
        1
    );
    if db.dialect() == Dialect::Sqlite {
        db.fails(
            r#"INSERT INTO "user" ("email", "active") VALUES ('v@x.io', 2)"#,
            ErrorKind::CheckViolation,
            Some("ck_user_active_bool"),
        )
        .await;
    }
    db.fails(
        r#"INSERT INTO "user" ("email", "role") VALUES ('v@x.io', 'boss')"#,
        ErrorKind::CheckViolation,
        Some("ck_user_role_values"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "user" ("email", "karma") VALUES ('v@x.io', 1001)"#,
        ErrorKind::CheckViolation,
        Some("ck_user_karma_max"),
    )
    .await;
    db.fails(
        r#"INSERT INTO "user" ("email", "karma") VALUES ('v@x.io', -1)"#,
        ErrorKind::CheckViolation,
        Some("ck_user_karma_min"),
    )
    .await;

    let follow = r#"INSERT INTO "user_following" ("user_id", "following_id") SELECT "id", "id" FROM "user""#;
    db.ok(follow).await;
    db.fails(follow, ErrorKind::UniqueViolation, Some("user_following_pkey")).await;

    db.ok(r#"INSERT INTO "shop_coupon" ("quantity") VALUES (5)"#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "shop_coupon" WHERE "label" = 'it''s free'"#).await, 1);
    db.fails(
        r#"INSERT INTO "shop_coupon" ("quantity") VALUES (0)"#,
        ErrorKind::CheckViolation,
        Some("ck_shop_coupon_quantity_min"),
    )
    .await;

    let order = |id: &str, code: &str| {
        format!(
            r#"INSERT INTO "order" ("id", "buyer_id", "coupon_id", "placed_on", "meta", "code", "status")
               SELECT '{id}', u."id", c."id", '2026-11-21', '{{"gift": true}}', '{code}', 'open'
               FROM "user" u, "shop_coupon" c"#
        )
    };
    db.ok(&order("00000000-0000-4000-8000-000000000001", "ABC")).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "order" WHERE "total" = 0.5"#).await, 1);
    db.fails(
        &order("00000000-0000-4000-8000-000000000002", "ABC"),
        ErrorKind::UniqueViolation,
        Some("uq_order_buyer_id_code"),
    )
    .await;
    db.fails(
        &order("00000000-0000-4000-8000-000000000003", "AB"),
        ErrorKind::CheckViolation,
        Some("ck_order_code_min_length"),
    )
    .await;
    db.fails(&order("00000000-0000-4000-8000-000000000001", "XYZ"), ErrorKind::UniqueViolation, Some("order_pkey"))
        .await;
    db.ok(r#"INSERT INTO "order_items" ("order_id", "sku") VALUES ('00000000-0000-4000-8000-000000000001', 'sku-1')"#)
        .await;

    // SET NULL: the order outlives its coupon.
    db.ok(r#"DELETE FROM "shop_coupon""#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "order" WHERE "coupon_id" IS NULL"#).await, 1);
    // RESTRICT: a buyer with orders cannot go.
    db.fails(r#"DELETE FROM "user""#, ErrorKind::ForeignKeyViolation, Some("fk_order_buyer_id")).await;
    // CASCADE: items go with their order, follows with their user.
    db.ok(r#"DELETE FROM "order""#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "order_items""#).await, 0);
    db.ok(r#"DELETE FROM "user""#).await;
    assert_eq!(db.count(r#"SELECT COUNT(*) FROM "user_following""#).await, 0);
}

#[test]
fn example_applies_and_enforces() {
    on_both("example_applies_and_enforces", async |db: &mut Db| {
        migrate(db, &example()).await;
        example_rules(db).await;
    });
}

#[test]
fn kitchen_applies_and_enforces() {
    on_both("kitchen_applies_and_enforces", async |db: &mut Db| {
        migrate(db, &kitchen()).await;
        kitchen_rules(db).await;
    });
}
