//! Model rows and their typed data access: one struct per table, `New<Model>` for inserts, and the
//! queries every endpoint needs (by key, by unique field, in batches, save, delete, relation links).
//!
//! Every query is written once with `$n` placeholders and quoted identifiers, valid on SQLite and
//! PostgreSQL alike; the runtime binds values per backend. The one exception is the lookup by a
//! `unique: case_insensitive` field, which repeats its unique index's expression, and that differs per
//! backend (`sql::fold_case`): one text each, picked by `Conn::backend`.

use crate::rust::code::{Code, code};
use crate::sql::{Dialect, fold_case};
use charter_spec::{Auto, Field, FilterKind, ManyToMany, Model};

use super::names::{self, From, ident};

pub fn emit(app: &charter_spec::App) -> Code {
    let from = From::Models(&app.name);
    let models = app.models.iter().map(|m| emit_model(m, from));
    code! {
        //! Database rows of this app and their queries.
        #(#models)*
    }
}

/// A quoted SQL identifier, as every generated statement writes one.
pub(crate) fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn column_list(m: &Model) -> String {
    m.fields.iter().map(|f| q(&f.column)).collect::<Vec<_>>().join(", ")
}

fn emit_model(m: &Model, from: From<'_>) -> Code {
    let name = ident(&m.name);
    let table = &m.table;
    let columns = column_list(m);
    let pk = m.primary_key();
    let pk_ident = ident(&pk.column);
    let pk_ty = names::column(&pk.ty, from);
    let structs = row_structs(m, from);
    let insert = insert_fn(m);
    let get_sql = select_by(m, &pk.column);
    let select_prefix = format!("SELECT {columns} FROM {} WHERE {} IN (", q(table), q(&pk.column));
    let delete_sql = format!("DELETE FROM {} WHERE {} = $1", q(table), q(&pk.column));
    let uniques = m.fields.iter().filter(|f| f.unique && !f.primary_key).map(|f| unique_getter(m, f, from));
    let save = save_fn(m);
    let links = m.many_to_many.iter().map(|rel| emit_link(m, rel, from));
    let (filter_struct, page) = emit_page(m, from);
    code! {
        #structs

        #filter_struct

        impl #name {
            pub const TABLE: &'static str = #table;
            pub const COLUMNS: &'static str = #columns;

            #insert

            /// The row with this key, if any.
            pub async fn get(db: impl ::charter_runtime::Conn<'_>, #pk_ident: #pk_ty) -> Result<Option<#name>, ::charter_runtime::DbError> {
                db.query(#get_sql).bind(#pk_ident).fetch_optional::<#name>().await
            }

            /// The rows with these keys, in one query (for batch loading relations); missing keys are skipped.
            pub async fn get_many(db: impl ::charter_runtime::Conn<'_>, keys: &[#pk_ty]) -> Result<Vec<#name>, ::charter_runtime::DbError> {
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = ::std::format!("{}{})", #select_prefix, ::charter_runtime::__private::sql::placeholders(1, keys.len()));
                let query = db.query(sql).bind_all(keys.iter().cloned());
                query.fetch_all::<#name>().await
            }

            #(#uniques)*

            #save

            /// Deletes the row with this key; false if there was none.
            pub async fn delete(db: impl ::charter_runtime::Conn<'_>, #pk_ident: #pk_ty) -> Result<bool, ::charter_runtime::DbError> {
                Ok(db.query(#delete_sql).bind(#pk_ident).execute().await? > 0)
            }

            #(#links)*

            #page
        }
    }
}

/// `SELECT <every column> FROM <table> WHERE <col> = $1`.
fn select_by(m: &Model, col: &str) -> String {
    format!("SELECT {} FROM {} WHERE {} = $1", column_list(m), q(&m.table), q(col))
}

/// The row struct (with its `FromRow`) and the insert type `New<Model>`.
fn row_structs(m: &Model, from: From<'_>) -> Code {
    let name = ident(&m.name);
    let new_name = ident(&charter_names::insert_type(&m.name));
    let doc = names::doc(&m.description.clone().unwrap_or_else(|| format!("A row of `{}`.", m.table)));
    let field_defs = m.fields.iter().map(|f| {
        let n = ident(&f.column);
        let ty = field_type(f, from);
        let d = f.description.as_deref().map(names::doc);
        code!(#d pub #n: #ty)
    });
    let col_idents: Vec<_> = m.fields.iter().map(|f| ident(&f.column)).collect();
    let new_fields = m.fields.iter().filter(|f| f.auto.is_none()).map(|f| {
        let n = ident(&f.column);
        let ty = field_type(f, from);
        code!(pub #n: #ty)
    });
    let new_doc =
        names::doc(&format!("The values a new `{}` row needs; keys and timestamps are filled in on insert.", m.name));
    code! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#field_defs,)*
        }

        ::charter_runtime::__private::impl_from_row!(#name { #(#col_idents),* });

        #new_doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #new_name {
            #(#new_fields,)*
        }
    }
}

/// `insert`: the caller's values, then the keys and timestamps the generated code fills in.
fn insert_fn(m: &Model) -> Code {
    let name = ident(&m.name);
    let new_name = ident(&charter_names::insert_type(&m.name));
    let mut ins_cols = Vec::new();
    let mut ins_binds = Vec::new();
    for f in &m.fields {
        let n = ident(&f.column);
        match f.auto {
            Some(Auto::Increment) => continue,
            Some(Auto::Uuid) => ins_binds.push(code!(::charter_runtime::Uuid::new_v4())),
            Some(Auto::CreatedAt) | Some(Auto::UpdatedAt) => ins_binds.push(code!(now)),
            None => ins_binds.push(code!(new.#n)),
        }
        ins_cols.push(q(&f.column));
    }
    let placeholders: Vec<String> = (1..=ins_cols.len()).map(|i| format!("${i}")).collect();
    let insert_sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
        q(&m.table),
        ins_cols.join(", "),
        placeholders.join(", "),
        column_list(m)
    );
    let now = (!ins_binds.is_empty()
        && m.fields.iter().any(|f| matches!(f.auto, Some(Auto::CreatedAt | Auto::UpdatedAt))))
    .then(|| code!(let now = ::charter_runtime::Utc::now();));
    code! {
        /// Inserts a row and returns it as stored.
        pub async fn insert(db: impl ::charter_runtime::Conn<'_>, new: #new_name) -> Result<#name, ::charter_runtime::DbError> {
            #now
            db.query(#insert_sql) #( .bind(#ins_binds) )* .fetch_one::<#name>().await
        }
    }
}

/// `save`: every column but the key and `created_at` written back, `updated_at` bumped; none for a model
/// with nothing to update.
fn save_fn(m: &Model) -> Option<Code> {
    let name = ident(&m.name);
    let pk = m.primary_key();
    let mut set = Vec::new();
    let mut set_binds = Vec::new();
    let mut bump = code!();
    for f in m.fields.iter().filter(|f| !f.primary_key && f.auto != Some(Auto::CreatedAt)) {
        let n = ident(&f.column);
        set.push(format!("{} = ${}", q(&f.column), set.len() + 1));
        if f.auto == Some(Auto::UpdatedAt) {
            bump = code!(self.#n = ::charter_runtime::Utc::now(););
        }
        set_binds.push(names::owned(code!(self.#n), &f.ty));
    }
    if set.is_empty() {
        return None;
    }
    let update_sql = format!(
        "UPDATE {} SET {} WHERE {} = ${} RETURNING {}",
        q(&m.table),
        set.join(", "),
        q(&pk.column),
        set.len() + 1,
        column_list(m)
    );
    let pk_ident = ident(&pk.column);
    let pk_value = names::owned(code!(self.#pk_ident), &pk.ty);
    Some(code! {
        /// Writes every column of this row back (bumping `updated_at`) and reloads it.
        pub async fn save(&mut self, db: impl ::charter_runtime::Conn<'_>) -> Result<(), ::charter_runtime::DbError> {
            #bump
            let saved = db.query(#update_sql)
                #( .bind(#set_binds) )*
                .bind(#pk_value)
                .fetch_one::<#name>()
                .await?;
            *self = saved;
            Ok(())
        }
    })
}

/// `get_by_<column>` for a unique column.
fn unique_getter(m: &Model, f: &Field, from: From<'_>) -> Code {
    let name = ident(&m.name);
    let fn_name = ident(&charter_names::get_by_fn(&f.column));
    let arg = ident(&f.column);
    let arg_ty = if f.ty.is_textual() {
        code!(&str)
    } else {
        let ty = names::column(&f.ty, from);
        code!(#ty)
    };
    if f.unique_case_insensitive {
        // The unique index folds the column (`unique: case_insensitive`); the lookup folds both sides
        // with the index's own expression so that it uses it, which differs per backend.
        let folded = |d: Dialect| {
            format!(
                "SELECT {} FROM {} WHERE {} = {}",
                column_list(m),
                q(&m.table),
                fold_case(&q(&f.column), d),
                fold_case("$1", d)
            )
        };
        let (lite, pg) = (folded(Dialect::Sqlite), folded(Dialect::Postgres));
        let doc = names::doc(&format!(
            "The row whose `{}` equals `{}` ignoring ASCII case (as its unique index compares), if any.",
            f.column, f.column
        ));
        return code! {
            #doc
            pub async fn #fn_name(db: impl ::charter_runtime::Conn<'_>, #arg: #arg_ty) -> Result<Option<#name>, ::charter_runtime::DbError> {
                let sql = match ::charter_runtime::Conn::backend(&db) {
                    ::charter_runtime::Backend::Sqlite => #lite,
                    ::charter_runtime::Backend::Postgres => #pg,
                };
                db.query(sql).bind(#arg).fetch_optional::<#name>().await
            }
        };
    }
    let sql = select_by(m, &f.column);
    let doc = names::doc(&format!("The row whose `{}` is `{}`, if any.", f.column, f.column));
    code! {
        #doc
        pub async fn #fn_name(db: impl ::charter_runtime::Conn<'_>, #arg: #arg_ty) -> Result<Option<#name>, ::charter_runtime::DbError> {
            db.query(#sql).bind(#arg).fetch_optional::<#name>().await
        }
    }
}

/// `<Model>Filter` and `<Model>::page`: one page of rows matching the given filters, in the model's
/// ordering, and the total number of matching rows (one statement, whatever the page size).
fn emit_page(m: &Model, from: From<'_>) -> (Code, Code) {
    let name = ident(&m.name);
    let filter_name = ident(&charter_names::filter_type(&m.name));
    let table = q(&m.table);
    let fields = m.filters.iter().map(|f| {
        let n = ident(&f.name);
        let ty = names::column(&f.ty, from);
        code!(pub #n: Option<#ty>)
    });
    let conds = m.filters.iter().map(|f| {
        let n = ident(&f.name);
        let cond = filter_condition(m, f);
        // A line of its own: in the unformatted output, `} if` on one line reads as a missing `else` to
        // clippy (`suspicious_else_formatting`).
        let mut check = code! {
            if let Some(value) = &filter.#n {
                args.push(::std::convert::Into::into(::std::clone::Clone::clone(value)));
                conds.push(::std::format!(#cond, args.len()));
            }
        };
        check.push_str("\n");
        check
    });
    let order = page_order(m);
    let columns = column_list(m);
    let head = format!("SELECT {columns}");
    let filter_struct = if m.filters.is_empty() {
        // Kept so that every model's `page` reads alike; nothing to filter, so nothing to bind.
        let doc = names::doc(&format!("`{}` declares no filters: [`{}::page`] reads every row.", m.name, m.name));
        code! {
            #doc
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            pub struct #filter_name;

            impl #filter_name {
                /// Always empty: there is nothing to filter by.
                pub fn where_sql(&self, _args: &mut Vec<::charter_runtime::Value>) -> String {
                    String::new()
                }
            }
        }
    } else {
        let doc = names::doc(&format!("Filters of [`{}::page`]; `None` does not filter.", m.name));
        code! {
            #doc
            #[derive(Debug, Clone, Default, PartialEq)]
            pub struct #filter_name {
                #(#fields,)*
            }

            impl #filter_name {
                /// ` WHERE ...` for the filters that are set (empty when none is), binding their values after
                /// those already in `args`.
                pub fn where_sql(&self, args: &mut Vec<::charter_runtime::Value>) -> String {
                    let filter = self;
                    let mut conds: Vec<String> = Vec::new();
                    #(#conds)*
                    if conds.is_empty() { String::new() } else { ::std::format!(" WHERE {}", conds.join(" AND ")) }
                }
            }
        }
    };
    let page = code! {
        /// The `ORDER BY` of [`page`](Self::page): the model's ordering, the key last so pages never overlap.
        pub const PAGE_ORDER: &'static str = #order;

        /// One page of rows matching `filter`, in the model's ordering, and how many rows match in all, in
        /// one statement.
        pub async fn page(db: &::charter_runtime::Db, filter: &#filter_name, limit: i64, offset: i64) -> Result<(Vec<#name>, i64), ::charter_runtime::DbError> {
            ::charter_runtime::__private::loader::rows_page(db, #head, #table, |args| filter.where_sql(args), Self::PAGE_ORDER, limit, offset).await
        }
    };
    (filter_struct, page)
}

/// The `ORDER BY` of a model's pages: its ordering, then its key (in the first column's direction) so
/// that pages never overlap.
fn page_order(m: &Model) -> String {
    let table = q(&m.table);
    let pk = m.primary_key();
    let mut order: Vec<String> = m
        .ordering
        .iter()
        .map(|o| format!("{table}.{}{}", q(&o.column), if o.descending { " DESC" } else { "" }))
        .collect();
    if !m.ordering.iter().any(|o| o.column == pk.column) {
        let desc = m.ordering.first().is_some_and(|o| o.descending);
        order.push(format!("{table}.{}{}", q(&pk.column), if desc { " DESC" } else { "" }));
    }
    order.join(", ")
}

/// The SQL condition of one filter, with `{}` where its placeholder's number goes.
fn filter_condition(m: &Model, f: &charter_spec::Filter) -> String {
    let table = q(&m.table);
    let pk = m.primary_key();
    match &f.kind {
        FilterKind::Column { column } => format!("{table}.{} = ${{}}", q(column)),
        FilterKind::Related { column, target_table, target_key, target_column } => format!(
            "{table}.{} IN (SELECT {} FROM {} WHERE {} = ${{}})",
            q(column),
            q(target_key),
            q(target_table),
            q(target_column)
        ),
        // `IN` over the join table, not a correlated `EXISTS`: both planners then start from the target's
        // unique index and the join table's target index instead of probing every row of the table.
        FilterKind::Linked { join_table, source_column, target_column, target_table, target_key, target_field } => {
            format!(
                "{table}.{pk} IN (SELECT {j}.{sc} FROM {j} JOIN {t} ON {t}.{tk} = {j}.{tc} WHERE {t}.{tf} = ${{}})",
                j = q(join_table),
                t = q(target_table),
                tk = q(target_key),
                tc = q(target_column),
                sc = q(source_column),
                pk = q(&pk.column),
                tf = q(target_field)
            )
        }
        FilterKind::TargetOf { column, join_table, source_column, target_column } => format!(
            "{table}.{} IN (SELECT {} FROM {} WHERE {} = ${{}})",
            q(column),
            q(target_column),
            q(join_table),
            q(source_column)
        ),
    }
}

fn field_type(f: &Field, from: From<'_>) -> Code {
    let ty = names::column(&f.ty, from);
    if f.optional { code!(Option<#ty>) } else { ty }
}

/// Link, unlink and batch-load the keys of a many-to-many relation.
fn emit_link(m: &Model, rel: &ManyToMany, from: From<'_>) -> Code {
    let link = Link::new(rel, from);
    let writes = link_writes(rel, &link);
    let reads = link_reads(m, rel, &link);
    code! { #writes #reads }
}

/// What every function of a many-to-many relation names: its join table, columns and key types.
struct Link {
    join: String,
    src: String,
    dst: String,
    src_ty: Code,
    dst_ty: Code,
    src_i: crate::rust::code::Ident,
    dst_i: crate::rust::code::Ident,
}

impl Link {
    fn new(rel: &ManyToMany, from: From<'_>) -> Link {
        Link {
            join: q(&rel.join_table),
            src: q(&rel.source_column),
            dst: q(&rel.target_column),
            src_ty: names::column(&rel.source_key, from),
            dst_ty: names::column(&rel.target_key, from),
            src_i: ident(&rel.source_column),
            dst_i: ident(&rel.target_column),
        }
    }
}

/// `add_<rel>` and `remove_<rel>`.
fn link_writes(rel: &ManyToMany, link: &Link) -> Code {
    let Link { join, src, dst, src_ty, dst_ty, .. } = link;
    let fns = charter_names::link_fns(&rel.name);
    let (add, remove) = (ident(&fns.add), ident(&fns.remove));
    let add_prefix = format!("INSERT INTO {join} ({src}, {dst}) VALUES ");
    let remove_sql = format!("DELETE FROM {join} WHERE {src} = $1 AND {dst} = $2");
    let doc_add = names::doc(&format!(
        "Links this row to the `{}` rows with these keys (already linked ones are kept).",
        rel.target.name
    ));
    code! {
        #doc_add
        pub async fn #add(db: impl ::charter_runtime::Conn<'_>, key: #src_ty, targets: &[#dst_ty]) -> Result<(), ::charter_runtime::DbError> {
            if targets.is_empty() {
                return Ok(());
            }
            // One statement for all links: `$1` is the row's key, `$2..` the targets.
            let mut sql = String::from(#add_prefix);
            for i in 0..targets.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&::std::format!("($1, ${})", i + 2));
            }
            sql.push_str(" ON CONFLICT DO NOTHING");
            let query = db.query(sql).bind(key).bind_all(targets.iter().cloned());
            query.execute().await?;
            Ok(())
        }

        /// Unlinks this row from the row with the target key; false if they were not linked.
        pub async fn #remove(db: impl ::charter_runtime::Conn<'_>, key: #src_ty, target: #dst_ty) -> Result<bool, ::charter_runtime::DbError> {
            Ok(db.query(#remove_sql).bind(key).bind(target).execute().await? > 0)
        }
    }
}

/// `<rel>_keys`, `<rel>_counts`, `<rel>_linked_to` and `<rel>_targets_of`: each one statement for a batch.
fn link_reads(m: &Model, rel: &ManyToMany, link: &Link) -> Code {
    let Link { join, src, dst, src_ty, dst_ty, src_i, dst_i } = link;
    let fns = charter_names::link_fns(&rel.name);
    let keys_of = ident(&fns.keys);
    let pair = ident(&charter_names::link_type(&m.name, &rel.name));
    let keys_prefix = format!("SELECT {src}, {dst} FROM {join} WHERE {src} IN (");
    let keys_suffix = format!(") ORDER BY {src}, {dst}");
    let counts = ident(&fns.counts);
    let (linked_to, targets_of) = (ident(&fns.linked_to), ident(&fns.targets_of));
    let count_row = ident(&charter_names::link_count_type(&m.name, &rel.name));
    let counts_prefix = format!("SELECT {src}, COUNT(*) AS \"n\" FROM {join} WHERE {src} IN (");
    let counts_suffix = format!(") GROUP BY {src}");
    let linked_prefix = format!("SELECT {src} FROM {join} WHERE {dst} = $1 AND {src} IN (");
    let targets_prefix = format!("SELECT {dst} FROM {join} WHERE {src} = $1 AND {dst} IN (");
    let doc_keys = names::doc(&format!(
        "`({}, {})` pairs for all these rows, in one query.",
        rel.source_column, rel.target_column
    ));
    code! {
        #doc_keys
        pub async fn #keys_of(db: impl ::charter_runtime::Conn<'_>, keys: &[#src_ty]) -> Result<Vec<(#src_ty, #dst_ty)>, ::charter_runtime::DbError> {
            #[derive(Debug)]
            struct #pair { #src_i: #src_ty, #dst_i: #dst_ty }
            ::charter_runtime::__private::impl_from_row!(#pair { #src_i, #dst_i });
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let sql = ::std::format!("{}{}{}", #keys_prefix, ::charter_runtime::__private::sql::placeholders(1, keys.len()), #keys_suffix);
            let query = db.query(sql).bind_all(keys.iter().cloned());
            Ok(query.fetch_all::<#pair>().await?.into_iter().map(|p| (p.#src_i, p.#dst_i)).collect())
        }

        #[doc = " How many rows each of these rows links to, in one query (rows linking to none are absent)."]
        pub async fn #counts(db: impl ::charter_runtime::Conn<'_>, keys: &[#src_ty]) -> Result<Vec<(#src_ty, i64)>, ::charter_runtime::DbError> {
            #[derive(Debug)]
            struct #count_row { #src_i: #src_ty, n: i64 }
            ::charter_runtime::__private::impl_from_row!(#count_row { #src_i, n });
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let sql = ::std::format!("{}{}{}", #counts_prefix, ::charter_runtime::__private::sql::placeholders(1, keys.len()), #counts_suffix);
            let query = db.query(sql).bind_all(keys.iter().cloned());
            Ok(query.fetch_all::<#count_row>().await?.into_iter().map(|c| (c.#src_i, c.n)).collect())
        }

        #[doc = " Which of these rows link to `target`, in one query."]
        pub async fn #linked_to(db: impl ::charter_runtime::Conn<'_>, keys: &[#src_ty], target: #dst_ty) -> Result<Vec<#src_ty>, ::charter_runtime::DbError> {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let sql = ::std::format!("{}{})", #linked_prefix, ::charter_runtime::__private::sql::placeholders(2, keys.len()));
            let query = db.query(sql).bind(target).bind_all(keys.iter().cloned());
            query.fetch_all_scalar::<#src_ty>().await
        }

        #[doc = " Which of `candidates` the row `key` links to, in one query."]
        pub async fn #targets_of(db: impl ::charter_runtime::Conn<'_>, key: #src_ty, candidates: &[#dst_ty]) -> Result<Vec<#dst_ty>, ::charter_runtime::DbError> {
            if candidates.is_empty() {
                return Ok(Vec::new());
            }
            let sql = ::std::format!("{}{})", #targets_prefix, ::charter_runtime::__private::sql::placeholders(2, candidates.len()));
            let query = db.query(sql).bind(key).bind_all(candidates.iter().cloned());
            query.fetch_all_scalar::<#dst_ty>().await
        }
    }
}
