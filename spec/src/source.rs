//! Source files and byte spans into them.

use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A located range in one source file: byte offsets plus the 1-based line and column of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as the user wrote it (relative to the spec root's parent when possible), used in messages.
    pub path: PathBuf,
    pub text: String,
}

/// Every file the spec was read from; diagnostics and generated messages point into it.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile { path: path.into(), text: text.into() });
        FileId(self.files.len() as u32 - 1)
    }

    /// Adds a file known only by its path (a migration, a snapshot, a directory; an empty path for none):
    /// a diagnostic at the returned span renders as `--> path`, without a snippet, and
    /// [`location`](SourceMap::location) is the path alone.
    pub fn add_path(&mut self, path: impl Into<PathBuf>) -> Span {
        Span { file: self.add(path, ""), ..Span::default() }
    }

    /// A span in `file` at 1-based `line` and `col` (in characters), up to the end of that line, or `None`
    /// when the file has no such place: for problems other tools report by line and column.
    pub fn span_at(&self, file: FileId, line: usize, col: usize) -> Option<Span> {
        let text = &self.file(file).text;
        let line_start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2)?.0 + 1 };
        let line_text = &text[line_start..];
        let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
        let start =
            line_start + line_text.char_indices().nth(col.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i);
        let end = line_start + line_text.len();
        Some(Span { file, start, end: end.max(start), line: line.max(1) as u32, col: col.max(1) as u32 })
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.file(id).path
    }

    /// `path:line:col`, the form editors and terminals turn into links; the path alone for a span with no
    /// line (in a file added with [`add_path`](SourceMap::add_path)).
    pub fn location(&self, span: Span) -> String {
        if span.line == 0 {
            return self.path(span.file).display().to_string();
        }
        format!("{}:{}:{}", self.path(span.file).display(), span.line, span.col)
    }
}
