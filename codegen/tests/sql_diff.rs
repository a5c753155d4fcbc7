//! The diff engine on small spec edits, one kind of step each: the steps `diff` finds (asserted here)
//! and the SQL of both dialects (snapshots, accept changes with
//! `INSTA_UPDATE=always cargo test -p charter-codegen --test sql_diff`); then what `make` does with them:
//! refusals, dry runs, names, never rewriting. `sql_migrate.rs` applies them to real databases.

mod sql_support;

use charter_codegen::sql::migrations::{Made, MakeOptions, MigrationError};
use charter_codegen::sql::{Dialect, Op, Schema, diff, render, review};
use sql_support::{make, spec};

/// Users and their articles; every case edits it.
const BASE: &str = r#"
app: core
models:
  User:
    table: users
    fields:
      email: { type: string, max_length: 255, unique: true }
      name: { type: string, max_length: 100, optional: true }
      age: { type: int, optional: true }
  Article:
    table: articles
    mixins: [timestamps]
    fields:
      title: { type: string, max_length: 200 }
      views: { type: int, default: 0 }
      author: { belongs_to: User, on_delete: cascade }
    indexes: [[title]]
"#;

fn schema(core: &str) -> Schema {
    Schema::from_spec(&spec(core)).unwrap_or_else(|e| panic!("{e}"))
}

/// `BASE` with each `(from, to)` replaced (each must occur).
fn edit(edits: &[(&str, &str)]) -> String {
    let mut s = BASE.to_owned();
    for (from, to) in edits {
        assert!(s.contains(from), "{from:?} is not in the base spec");
        s = s.replacen(from, to, 1);
    }
    s
}

/// The steps from `old` to `new` as lines, and both dialects' SQL for the snapshot.
fn case(old: &str, new: &str) -> (Vec<String>, String) {
    let (old, new) = (schema(old), schema(new));
    let ops = diff(&old, &new);
    let lines = ops.iter().map(ToString::to_string).collect();
    let mut sql = String::new();
    for d in Dialect::ALL {
        let script = render(&ops, &new, d);
        sql.push_str(&format!("==> {d} (no transaction: {}) <==\n", script.no_transaction));
        for b in &script.blocks {
            sql.push_str(b);
            sql.push_str("\n\n");
        }
    }
    (lines, sql)
}

macro_rules! case {
    ($name:ident, $old:expr, $new:expr, [$($step:expr),* $(,)?]) => {
        #[test]
        fn $name() {
            let (steps, sql) = case(&$old, &$new);
            let expected: Vec<String> = vec![$($step.to_string()),*];
            assert_eq!(steps, expected);
            insta::assert_snapshot!(stringify!($name), sql);
        }
    };
}

const TAG: &str = "  Tag:\n    table: tags\n    fields:\n      name: { type: string, max_length: 64, unique: true }\n";

case!(create_table, BASE, format!("{BASE}{TAG}"), ["create table `tags` (2 columns)"]);

case!(drop_table, format!("{BASE}{TAG}"), BASE, ["drop table `tags`"]);

case!(
    rename_table,
    BASE,
    edit(&[("    table: articles\n", "    table: posts\n    renamed_from: articles\n")]),
    [
        "rename table `articles` to `posts`",
        "rename constraint `fk_articles_author_id` of `posts` to `fk_posts_author_id`",
        "rename constraint `ck_articles_title_max_length` of `posts` to `ck_posts_title_max_length`",
        "rename index `ix_articles_author_id` of `posts` to `ix_posts_author_id`",
        "rename index `ix_articles_title` of `posts` to `ix_posts_title`",
    ]
);

case!(
    add_nullable_column,
    BASE,
    edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      bio: { type: text, optional: true }\n"
    )]),
    ["add column `users.bio` (text, null)"]
);

case!(
    add_column_with_default,
    BASE,
    edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      karma: { type: int, default: 0, min: 0 }\n"
    )]),
    ["add column `users.karma` (int, not null, default 0)", "add check `ck_users_karma_min` to `users` (`karma` >= 0)"]
);

case!(
    add_required_column_with_backfill,
    BASE,
    edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      handle: { type: string, backfill: anonymous }\n"
    )]),
    ["add column `users.handle` (string, not null, backfill \"anonymous\")"]
);

case!(
    add_bool_column,
    BASE,
    edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      admin: { type: bool, default: false }\n"
    )]),
    ["add column `users.admin` (bool, not null, default false)"]
);

case!(
    add_timestamps,
    BASE,
    edit(&[("    table: users\n", "    table: users\n    mixins: [timestamps]\n")]),
    [
        "add column `users.created_at` (datetime, not null, default now)",
        "add column `users.updated_at` (datetime, not null, default now)"
    ]
);

case!(drop_column, BASE, edit(&[("      age: { type: int, optional: true }\n", "")]), ["drop column `users.age`"]);

case!(
    drop_constrained_column,
    BASE,
    edit(&[("      name: { type: string, max_length: 100, optional: true }\n", "")]),
    ["drop check `ck_users_name_max_length` of `users`", "drop column `users.name`"]
);

case!(
    rename_column,
    BASE,
    edit(&[(
        "      age: { type: int, optional: true }\n",
        "      years: { type: int, optional: true, renamed_from: age }\n"
    )]),
    ["rename column `users.age` to `years`"]
);

case!(
    rename_constrained_column,
    BASE,
    edit(&[(
        "      name: { type: string, max_length: 100, optional: true }\n",
        "      nickname: { type: string, max_length: 100, optional: true, renamed_from: name }\n"
    )]),
    [
        "rename column `users.name` to `nickname`",
        "rename constraint `ck_users_name_max_length` of `users` to `ck_users_nickname_max_length`",
    ]
);

case!(
    rename_belongs_to,
    BASE,
    edit(&[(
        "      author: { belongs_to: User, on_delete: cascade }\n",
        "      writer: { belongs_to: User, on_delete: cascade, renamed_from: author }\n"
    )]),
    [
        "rename column `articles.author_id` to `writer_id`",
        "rename constraint `fk_articles_author_id` of `articles` to `fk_articles_writer_id`",
        "rename index `ix_articles_author_id` of `articles` to `ix_articles_writer_id`",
    ]
);

case!(
    widen_types,
    BASE,
    edit(&[
        ("      age: { type: int, optional: true }\n", "      age: { type: bigint, optional: true }\n"),
        (
            "      name: { type: string, max_length: 100, optional: true }\n",
            "      name: { type: string, max_length: 150, optional: true }\n"
        ),
    ]),
    [
        "alter column `users.name`: string(100) -> string(150)",
        "alter column `users.age`: int -> bigint",
        "alter check `ck_users_name_max_length` of `users`: `name` length <= 100 -> length <= 150",
    ]
);

case!(
    widen_int_to_bigint,
    BASE,
    edit(&[("      age: { type: int, optional: true }\n", "      age: { type: bigint, optional: true }\n")]),
    ["alter column `users.age`: int -> bigint"]
);

case!(
    narrow_types,
    BASE,
    edit(&[
        ("      age: { type: int, optional: true }\n", "      age: { type: string, optional: true }\n"),
        ("      title: { type: string, max_length: 200 }\n", "      title: { type: string, max_length: 50 }\n"),
        ("      views: { type: int, default: 0 }\n", "      views: { type: bool, default: false }\n"),
    ]),
    [
        "alter column `users.age`: int -> string",
        "alter column `articles.title`: string(200) -> string(50)",
        "alter column `articles.views`: int -> bool, default 0 -> false",
        "alter check `ck_articles_title_max_length` of `articles`: `title` length <= 200 -> length <= 50",
    ]
);

case!(
    make_required_with_backfill,
    BASE,
    edit(&[(
        "      name: { type: string, max_length: 100, optional: true }\n",
        "      name: { type: string, max_length: 100, backfill: someone }\n"
    )]),
    ["alter column `users.name`: null -> not null"]
);

case!(
    make_optional_and_change_default,
    BASE,
    edit(&[
        (
            "      title: { type: string, max_length: 200 }\n",
            "      title: { type: string, max_length: 200, optional: true }\n"
        ),
        ("      views: { type: int, default: 0 }\n", "      views: { type: int, default: 1 }\n"),
    ]),
    ["alter column `articles.title`: not null -> null", "alter column `articles.views`: default 0 -> 1"]
);

case!(
    add_unique,
    BASE,
    edit(&[(
        "      name: { type: string, max_length: 100, optional: true }\n",
        "      name: { type: string, max_length: 100, optional: true, unique: true }\n"
    )]),
    ["add unique `uq_users_name` to `users` (name)"]
);

case!(
    drop_unique_add_index,
    BASE,
    edit(&[(
        "      email: { type: string, max_length: 255, unique: true }\n",
        "      email: { type: string, max_length: 255, index: true }\n"
    )]),
    ["drop unique `uq_users_email` of `users`", "add index `ix_users_email` to `users` (email)"]
);

case!(
    add_check,
    BASE,
    edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true, min: 0, max: 150 }\n"
    )]),
    ["add check `ck_users_age_min` to `users` (`age` >= 0)", "add check `ck_users_age_max` to `users` (`age` <= 150)"]
);

case!(
    multi_column_index,
    BASE,
    edit(&[("    indexes: [[title]]\n", "    indexes: [[title], [author, created_at]]\n")]),
    [
        "drop index `ix_articles_author_id` of `articles`",
        "add index `ix_articles_author_id_created_at` to `articles` (author_id, created_at)",
    ]
);

case!(drop_index, BASE, edit(&[("    indexes: [[title]]\n", "")]), ["drop index `ix_articles_title` of `articles`"]);

case!(
    add_foreign_key,
    BASE,
    edit(&[(
        "      author: { belongs_to: User, on_delete: cascade }\n",
        "      author: { belongs_to: User, on_delete: cascade }\n      editor: { belongs_to: User, optional: true, on_delete: set_null }\n"
    )]),
    [
        "add column `articles.editor_id` (bigint, null)",
        "add foreign key `fk_articles_editor_id` to `articles` ((editor_id) -> users(id) on delete set null)",
        "add index `ix_articles_editor_id` to `articles` (editor_id)",
    ]
);

case!(
    change_on_delete,
    BASE,
    edit(&[("on_delete: cascade", "on_delete: restrict")]),
    [
        "alter foreign key `fk_articles_author_id` of `articles`: (author_id) -> users(id) on delete cascade -> (author_id) -> users(id) on delete restrict"
    ]
);

const TAGS: &str = "      tags: { many_to_many: Tag }\n";
const AUTHOR: &str = "      author: { belongs_to: User, on_delete: cascade }\n";

case!(
    add_many_to_many,
    format!("{BASE}{TAG}"),
    format!("{}{TAG}", edit(&[(AUTHOR, &format!("{AUTHOR}{TAGS}"))])),
    ["create table `articles_tags` (2 columns)"]
);

case!(
    drop_many_to_many,
    format!("{}{TAG}", edit(&[(AUTHOR, &format!("{AUTHOR}{TAGS}"))])),
    format!("{BASE}{TAG}"),
    ["drop table `articles_tags`"]
);

case!(
    rename_table_and_model_with_many_to_many,
    format!("{}{TAG}", edit(&[(AUTHOR, &format!("{AUTHOR}{TAGS}"))])),
    format!(
        "{}{TAG}",
        edit(&[
            (AUTHOR, &format!("{AUTHOR}{TAGS}")),
            ("  Article:\n    table: articles\n", "  Post:\n    table: posts\n    renamed_from: articles\n"),
        ])
    ),
    [
        "rename table `articles` to `posts`",
        "rename table `articles_tags` to `posts_tags`",
        "rename column `posts_tags.article_id` to `post_id`",
        "rename constraint `fk_articles_author_id` of `posts` to `fk_posts_author_id`",
        "rename constraint `ck_articles_title_max_length` of `posts` to `ck_posts_title_max_length`",
        "rename index `ix_articles_author_id` of `posts` to `ix_posts_author_id`",
        "rename index `ix_articles_title` of `posts` to `ix_posts_title`",
        "rename constraint `fk_articles_tags_article_id` of `posts_tags` to `fk_posts_tags_post_id`",
        "rename constraint `fk_articles_tags_tag_id` of `posts_tags` to `fk_posts_tags_tag_id`",
        "rename index `ix_articles_tags_tag_id` of `posts_tags` to `ix_posts_tags_tag_id`",
    ]
);

// The referenced table goes under another name without `renamed_from` (dropped and created): the key
// of the join table that points at it is dropped before it and added once the new table exists, not
// altered at the end (PostgreSQL refuses to drop a table a key still references).
case!(
    recreate_referenced_table,
    format!("{}{TAG}", edit(&[(AUTHOR, &format!("{AUTHOR}{TAGS}"))])),
    format!("{}{}", edit(&[(AUTHOR, &format!("{AUTHOR}{TAGS}"))]), TAG.replace("table: tags", "table: labels")),
    [
        "drop foreign key `fk_articles_tags_tag_id` of `articles_tags`",
        "drop table `tags`",
        "create table `labels` (2 columns)",
        "add foreign key `fk_articles_tags_tag_id` to `articles_tags` ((tag_id) -> labels(id) on delete cascade)",
    ]
);

const EMAIL: &str = "email: { type: string, max_length: 255, unique: true }";
const EMAIL_CI: &str = "email: { type: string, max_length: 255, unique: case_insensitive }";

// `unique: true` -> `unique: case_insensitive`: the constraint is dropped and a unique index on the
// folded column created (on SQLite the constraint's drop rebuilds the table, which creates the index).
case!(
    unique_becomes_case_insensitive,
    BASE,
    edit(&[(EMAIL, EMAIL_CI)]),
    ["drop unique `uq_users_email` of `users`", "add unique `uq_users_email` to `users` (email, case-insensitive)"]
);

case!(
    case_insensitive_unique_becomes_case_sensitive,
    edit(&[(EMAIL, EMAIL_CI)]),
    BASE,
    ["drop unique `uq_users_email` of `users`", "add unique `uq_users_email` to `users` (email)"]
);

// A renamed table renames its case-insensitive unique index (no SQLite rebuild: it is not in the table).
case!(
    rename_table_with_case_insensitive_unique,
    edit(&[(EMAIL, EMAIL_CI)]),
    edit(&[(EMAIL, EMAIL_CI), ("    table: users\n", "    table: accounts\n    renamed_from: users\n")]),
    [
        "rename table `users` to `accounts`",
        "rename constraint `ck_users_email_max_length` of `accounts` to `ck_accounts_email_max_length`",
        "rename constraint `ck_users_name_max_length` of `accounts` to `ck_accounts_name_max_length`",
        "rename case-insensitive unique `uq_users_email` of `accounts` to `uq_accounts_email`",
    ]
);

// A SQLite rebuild for another change recreates the case-insensitive unique index with the table.
case!(
    rebuild_keeps_case_insensitive_unique,
    edit(&[(EMAIL, EMAIL_CI)]),
    edit(&[(EMAIL, EMAIL_CI), ("age: { type: int, optional: true }", "age: { type: int, optional: true, min: 0 }")]),
    ["add check `ck_users_age_min` to `users` (`age` >= 0)"]
);

#[test]
fn no_change_no_steps_and_column_order_is_not_a_change() {
    assert!(diff(&schema(BASE), &schema(BASE)).is_empty());
    let reordered = edit(&[(
        "      name: { type: string, max_length: 100, optional: true }\n      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      name: { type: string, max_length: 100, optional: true }\n",
    )]);
    assert!(diff(&schema(BASE), &schema(&reordered)).is_empty());
}

#[test]
fn stale_hints_are_ignored() {
    // Once the rename is migrated, the snapshot has the new names; the hints stay in the spec.
    let renamed = edit(&[
        ("    table: articles\n", "    table: posts\n    renamed_from: articles\n"),
        (
            "      age: { type: int, optional: true }\n",
            "      years: { type: int, optional: true, renamed_from: age }\n",
        ),
    ]);
    assert!(diff(&schema(&renamed), &schema(&renamed)).is_empty());
    // A hint naming a table that still exists is no rename.
    let both =
        format!("{BASE}  Post:\n    table: posts\n    renamed_from: articles\n    fields:\n      title: string\n");
    let steps: Vec<String> = diff(&schema(BASE), &schema(&both)).iter().map(ToString::to_string).collect();
    assert_eq!(steps, ["create table `posts` (2 columns)"]);
}

#[test]
fn safety_of_each_step() {
    let steps = |old: &str, new: &str| {
        let r = review(&diff(&schema(old), &schema(new)));
        let messages =
            |steps: Vec<charter_codegen::sql::Step>| steps.into_iter().map(|s| s.message).collect::<Vec<_>>();
        (messages(r.destructive), messages(r.needs_value), messages(r.unsupported))
    };
    let none: Vec<String> = Vec::new();
    let (d, n, u) = steps(BASE, &edit(&[("      age: { type: int, optional: true }\n", "")]));
    assert_eq!((d, &n, &u), (vec!["drop column `users.age` and every value in it".to_owned()], &none, &none));
    let (d, ..) = steps(&format!("{BASE}{TAG}"), BASE);
    assert_eq!(d, ["drop table `tags` and all its rows"]);
    let (d, ..) = steps(
        BASE,
        &edit(&[("      age: { type: int, optional: true }\n", "      age: { type: bigint, optional: true }\n")]),
    );
    assert_eq!(d, none, "widening is safe");
    let narrow = edit(&[(
        "      title: { type: string, max_length: 200 }\n",
        "      title: { type: string, max_length: 50 }\n",
    )]);
    let (d, ..) = steps(BASE, &narrow);
    assert_eq!(
        d,
        [
            "shorten `articles.title` from string(200) to string(50): values longer than 50 characters fail the migration",
            "change check `ck_articles_title_max_length` of `articles` from `title` length <= 200 to length <= 50: rows that violate it fail the migration",
        ]
    );
    let big = edit(&[("      age: { type: int, optional: true }\n", "      age: { type: bigint, optional: true }\n")]);
    let (d, ..) = steps(&big, BASE);
    assert_eq!(d, ["narrow `users.age` from bigint to int: values outside int fail the migration"]);
    let (d, ..) = steps(
        BASE,
        &edit(&[(
            "name: { type: string, max_length: 100, optional: true }",
            "name: { type: string, max_length: 100 }",
        )]),
    );
    assert_eq!(
        d,
        ["make `users.name` NOT NULL without a default or backfill: rows where it is NULL fail the migration"]
    );
    let (d, ..) = steps(
        BASE,
        &edit(&[(
            "name: { type: string, max_length: 100, optional: true }",
            "name: { type: string, max_length: 100, backfill: x }",
        )]),
    );
    assert_eq!(d, none, "a backfill fills the NULLs");
    let (d, ..) = steps(
        BASE,
        &edit(&[(
            "name: { type: string, max_length: 100, optional: true }",
            "name: { type: string, max_length: 100, optional: true, unique: true }",
        )]),
    );
    assert_eq!(
        d,
        ["add unique `uq_users_name` on `users` (name) over existing rows: duplicate values fail the migration"]
    );
    let (d, ..) =
        steps(BASE, &edit(&[("age: { type: int, optional: true }", "age: { type: int, optional: true, min: 0 }")]));
    assert_eq!(
        d,
        [
            "add check `ck_users_age_min` (`age` >= 0) over existing rows of `users`: rows that violate it fail the migration"
        ]
    );
    let (d, ..) = steps(BASE, &edit(&[("max_length: 200", "max_length: 300")]));
    assert_eq!(d, none, "a looser check and a longer string are safe");
    let (d, ..) = steps(BASE, &edit(&[("on_delete: cascade", "on_delete: restrict")]));
    assert_eq!(d, none, "existing rows satisfy the key whatever ON DELETE does");
    // New columns: NULL in every row, so their unique, check and foreign key hold.
    let fresh = edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      code: { type: string, optional: true, unique: true, min_length: 2 }\n      boss: { belongs_to: User, optional: true, on_delete: set_null }\n",
    )]);
    let (d, ..) = steps(BASE, &fresh);
    assert_eq!(d, none);
    // A required column needs a value for the rows already there: not something to acknowledge.
    let (d, n, _) = steps(
        BASE,
        &edit(&[(
            "      age: { type: int, optional: true }\n",
            "      age: { type: int, optional: true }\n      handle: string\n",
        )]),
    );
    assert_eq!((d, n), (none.clone(), vec!["users.handle".to_owned()]));
    let (d, n, u) =
        steps(BASE, &edit(&[("    table: users\n", "    table: users\n    primary_key: { name: uid, type: uuid }\n")]));
    assert_eq!(n, ["users.uid"], "{d:?}");
    assert_eq!(
        u,
        [
            "change the primary key of `users` from (id) to (uid): generated migrations do not change primary keys; create a new model and copy the data instead"
        ]
    );
    assert_eq!(
        d,
        [
            "drop column `users.id` and every value in it",
            "change `articles.author_id` from bigint to uuid: values that do not convert fail the migration",
            "point foreign key `fk_articles_author_id` of `articles` at `users(uid)` instead of `users(id)`: values without a matching `users` row fail the migration",
        ]
    );
}

#[test]
fn destructive_steps_are_refused_with_the_list_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    make(&format!("{BASE}{TAG}"), &dir, MakeOptions::default()).unwrap();
    let snapshot = std::fs::read_to_string(dir.join("schema.json")).unwrap();
    let dropped =
        edit(&[("      age: { type: int, optional: true }\n", ""), ("      views: { type: int, default: 0 }\n", "")]);

    let err = make(&dropped, &dir, MakeOptions::default()).unwrap_err();
    let MigrationError::Destructive { steps, .. } = &err else { panic!("{err:?}") };
    assert_eq!(
        steps,
        &[
            "drop table `tags` and all its rows",
            "drop column `users.age` and every value in it",
            "drop column `articles.views` and every value in it",
        ]
    );
    let msg = err.to_string();
    assert!(msg.starts_with("error[destructive]: drop table `tags` and all its rows\n"), "{msg}");
    // Each step is located: a dropped table in the snapshot, a dropped column at its model in the spec.
    assert!(msg.contains(&format!("--> {}:", dir.join("schema.json").display())), "{msg}");
    assert!(
        msg.contains("error[destructive]: drop column `users.age` and every value in it\n --> spec/core.yaml:"),
        "{msg}"
    );
    assert!(msg.contains("error: this migration would lose data or can fail on existing rows"), "{msg}");
    assert!(msg.contains("run again with `--allow-destructive`"), "{msg}");
    assert_eq!(sql_support::files(&dir, Dialect::Sqlite).len(), 1);
    assert_eq!(sql_support::files(&dir, Dialect::Postgres).len(), 1);
    assert_eq!(std::fs::read_to_string(dir.join("schema.json")).unwrap(), snapshot);

    // A dry run shows the SQL and the list, and writes nothing either.
    let dry = make(&dropped, &dir, MakeOptions { dry_run: true, allow_destructive: false }).unwrap();
    let Made::DryRun { version: 2, description, sqlite, postgres, destructive } = &dry else { panic!("{dry:?}") };
    assert_eq!(description, "drop_tags_drop_users_age_drop_articles_views");
    assert_eq!(destructive, steps);
    assert!(sqlite.starts_with("-- no-transaction\n"), "{sqlite}");
    assert!(
        sqlite.contains("DROP TABLE \"tags\";") && sqlite.contains("ALTER TABLE \"users\" DROP COLUMN \"age\";"),
        "{sqlite}"
    );
    assert!(postgres.contains("ALTER TABLE \"articles\" DROP COLUMN \"views\";"), "{postgres}");
    assert!(dry.to_string().contains("nothing was written"));
    assert_eq!(sql_support::files(&dir, Dialect::Sqlite).len(), 1);
    assert_eq!(std::fs::read_to_string(dir.join("schema.json")).unwrap(), snapshot);

    // Acknowledged, it is written, exactly what the dry run showed.
    let made = make(&dropped, &dir, MakeOptions { allow_destructive: true, dry_run: false }).unwrap();
    let Made::Written { version: 2, description: written, .. } = &made else { panic!("{made:?}") };
    assert_eq!(written, "drop_tags_drop_users_age_drop_articles_views");
    let file = |d: &str| {
        std::fs::read_to_string(dir.join(d).join("0002_drop_tags_drop_users_age_drop_articles_views.sql")).unwrap()
    };
    assert_eq!((&file("sqlite"), &file("postgres")), (sqlite, postgres));
    assert_eq!(make(&dropped, &dir, MakeOptions::default()).unwrap(), Made::UpToDate { latest: 2 });
}

#[test]
fn a_required_column_without_a_value_is_an_error_even_when_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    make(BASE, tmp.path(), MakeOptions::default()).unwrap();
    let new = edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      handle: string\n",
    )]);
    for options in [
        MakeOptions::default(),
        MakeOptions { allow_destructive: true, dry_run: false },
        MakeOptions { allow_destructive: false, dry_run: true },
    ] {
        let err = make(&new, tmp.path(), options).unwrap_err();
        assert!(matches!(&err, MigrationError::NeedsValue { columns, .. } if columns == &["users.handle"]), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("`users.handle`") && msg.contains("`default:`") && msg.contains("`backfill:`"), "{msg}");
        // At the field, with its line of the spec.
        assert!(msg.contains("--> spec/core.yaml:") && msg.contains("handle: string"), "{msg}");
    }
    assert_eq!(sql_support::files(tmp.path(), Dialect::Sqlite).len(), 1);
}

#[test]
fn dry_run_of_the_first_migration_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let dry = make(BASE, &dir, MakeOptions { dry_run: true, allow_destructive: false }).unwrap();
    let Made::DryRun { version: 1, description, sqlite, postgres, destructive } = &dry else { panic!("{dry:?}") };
    assert_eq!((description.as_str(), destructive.len()), ("initial", 0));
    assert!(sqlite.contains("CREATE TABLE \"users\"") && postgres.contains("GENERATED BY DEFAULT AS IDENTITY"));
    assert!(!dir.exists());
}

#[test]
fn twice_writes_one_migration_and_names_come_from_the_steps() {
    let tmp = tempfile::tempdir().unwrap();
    make(BASE, tmp.path(), MakeOptions::default()).unwrap();
    let new = edit(&[(
        "      age: { type: int, optional: true }\n",
        "      age: { type: int, optional: true }\n      bio: { type: text, optional: true }\n",
    )]);
    let made = make(&new, tmp.path(), MakeOptions::default()).unwrap();
    assert!(
        matches!(&made, Made::Written { version: 2, description, .. } if description == "add_users_bio"),
        "{made:?}"
    );
    let before = std::fs::read_to_string(tmp.path().join("sqlite/0002_add_users_bio.sql")).unwrap();
    assert_eq!(make(&new, tmp.path(), MakeOptions::default()).unwrap(), Made::UpToDate { latest: 2 });
    assert_eq!(sql_support::files(tmp.path(), Dialect::Postgres).len(), 2);
    assert_eq!(std::fs::read_to_string(tmp.path().join("sqlite/0002_add_users_bio.sql")).unwrap(), before);
}

#[test]
fn ops_name_their_table() {
    let ops = diff(&schema(BASE), &schema(&format!("{BASE}{TAG}")));
    assert!(matches!(&ops[..], [Op::CreateTable { table }] if table.name == "tags"));
    assert_eq!(ops[0].table(), "tags");
}

#[test]
fn a_rename_hint_that_names_nothing_is_a_located_error_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    make(BASE, tmp.path(), MakeOptions::default()).unwrap();
    // A typo in each hint: a table and a required column that would otherwise be dropped and added.
    let typos = edit(&[
        ("    table: articles\n", "    table: posts\n    renamed_from: articels\n"),
        (
            "      title: { type: string, max_length: 200 }\n",
            "      headline: { type: string, max_length: 200, renamed_from: titel }\n",
        ),
        ("    indexes: [[title]]\n", "    indexes: [[headline]]\n"),
        (
            "      age: { type: int, optional: true }\n",
            "      years: { type: int, optional: true, renamed_from: agee }\n",
        ),
    ]);
    for options in [MakeOptions::default(), MakeOptions { allow_destructive: true, dry_run: true }] {
        let err = make(&typos, tmp.path(), options).unwrap_err();
        let MigrationError::Hints(d) = &err else { panic!("{err:?}") };
        let text = err.to_string();
        // The table's hint is reported; its fields' hints are not checked against a table it does not name.
        assert_eq!(d.items.len(), 2, "{text}");
        assert!(
            text.contains("error[unknown-rename]: `renamed_from`: no table `articels` in the migrated schema"),
            "{text}"
        );
        assert!(text.contains("--> spec/core.yaml:12:19"), "{text}");
        assert!(text.contains("did you mean `articles`?"), "{text}");
        assert!(text.contains("table `users` has no column `agee`"), "{text}");
        assert!(text.contains("did you mean `age`?"), "{text}");
    }
    // With the table's hint right, the column's typo is found in the renamed table.
    let column_typo = edit(&[
        ("    table: articles\n", "    table: posts\n    renamed_from: articles\n"),
        (
            "      title: { type: string, max_length: 200 }\n",
            "      headline: { type: string, max_length: 200, renamed_from: titel }\n",
        ),
        ("    indexes: [[title]]\n", "    indexes: [[headline]]\n"),
    ]);
    let text = make(&column_typo, tmp.path(), MakeOptions::default()).unwrap_err().to_string();
    assert!(
        text.contains("table `articles` has no column `titel`") && text.contains("did you mean `title`?"),
        "{text}"
    );
    assert_eq!(sql_support::files(tmp.path(), Dialect::Sqlite).len(), 1);

    // Right hints make the rename; once it is migrated they stay in the spec without effect or error.
    let right = edit(&[
        ("    table: articles\n", "    table: posts\n    renamed_from: articles\n"),
        (
            "      title: { type: string, max_length: 200 }\n",
            "      headline: { type: string, max_length: 200, renamed_from: title }\n",
        ),
        ("    indexes: [[title]]\n", "    indexes: [[headline]]\n"),
    ]);
    assert!(matches!(make(&right, tmp.path(), MakeOptions::default()), Ok(Made::Written { .. })));
    assert!(matches!(make(&right, tmp.path(), MakeOptions::default()), Ok(Made::UpToDate { .. })));
}

#[test]
fn a_broken_snapshot_is_reported_with_its_path_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    make(BASE, tmp.path(), MakeOptions::default()).unwrap();
    let path = tmp.path().join("schema.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[4] = "      oops";
    std::fs::write(&path, lines.join("\n")).unwrap();
    let err = make(BASE, tmp.path(), MakeOptions::default()).unwrap_err().to_string();
    assert!(err.starts_with("error[bad-snapshot]: not a schema snapshot"), "{err}");
    assert!(err.contains(&format!("--> {}:5:7\n", path.display())) && err.contains("5 |       oops"), "{err}");
    // A snapshot that parses but does not hold a valid schema names its file too.
    std::fs::write(&path, "{\"charter_schema\": 1, \"tables\": [{\"name\": \"t\", \"columns\": [], \"primary_key\": [\"id\"], \"foreign_keys\": [], \"uniques\": [], \"indexes\": [], \"checks\": []}]}").unwrap();
    let err = make(BASE, tmp.path(), MakeOptions::default()).unwrap_err().to_string();
    // Not in `to_json`'s layout, so the table has no line to point at: the path.
    assert!(err.contains(&format!("--> {}\n", path.display())), "{err}");
    assert!(err.contains(&format!("error: {} does not hold a valid schema", path.display())), "{err}");
}
