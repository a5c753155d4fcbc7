//! Where a problem the generator finds in a schema is reported: at the model, field, index or relation of
//! the spec that declares the table or columns concerned, else in the snapshot (`schema.json`) that records
//! them, else at the snapshot's path. Every such problem is a [`Diagnostic`], rendered like the spec's own.

use std::path::Path;

use charter_spec::{Diagnostic, Diagnostics, FileId, Model, SourceMap, Span, Spec};

/// What a problem is about: a table and, possibly, some of its columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub table: Option<String>,
    pub columns: Vec<String>,
}

impl Subject {
    pub fn none() -> Subject {
        Subject::default()
    }

    pub fn table(table: &str) -> Subject {
        Subject { table: Some(table.to_owned()), columns: Vec::new() }
    }

    pub fn columns(table: &str, columns: &[String]) -> Subject {
        Subject { table: Some(table.to_owned()), columns: columns.to_vec() }
    }
}

/// Turns subjects into places. Owns the sources the diagnostics it makes point into.
pub(crate) struct Locator<'a> {
    spec: Option<&'a Spec>,
    sources: SourceMap,
    /// The snapshot: a span at its path, and its text's file when it was read.
    snapshot: Option<(Span, Option<FileId>)>,
}

impl<'a> Locator<'a> {
    /// Places in the spec (when there is one), then in the snapshot at `snapshot` (its text when given).
    pub fn new(spec: Option<&'a Spec>, snapshot: Option<(&Path, Option<&str>)>) -> Locator<'a> {
        let mut sources = spec.map(|s| s.sources.clone()).unwrap_or_default();
        // The path alone too, for a problem with no place in the text.
        let snapshot = snapshot.map(|(path, text)| {
            let file = text.map(|text| sources.add(path, text));
            (sources.add_path(path), file)
        });
        Locator { spec, sources, snapshot }
    }

    /// A span that renders as the path alone (the path may be empty: no location line at all).
    pub fn path(&mut self, path: &Path) -> Span {
        self.sources.add_path(path)
    }

    pub fn span_at(&self, file: FileId, line: usize, col: usize) -> Option<Span> {
        self.sources.span_at(file, line, col)
    }

    /// The snapshot file's id, when its text was given.
    pub fn snapshot_file(&self) -> Option<FileId> {
        self.snapshot.and_then(|(_, f)| f)
    }

    /// An error diagnostic about `subject`, at its place with a label saying what is there.
    pub fn error(&mut self, code: &'static str, subject: &Subject, message: impl Into<String>) -> Diagnostic {
        let (span, label) = self.place(subject);
        Diagnostic::error(code, span, message).label(label)
    }

    pub fn finish(self, items: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics { sources: self.sources, items }
    }

    fn place(&mut self, subject: &Subject) -> (Span, &'static str) {
        let table = subject.table.as_deref();
        if let Some(found) = table.and_then(|t| self.in_spec(t, &subject.columns)) {
            return found;
        }
        if let Some((at, file)) = self.snapshot {
            if let (Some(table), Some(file)) = (table, file)
                && let Some(found) = self.in_snapshot(file, table, &subject.columns)
            {
                return found;
            }
            return (at, "");
        }
        (self.sources.add_path(""), "")
    }

    fn in_spec(&self, table: &str, columns: &[String]) -> Option<(Span, &'static str)> {
        let models = self.spec?.apps.iter().flat_map(|a| &a.models);
        for model in models {
            if let Some(m) = model.many_to_many.iter().find(|m| m.join_table == table) {
                return Some((m.span, "the join table of this relation"));
            }
            if model.table != table {
                continue;
            }
            if columns.len() > 1
                && let Some(ix) = model.indexes.iter().find(|ix| index_columns(model, &ix.columns) == columns)
            {
                return Some((ix.span, "this index"));
            }
            if let Some(f) = columns.first().and_then(|c| model.fields.iter().find(|f| &f.column == c)) {
                return Some((f.span, "this field's column"));
            }
            return Some((model.span, "this model's table"));
        }
        None
    }

    /// In the snapshot as `to_json` writes it: a table's `"name"` at six spaces, its columns' at ten.
    fn in_snapshot(&self, file: FileId, table: &str, columns: &[String]) -> Option<(Span, &'static str)> {
        let text = &self.sources.file(file).text;
        let key = |indent: usize, name: &str| {
            format!("\n{}\"name\": {}", " ".repeat(indent), serde_json::to_string(name).unwrap_or_default())
        };
        let table_at = text.find(&key(6, table))? + 1;
        let table_end = text[table_at..].find(&key(6, "")[..14]).map_or(text.len(), |i| table_at + i);
        let at = columns
            .first()
            .and_then(|c| text[table_at..table_end].find(&key(10, c)).map(|i| table_at + i + 1))
            .unwrap_or(table_at);
        let line = text[..at].matches('\n').count() + 1;
        let indent = text[at..].len() - text[at..].trim_start_matches(' ').len();
        let mut span = self.sources.span_at(file, line, indent + 1)?;
        if text[..span.end].ends_with(',') {
            span.end -= 1;
        }
        Some((span, if at == table_at { "this table" } else { "this column" }))
    }
}

/// The columns of a declared index: the spec names fields (`author`), the table has columns (`author_id`).
fn index_columns(model: &Model, names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|c| model.field(c).or_else(|| model.fields.iter().find(|f| &f.column == c)).map_or(c, |f| &f.column))
        .cloned()
        .collect()
}
