//! The one `SELECT` a loader runs: every computed field of a type (and of the types it nests through
//! `belongs_to`) as a column of a single statement over the page's keys, instead of a statement per field.
//!
//! Related rows are joined; many-to-many values, counts and caller checks are correlated subqueries on the
//! join tables' keys, which both planners run as index lookups. Lists come back as one JSON array per row.

use crate::rust::code::{Code, code};
use charter_spec::{Model, ScalarType, Source, Spec, TypeDef};

use super::super::names::{self, From};

/// How deep `belongs_to` nesting is joined before the loader falls back to a statement per level.
const MAX_JOIN_DEPTH: usize = 4;

/// One selected column: its alias (also the field of the generated row struct), its Rust type, and its SQL.
#[derive(Clone)]
pub struct Column {
    pub alias: String,
    pub ty: Code,
    sqlite: String,
    postgres: String,
    /// The SQL when no caller is signed in (caller checks are simply false), if it differs.
    anonymous: Option<String>,
}

#[derive(Clone)]
pub struct Projection<'s> {
    spec: &'s Spec,
    from: From<'s>,
    pub columns: Vec<Column>,
    joins: Vec<String>,
    aliases: usize,
    /// The Rust type of the caller's key, when some column compares with it (bound as `$1`).
    pub caller_key: Option<Code>,
    /// Whether the loaded row `c` is owned, so reads move its fields instead of cloning them.
    owned: bool,
}

/// Where a computed field goes: a field of a type built from rows of `model` (aliased `at` in the
/// statement), selected as column `alias`.
#[derive(Clone, Copy)]
pub struct Slot<'a> {
    pub model: &'a Model,
    pub at: &'a str,
    pub alias: &'a str,
    pub field: &'a charter_spec::TypeField,
}

impl<'s> Projection<'s> {
    pub fn new(spec: &'s Spec, from: From<'s>, owned: bool) -> Projection<'s> {
        Projection { spec, from, columns: Vec::new(), joins: Vec::new(), aliases: 1, caller_key: None, owned }
    }

    /// Reads column `col` of the loaded row `c`, cloning it only when the row is borrowed and the value
    /// is not `Copy`.
    pub fn read(&self, col: &crate::rust::code::Ident, copy: bool) -> Code {
        if self.owned || copy { code!(c.#col) } else { code!(c.#col.clone()) }
    }

    fn alias(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    fn push(&mut self, alias: String, ty: Code, sql: String) {
        self.columns.push(Column { alias, ty, sqlite: sql.clone(), postgres: sql, anonymous: None });
    }

    /// Selects a plain column of a joined (or the root) table.
    pub fn plain(&mut self, alias: String, ty: Code, table_alias: &str, column: &str) {
        self.push(alias, ty, format!(r#"{table_alias}."{column}""#));
    }

    /// Selects the computed field `source` into `slot` (see [`Slot`]), and returns the
    /// expression that reads it from the loaded row `c`. `None` when SQL cannot express it; the projection
    /// is then left as it was.
    pub fn computed(&mut self, slot: Slot<'_>, source: &Source, stack: &mut Vec<String>) -> Option<Code> {
        let rel = |name: &str| slot.model.many_to_many.iter().find(|r| r.name == name);
        match source {
            Source::Values { relation, target, target_column } => {
                self.values(slot, rel(relation)?, target, target_column)
            }
            Source::Count { relation } => Some(self.count(slot, rel(relation)?)),
            Source::ContainsCaller { relation } | Source::CallerContains { relation } => {
                let contains = matches!(source, Source::ContainsCaller { .. });
                Some(self.caller_check(slot, rel(relation)?, contains))
            }
            Source::Related { column, target, .. } => self.related(slot, column, target, stack),
        }
    }

    /// The target values of a many-to-many relation, as one JSON array column.
    fn values(
        &mut self,
        slot: Slot<'_>,
        rel: &charter_spec::ManyToMany,
        target: &charter_spec::Ref,
        target_column: &str,
    ) -> Option<Code> {
        let Slot { model, at, alias, field } = slot;
        let pk = &model.primary_key().column;
        let col = names::ident(alias);
        let target_model = self.spec.model(target)?;
        let value = target_model.fields.iter().find(|f| f.column == *target_column)?;
        // JSON carries these the same way on both backends; anything else takes the fallback.
        let collate = match value.ty {
            ScalarType::String | ScalarType::Text => r#" COLLATE "C""#,
            ScalarType::Int | ScalarType::BigInt | ScalarType::Float => "",
            ScalarType::DateTime | ScalarType::Date => "",
            _ => return None,
        };
        let (item, sortable) = match &field.shape {
            charter_spec::Shape::List(inner) => {
                let ordered = |t: &ScalarType| {
                    matches!(t, ScalarType::String | ScalarType::Text | ScalarType::Int | ScalarType::BigInt)
                };
                let sortable = ordered(&value.ty) && matches!(&**inner, charter_spec::Shape::Scalar(t) if ordered(t));
                (names::shape(inner, self.from), sortable)
            }
            _ => return None,
        };
        let (j, v) = (self.alias("j"), self.alias("v"));
        let tpk = &target_model.primary_key().column;
        let from = format!(
            r#"FROM "{join}" {j} JOIN "{table}" {v} ON {v}."{tpk}" = {j}."{tgt}" WHERE {j}."{src}" = {at}."{pk}""#,
            join = rel.join_table,
            table = target_model.table,
            tgt = rel.target_column,
            src = rel.source_column,
        );
        let value = format!(r#"{v}."{target_column}""#);
        self.columns.push(Column {
            alias: alias.to_owned(),
            ty: code!(::charter_runtime::db::JsonList<#item>),
            // An `ORDER BY` inside the aggregate sorts each row's values on its own (SQLite in
            // a temporary b-tree, PostgreSQL in a tuplesort per group); they are sorted after
            // decoding instead, in byte order like BINARY and `COLLATE "C"` (only for types
            // whose Rust order is the database's).
            sqlite: if sortable {
                format!("(SELECT json_group_array({value}) {from})")
            } else {
                format!("(SELECT json_group_array({value} ORDER BY {value}) {from})")
            },
            postgres: if sortable {
                format!("COALESCE((SELECT json_agg({value}) {from})::text, '[]')")
            } else {
                format!("COALESCE((SELECT json_agg({value} ORDER BY {value}{collate}) {from})::text, '[]')")
            },
            anonymous: None,
        });
        let list = self.read(&col, false);
        Some(if sortable { code!(::charter_runtime::db::JsonList::sorted(#list)) } else { code!(#list.0) })
    }

    /// How many rows a row links to.
    fn count(&mut self, slot: Slot<'_>, rel: &charter_spec::ManyToMany) -> Code {
        let Slot { model, at, alias, field } = slot;
        let pk = &model.primary_key().column;
        let col = names::ident(alias);
        let j = self.alias("j");
        let sql = format!(
            r#"(SELECT COUNT(*) FROM "{join}" {j} WHERE {j}."{src}" = {at}."{pk}")"#,
            join = rel.join_table,
            src = rel.source_column
        );
        self.push(alias.to_owned(), code!(i64), sql);
        match &field.shape {
            charter_spec::Shape::Scalar(ScalarType::Int) => code!(i32::try_from(c.#col).unwrap_or(i32::MAX)),
            _ => code!(c.#col),
        }
    }

    /// Whether the caller is linked to a row (`contains`: the caller is among the row's targets), `false`
    /// for an anonymous caller.
    fn caller_check(&mut self, slot: Slot<'_>, rel: &charter_spec::ManyToMany, contains: bool) -> Code {
        let Slot { model, at, alias, .. } = slot;
        let pk = &model.primary_key().column;
        let col = names::ident(alias);
        let j = self.alias("j");
        let (src, tgt) = (&rel.source_column, &rel.target_column);
        let (condition, key) = if contains {
            (format!(r#"{j}."{src}" = {at}."{pk}" AND {j}."{tgt}" = $1"#), &rel.target_key)
        } else {
            (format!(r#"{j}."{src}" = $1 AND {j}."{tgt}" = {at}."{pk}""#), &rel.source_key)
        };
        self.caller_key = Some(names::column(key, self.from));
        let sql = format!(r#"EXISTS (SELECT 1 FROM "{join}" {j} WHERE {condition})"#, join = rel.join_table);
        self.columns.push(Column {
            alias: alias.to_owned(),
            ty: code!(bool),
            sqlite: sql.clone(),
            postgres: sql,
            anonymous: Some("FALSE".into()),
        });
        code!(c.#col)
    }

    /// A related row's type, its fields read from a join (nested up to `MAX_JOIN_DEPTH`).
    fn related(
        &mut self,
        slot: Slot<'_>,
        column: &str,
        target: &charter_spec::Ref,
        stack: &mut Vec<String>,
    ) -> Option<Code> {
        let Slot { model, at, alias, field } = slot;
        let fk = model.fields.iter().find(|x| x.column == *column)?;
        let nested_ref = match &field.shape {
            charter_spec::Shape::Named(r) => r,
            _ => return None,
        };
        let nested = self.spec.type_def(nested_ref)?;
        if stack.len() >= MAX_JOIN_DEPTH || stack.contains(&nested.name) {
            return None;
        }
        let target_model = self.spec.model(target)?;
        let mut trial = self.clone();
        let t = trial.alias("t");
        let kind = if fk.optional { "LEFT JOIN" } else { "JOIN" };
        let tpk = &target_model.primary_key().column;
        trial.joins.push(format!(r#"{kind} "{}" {t} ON {t}."{tpk}" = {at}."{column}""#, target_model.table));
        stack.push(nested.name.clone());
        let built = trial.nested(nested, target_model, &t, alias, fk.optional, stack);
        stack.pop();
        let init = built?;
        *self = trial;
        let path = names::type_path(nested_ref, self.from);
        Some(if fk.optional {
            let present = names::ident(&format!("{alias}__key"));
            code!(match &c.#present { Some(_) => Some(#path { #init }), None => None })
        } else if field.optional {
            code!(Some(#path { #init }))
        } else {
            code!(#path { #init })
        })
    }

    /// The field initializers of a nested type read from joined table `t`; `nullable` when the join is a
    /// LEFT JOIN, so every column may be NULL and required ones are checked.
    fn nested(
        &mut self,
        nested: &TypeDef,
        model: &Model,
        t: &str,
        prefix: &str,
        nullable: bool,
        stack: &mut Vec<String>,
    ) -> Option<Code> {
        if nested.from_model.as_ref().and_then(|r| self.spec.model(r)).map(|m| m.table.as_str()) != Some(&model.table) {
            return None;
        }
        if nullable {
            let pk = model.primary_key();
            let ty = names::column(&pk.ty, self.from);
            self.plain(format!("{prefix}__key"), code!(Option<#ty>), t, &pk.column);
        }
        let mut inits = Vec::new();
        for f in &nested.fields {
            let name = names::ident(&f.name);
            let alias = format!("{prefix}__{}", f.name);
            let value = match (&f.source, &f.model_field) {
                (Some(source), _) => self.computed(Slot { model, at: t, alias: &alias, field: f }, source, stack)?,
                (None, Some(mf)) => {
                    let mf = model.field(mf)?;
                    let base = names::column(&mf.ty, self.from);
                    let ty = if mf.optional || nullable { code!(Option<#base>) } else { base };
                    self.plain(alias.clone(), ty, t, &mf.column);
                    let col = names::ident(&alias);
                    let missing = format!("joined `{}` row without `{}`", model.name, mf.name);
                    let owned = if nullable && !mf.optional {
                        {
                            let read = self.read(&col, names::is_copy(&mf.ty));
                            code!(#read.ok_or_else(|| ::charter_runtime::DbError::Decode(#missing.into()))?)
                        }
                    } else {
                        self.read(&col, names::is_copy(&mf.ty))
                    };
                    super::plain_value(mf, f, owned, self.from)
                }
                (None, None) => return None,
            };
            inits.push(code!(#name: #value));
        }
        Some(code!(#(#inits),*))
    }

    /// The statement as a runtime `Select`: each column `<sql> AS "<alias>"` in the forms it takes per
    /// backend and caller (the runtime puts the texts together once), and the joins after the root. The
    /// root goes between them under its table's name (the table itself, or a page of it as a derived
    /// table), so model filters and orderings, written against that name, apply as they are. A caller's
    /// key is `$1` when bound, so further placeholders start after it.
    pub fn select(&self, root: &str) -> Code {
        let l = code!(::charter_runtime::__private::loader);
        let columns = self.columns.iter().map(|c| {
            let with_alias = |sql: &str| format!(r#"{sql} AS "{}""#, c.alias);
            let (sqlite, postgres) = (with_alias(&c.sqlite), with_alias(&c.postgres));
            match (&c.anonymous, sqlite == postgres) {
                (None, true) => code!(#l::Column::Same(#sqlite)),
                (None, false) => code!(#l::Column::Backend { sqlite: #sqlite, postgres: #postgres }),
                (Some(anonymous), true) => {
                    let anonymous = with_alias(anonymous);
                    code!(#l::Column::Caller { signed_in: #sqlite, anonymous: #anonymous })
                }
                (Some(anonymous), false) => {
                    let anonymous = with_alias(anonymous);
                    code!(#l::Column::Both { sqlite: #sqlite, postgres: #postgres, anonymous: #anonymous })
                }
            }
        });
        let joins: String = self.joins.iter().map(|j| format!(" {j}")).collect();
        code!(#l::Select::new(#root, &[#(#columns),*], #joins))
    }

    /// Whether any column depends on the caller (the statement then has a signed-in and an anonymous form).
    pub fn uses_caller(&self) -> bool {
        self.columns.iter().any(|c| c.anonymous.is_some())
    }
}
