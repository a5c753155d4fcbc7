//! Unit tests on small specs; the example spec, real databases and the migrations directory are
//! covered in `codegen/tests/sql*.rs`.

use std::path::PathBuf;

use super::*;

const PROJECT: &str = "title: T\nversion: 0.1.0\napps: [core]\n";

fn spec(core: &str) -> charter_spec::Spec {
    let files = vec![
        (PathBuf::from("spec/project.yaml"), PROJECT.to_owned()),
        (PathBuf::from("spec/core.yaml"), core.to_owned()),
    ];
    match charter_spec::load_files(files) {
        Ok(s) => s,
        Err(d) => panic!("spec does not load:\n{}", d.render(false)),
    }
}

fn schema(core: &str) -> Schema {
    match Schema::from_spec(&spec(core)) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

const BLOG: &str = r#"
app: core
models:
  Tag:
    table: tags
    fields:
      name: { type: string, max_length: 64, unique: true }
  User:
    table: user
    mixins: [timestamps]
    fields:
      email: { type: string, max_length: 255, unique: true }
      admin: { type: bool, default: false }
  Article:
    table: articles
    mixins: [timestamps]
    fields:
      title: { type: string, min_length: 1, max_length: 200 }
      stars: { type: int, min: 0, max: 5, default: 0 }
      kind: { type: enum, values: [post, page] }
      author: { belongs_to: User, on_delete: cascade }
      editor: { belongs_to: User, optional: true, on_delete: set_null }
      tags: { many_to_many: Tag }
    indexes: [[author, created_at]]
"#;

#[test]
fn tables_in_dependency_order_with_join_tables() {
    let s = schema(BLOG);
    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["tags", "user", "articles", "articles_tags"]);
}

#[test]
fn model_table_keys_and_constraints() {
    let s = schema(BLOG);
    let t = s.table("articles").unwrap();
    let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(cols, ["id", "title", "stars", "kind", "author_id", "editor_id", "created_at", "updated_at"]);
    assert_eq!(t.primary_key, ["id"]);
    assert!(t.column("id").unwrap().auto_increment);
    assert!(t.column("editor_id").unwrap().nullable);
    assert_eq!(t.column("created_at").unwrap().default, Some(DefaultValue::Now));
    assert_eq!(t.column("stars").unwrap().default, Some(DefaultValue::Int(0)));

    let fks: Vec<(&str, &str, ReferentialAction)> =
        t.foreign_keys.iter().map(|f| (f.name.as_str(), f.ref_table.as_str(), f.on_delete)).collect();
    assert_eq!(
        fks,
        [
            ("fk_articles_author_id", "user", ReferentialAction::Cascade),
            ("fk_articles_editor_id", "user", ReferentialAction::SetNull)
        ]
    );
    // `author_id` leads the composite index, so its own index would be redundant.
    let ixs: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(ixs, ["ix_articles_editor_id", "ix_articles_author_id_created_at"]);

    let checks: Vec<&str> = t.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        checks,
        [
            "ck_articles_title_min_length",
            "ck_articles_title_max_length",
            "ck_articles_stars_min",
            "ck_articles_stars_max",
            "ck_articles_kind_values"
        ]
    );
    let u = s.table("user").unwrap();
    assert_eq!(
        u.uniques,
        [Unique { name: "uq_user_email".into(), columns: vec!["email".into()], case_insensitive: false }]
    );
}

#[test]
fn join_table_has_composite_key_cascades_and_reverse_index() {
    let s = schema(BLOG);
    let j = s.table("articles_tags").unwrap();
    assert_eq!(j.primary_key, ["article_id", "tag_id"]);
    assert!(j.columns.iter().all(|c| !c.nullable && c.ty == ColumnType::BigInt && !c.auto_increment));
    assert!(j.foreign_keys.iter().all(|f| f.on_delete == ReferentialAction::Cascade));
    assert_eq!(j.foreign_keys[0].ref_table, "articles");
    assert_eq!(j.foreign_keys[1].ref_table, "tags");
    assert_eq!(j.indexes, [Index { name: "ix_articles_tags_tag_id".into(), columns: vec!["tag_id".into()] }]);
}

#[test]
fn self_many_to_many() {
    let s = schema(
        "app: core\nmodels:\n  User:\n    fields:\n      name: { type: string }\n      follows: { many_to_many: User }\n",
    );
    let j = s.table("core_user_follows").unwrap();
    assert_eq!(j.primary_key, ["user_id", "follows_id"]);
    assert!(j.foreign_keys.iter().all(|f| f.ref_table == "core_user"));
}

#[test]
fn snapshot_round_trips_and_is_stable() {
    let s = schema(BLOG);
    let json = s.to_json();
    assert!(json.starts_with("{\n  \"charter_schema\": 1,"));
    assert!(json.ends_with("}\n"));
    let back = Schema::from_json(&json).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.to_json(), json);
    assert_eq!(schema(BLOG).to_json(), json);
}

#[test]
fn snapshot_rejects_odd_input() {
    let err = |text: &str| Schema::from_json(text).unwrap_err().to_string();
    assert!(err("").contains("not a schema snapshot"));
    assert!(err("{\"charter_schema\": 2, \"tables\": []}").contains("format 2 is not supported"));
    assert!(err("{\"charter_schema\": 1, \"tables\": [], \"x\": 1}").contains("unknown field"));
    let mut s = schema(BLOG);
    s.tables.retain(|t| t.name != "tags");
    assert!(err(&s.to_json()).contains("references table `tags`, which does not exist"));
}

#[test]
fn validation_catches_what_databases_would_reject() {
    let mut s = schema(BLOG);
    let t = &mut s.tables[1];
    t.columns[1].auto_increment = true;
    t.indexes.push(Index { name: "tags".into(), columns: vec!["nope".into()] });
    let p = s.problems().iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("\n");
    assert!(p.contains("auto-increments but is not"), "{p}");
    assert!(p.contains("two tables or indexes are named `tags`"), "{p}");
    assert!(p.contains("names `nope`, which is not one of its columns"), "{p}");
}

#[test]
fn sqlite_ddl() {
    let sql = schema(BLOG).create_sql(Dialect::Sqlite);
    assert!(sql.starts_with(GENERATED_HEADER));
    assert!(sql.contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT,"), "{sql}");
    assert!(sql.contains("\"admin\" INTEGER NOT NULL DEFAULT 0,"), "{sql}");
    assert!(sql.contains("CONSTRAINT \"ck_user_admin_bool\" CHECK (\"admin\" IN (0, 1))"), "{sql}");
    assert!(sql.contains("\"created_at\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"), "{sql}");
    assert!(sql.contains("CONSTRAINT \"ck_articles_kind_values\" CHECK (\"kind\" IN ('post', 'page'))"), "{sql}");
    assert!(sql.contains("PRIMARY KEY (\"article_id\", \"tag_id\"),"), "{sql}");
    assert!(sql.contains("CREATE INDEX \"ix_articles_tags_tag_id\" ON \"articles_tags\" (\"tag_id\");"), "{sql}");
}

#[test]
fn postgres_ddl() {
    let sql = schema(BLOG).create_sql(Dialect::Postgres);
    assert!(sql.contains("CREATE TABLE \"user\" ("), "{sql}");
    assert!(sql.contains("\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"), "{sql}");
    assert!(sql.contains("\"email\" VARCHAR(255) NOT NULL,"), "{sql}");
    assert!(sql.contains("\"admin\" BOOLEAN NOT NULL DEFAULT FALSE,"), "{sql}");
    assert!(sql.contains("\"created_at\" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,"), "{sql}");
    assert!(!sql.contains("_bool"), "{sql}");
    assert!(sql.contains(
        "CONSTRAINT \"fk_articles_editor_id\" FOREIGN KEY (\"editor_id\") REFERENCES \"user\" (\"id\") ON DELETE SET NULL"
    ));
    assert!(sql.contains("CONSTRAINT \"ck_articles_title_min_length\" CHECK (length(\"title\") >= 1)"), "{sql}");
}

#[test]
fn reference_cycles_add_foreign_keys_after_tables_on_postgres() {
    let s = schema(
        "app: core\nmodels:\n  A:\n    fields:\n      b: { belongs_to: B, optional: true, on_delete: set_null }\n  B:\n    fields:\n      a: { belongs_to: A, on_delete: cascade }\n",
    );
    let pg = s.create_statements(Dialect::Postgres);
    assert!(pg[0].starts_with("CREATE TABLE \"core_a\"") && !pg[0].contains("FOREIGN KEY"), "{pg:?}");
    assert!(pg[1].starts_with("CREATE TABLE \"core_b\"") && pg[1].contains("FOREIGN KEY"), "{pg:?}");
    assert!(pg[2].starts_with("ALTER TABLE \"core_a\" ADD CONSTRAINT \"fk_core_a_b_id\" FOREIGN KEY"), "{pg:?}");
    let lite = s.create_statements(Dialect::Sqlite);
    assert!(lite[0].contains("FOREIGN KEY") && !lite.iter().any(|s| s.starts_with("ALTER")), "{lite:?}");
}

#[test]
fn literals_and_identifiers_are_quoted() {
    assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
    assert_eq!(quote_literal("it's"), "'it''s'");
    let s = schema(
        "app: core\nmodels:\n  M:\n    fields:\n      label: { type: string, default: \"it's\" }\n      ratio: { type: float, default: 1, min: 0.5 }\n",
    );
    let sql = s.create_sql(Dialect::Postgres);
    assert!(sql.contains("\"label\" TEXT NOT NULL DEFAULT 'it''s',"), "{sql}");
    assert!(sql.contains("CHECK (\"ratio\" >= 0.5)"), "{sql}");
}

#[test]
fn changes_are_the_diff_one_line_per_step() {
    let old = schema(BLOG);
    let new = schema(
        &BLOG
            .replace(
                "      admin: { type: bool, default: false }\n",
                "      admin: { type: bool, default: true }\n      bio: { type: text, optional: true }\n",
            )
            .replace("      tags: { many_to_many: Tag }\n", ""),
    );
    let changes = describe_changes(&old, &new);
    assert_eq!(
        changes,
        [
            "drop table `articles_tags`",
            "alter column `user.admin`: default false -> true",
            "add column `user.bio` (text, null)",
        ]
    );
    assert!(describe_changes(&old, &old).is_empty());
}

#[test]
fn spec_problems_are_errors_not_panics() {
    let mut s = spec(BLOG);
    s.apps[0].models[2].indexes[0].columns.push("nope".into());
    let e = Schema::from_spec(&s).unwrap_err().to_string();
    assert!(e.contains("error[unknown-field]: index of `Article` names `nope`, which is not one of its fields"), "{e}");
    // Located at the index, with its line of the spec.
    assert!(e.contains("--> spec/core.yaml:24:"), "{e}");
    assert!(e.contains("24 |     indexes: [[author, created_at]]"), "{e}");
    assert!(e.ends_with("error: the spec's models make an invalid database schema"), "{e}");
}

#[test]
fn schema_problems_render_at_the_field_with_its_line() {
    let mut s = spec(BLOG);
    let email = &mut s.apps[0].models[1].fields[1];
    assert_eq!(email.name, "email");
    email.column = "e".repeat(70);
    let e = Schema::from_spec(&s).unwrap_err();
    let text = e.to_string();
    assert!(e.messages().iter().any(|m| m.starts_with("column name `eeee")), "{text}");
    assert!(text.contains("error[schema-name]: column name `eeee"), "{text}");
    assert!(text.contains("--> spec/core.yaml:12:7"), "{text}");
    assert!(text.contains("12 |       email: { type: string, max_length: 255, unique: true }"), "{text}");
    assert!(text.contains("this field's column"), "{text}");
}

#[test]
fn snapshot_problems_render_at_their_line_in_the_snapshot() {
    let mut s = schema(BLOG);
    s.tables.retain(|t| t.name != "tags");
    let json = s.to_json();
    let e = Schema::from_json_file(std::path::Path::new("migrations/schema.json"), &json).unwrap_err().to_string();
    let line = json.lines().position(|l| l.contains("\"name\": \"tag_id\"")).unwrap() + 1;
    assert!(e.contains("error[schema-foreign-key]: foreign key `fk_articles_tags_tag_id`"), "{e}");
    assert!(e.contains(&format!("--> migrations/schema.json:{line}:11")), "{e}");
    assert!(e.contains("migrations/schema.json does not hold a valid schema"), "{e}");
    // A syntax error at the parser's line and column.
    let e = Schema::from_json_file(
        std::path::Path::new("migrations/schema.json"),
        "{\n  \"charter_schema\": 1,\n  oops\n}",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("error[bad-snapshot]: not a schema snapshot") && e.contains("--> migrations/schema.json:3:3"),
        "{e}"
    );
    assert!(e.contains("3 |   oops"), "{e}");
}

/// Runs `ops` on a model of PostgreSQL's catalog (tables, columns, foreign keys) starting from `old`,
/// checking what PostgreSQL checks at each statement: a dropped table or column is referenced by no
/// other table's key, a key's target exists when the key is added. At the end the model must be `new`.
/// Keys between tables created in the same migration are checked once they all exist, as `alter` adds
/// them (and as PostgreSQL's renderer drops the keys between dropped tables in a cycle first).
fn run_on_catalog(old: &Schema, new: &Schema, ops: &[Op]) -> Result<(), String> {
    use std::collections::{BTreeMap, BTreeSet};
    #[derive(Debug, PartialEq)]
    struct T {
        columns: BTreeSet<String>,
        fks: BTreeMap<String, (Vec<String>, String, Vec<String>)>,
    }
    let of = |t: &Table| T {
        columns: t.columns.iter().map(|c| c.name.clone()).collect(),
        fks: t
            .foreign_keys
            .iter()
            .map(|f| (f.name.clone(), (f.columns.clone(), f.ref_table.clone(), f.ref_columns.clone())))
            .collect(),
    };
    let mut db: BTreeMap<String, T> = old.tables.iter().map(|t| (t.name.clone(), of(t))).collect();
    let created: BTreeSet<&str> =
        ops.iter().filter(|op| matches!(op, Op::CreateTable { .. })).map(|op| op.table()).collect();
    let referenced_by_others = |db: &BTreeMap<String, T>, table: &str, column: Option<&str>| -> Option<String> {
        db.iter().find_map(|(name, t)| {
            t.fks.iter().find_map(|(fk, (_, rt, rc))| {
                (rt == table && name != table && column.is_none_or(|c| rc.iter().any(|x| x == c)))
                    .then(|| format!("`{fk}` of `{name}`"))
            })
        })
    };
    for (i, op) in ops.iter().enumerate() {
        let step = format!("step {i} ({op})");
        let table = op.table().to_owned();
        match op {
            Op::RenameTable { from, to } => {
                let t = db.remove(from).ok_or(format!("{step}: no table `{from}`"))?;
                if db.insert(to.clone(), t).is_some() {
                    return Err(format!("{step}: `{to}` exists"));
                }
                for t in db.values_mut() {
                    for (_, rt, _) in t.fks.values_mut() {
                        if rt == from {
                            *rt = to.clone();
                        }
                    }
                }
            }
            Op::RenameColumn { from, to, .. } => {
                let t = db.get_mut(&table).ok_or(format!("{step}: no table"))?;
                if !t.columns.remove(from) || !t.columns.insert(to.clone()) {
                    return Err(format!("{step}: cannot rename"));
                }
                for (name, t) in db.iter_mut() {
                    for (cols, rt, rc) in t.fks.values_mut() {
                        for c in cols.iter_mut().filter(|c| *c == from && *name == table) {
                            *c = to.clone();
                        }
                        for c in rc.iter_mut().filter(|c| *c == from && *rt == table) {
                            *c = to.clone();
                        }
                    }
                }
            }
            Op::RenameConstraint { from, to, .. } => {
                let t = db.get_mut(&table).ok_or(format!("{step}: no table"))?;
                if let Some(body) = t.fks.remove(from) {
                    t.fks.insert(to.clone(), body);
                }
            }
            Op::DropForeignKey { fk, .. } => {
                let t = db.get_mut(&table).ok_or(format!("{step}: no table"))?;
                t.fks.remove(&fk.name).ok_or(format!("{step}: no key `{}`", fk.name))?;
            }
            Op::DropTable { .. } => {
                // The renderer drops the keys that tables dropped later hold on this one first.
                let later: Vec<&str> =
                    ops[i + 1..].iter().filter(|o| matches!(o, Op::DropTable { .. })).map(|o| o.table()).collect();
                for l in later {
                    if let Some(t) = db.get_mut(l) {
                        t.fks.retain(|_, (_, rt, _)| *rt != table);
                    }
                }
                if let Some(by) = referenced_by_others(&db, &table, None) {
                    return Err(format!("{step}: `{table}` is still referenced by {by}"));
                }
                db.remove(&table).ok_or(format!("{step}: no table"))?;
            }
            Op::CreateTable { table: t } => {
                for f in &t.foreign_keys {
                    if !db.contains_key(&f.ref_table) && !created.contains(f.ref_table.as_str()) {
                        return Err(format!("{step}: `{}` references `{}`, which does not exist", f.name, f.ref_table));
                    }
                }
                if db.insert(table.clone(), of(t)).is_some() {
                    return Err(format!("{step}: `{table}` exists"));
                }
            }
            Op::AddColumn { column, .. } => {
                db.get_mut(&table).ok_or(format!("{step}: no table"))?.columns.insert(column.name.clone());
            }
            Op::DropColumn { column, .. } => {
                if let Some(by) = referenced_by_others(&db, &table, Some(&column.name)) {
                    return Err(format!("{step}: the column is still referenced by {by}"));
                }
                let t = db.get_mut(&table).ok_or(format!("{step}: no table"))?;
                if t.fks.values().any(|(cols, _, _)| cols.contains(&column.name)) {
                    return Err(format!("{step}: the column is still in a key of its table"));
                }
                t.columns.remove(&column.name);
            }
            Op::AlterForeignKey { to: fk, .. } | Op::AddForeignKey { fk, .. } => {
                if !db.contains_key(&fk.ref_table) {
                    return Err(format!("{step}: `{}` does not exist", fk.ref_table));
                }
                let t = db.get_mut(&table).ok_or(format!("{step}: no table"))?;
                if let Op::AlterForeignKey { from, .. } = op {
                    t.fks.remove(&from.name).ok_or(format!("{step}: no key `{}`", from.name))?;
                }
                t.fks.insert(fk.name.clone(), (fk.columns.clone(), fk.ref_table.clone(), fk.ref_columns.clone()));
            }
            _ => {}
        }
    }
    let want: BTreeMap<String, T> = new.tables.iter().map(|t| (t.name.clone(), of(t))).collect();
    if db != want {
        return Err(format!("the migrated catalog is not the new schema:\n{db:#?}\nwanted:\n{want:#?}"));
    }
    Ok(())
}

/// Every pair of schemas in both directions: table renames, drops and recreations with foreign keys to
/// and from them (kept, dropped and created tables, self references, join tables and cycles), each run
/// on the catalog model.
#[test]
fn steps_are_ordered_for_foreign_keys_in_both_directions() {
    let with = |tag_table: &str, hint: &str, note_table: &str, extra: &str| {
        format!(
            r#"
app: core
models:
  Post:
    table: posts
    fields:
      title: string
      tags: {{ many_to_many: Tag }}
      topic: {{ belongs_to: Tag, optional: true, on_delete: set_null }}
  Tag:
    table: {tag_table}
{hint}    fields:
      name: {{ type: string, max_length: 40, unique: true }}
      parent: {{ belongs_to: Tag, optional: true, on_delete: set_null }}
  Note:
    table: {note_table}
    fields:
      tag: {{ belongs_to: Tag, on_delete: cascade }}
{extra}"#
        )
    };
    let cycle = |a: &str, b: &str| {
        format!(
            "  A:\n    table: {a}\n    fields:\n      b: {{ belongs_to: B, optional: true, on_delete: set_null }}\n  B:\n    table: {b}\n    fields:\n      a: {{ belongs_to: A, optional: true, on_delete: set_null }}\n"
        )
    };
    let retarget = |target: &str| {
        format!(
            "  Keep:\n    table: keep\n    fields:\n      other: {{ belongs_to: {target}, optional: true, on_delete: set_null }}\n"
        )
    };
    let cases: Vec<(String, String)> = vec![
        // The referenced table recreated under another name; then renamed with a hint.
        (with("tags", "", "notes", ""), with("labels", "", "notes", "")),
        (with("tags", "", "notes", ""), with("labels", "    renamed_from: tags\n", "notes", "")),
        // Referencing and referenced tables recreated at once.
        (with("tags", "", "notes", ""), with("labels", "", "memos", "")),
        // The referenced table renamed while the referencing one is rebuilt (on_delete changes).
        (
            with("tags", "", "notes", ""),
            with("labels", "    renamed_from: tags\n", "notes", "")
                .replace("on_delete: cascade", "on_delete: restrict"),
        ),
        // A cycle recreated, and a kept key moved from one of its tables to a table that stays.
        (
            with("tags", "", "notes", &format!("{}{}", cycle("a", "b"), retarget("A"))),
            with("tags", "", "notes", &format!("{}{}", cycle("c", "d"), retarget("Post"))),
        ),
        (
            with("tags", "", "notes", &format!("{}{}", cycle("a", "b"), retarget("A"))),
            with("tags", "", "notes", &format!("{}{}", cycle("c", "d"), retarget("B"))),
        ),
        // A referenced model removed, and the key to it with it (but the column kept as a plain one).
        (
            with("tags", "", "notes", &retarget("Post")),
            with(
                "tags",
                "",
                "notes",
                "  Keep:\n    table: keep\n    fields:\n      other_id: { type: bigint, optional: true }\n",
            ),
        ),
    ];
    for (a, b) in &cases {
        for (old, new) in [(a, b), (b, a)] {
            let (old, new) = (schema(old), schema(new));
            let ops = diff(&old, &new);
            if let Err(e) = run_on_catalog(&old, &new, &ops) {
                let steps: Vec<String> = ops.iter().map(ToString::to_string).collect();
                panic!("{e}\nsteps:\n  {}", steps.join("\n  "));
            }
        }
    }
}
