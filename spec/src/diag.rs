//! Diagnostics: every problem found in a spec, with where it is and how to fix it.

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::source::{SourceMap, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a spec, or found by the generator in what the spec describes (a schema, a migration).
/// `code` is stable (tests and docs refer to it); the message is lowercase, quotes the offending syntax and
/// has no trailing period, like rustc's. A span in a file known only by its path ([`SourceMap::add_path`])
/// renders as `--> path`, without a snippet.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    pub notes: Vec<String>,
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            notes: Vec::new(),
            related: Vec::new(),
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.or(self.help);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }
}

/// Orders the diagnostics from `*from` on (one stage of checking) by place, and starts the next stage.
/// Stages run cause first (files, then app names, models, types, endpoints), so ordering by stage before
/// place prints a cause before the errors that follow from it, even when those are in an earlier file.
pub(crate) fn end_stage(diags: &mut [Diagnostic], from: &mut usize) {
    diags[*from..].sort_by(|a, b| (a.span.file, a.span.start, a.code).cmp(&(b.span.file, b.span.start, b.code)));
    *from = diags.len();
}

/// All the diagnostics of one load, with the sources needed to render them.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub sources: SourceMap,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// Renders every diagnostic in rustc's layout, then the count of errors in the spec; `color` for
    /// terminals.
    pub fn render(&self, color: bool) -> String {
        let mut out = self.render_items(color);
        let errors = self.error_count();
        if errors > 0 {
            let s = if errors == 1 { "" } else { "s" };
            out.push_str(&format!("error: the spec has {errors} error{s}\n"));
        }
        out
    }
}

impl Diagnostics {
    /// Renders every diagnostic in rustc's layout, each followed by a blank line, without the closing count:
    /// for callers whose summary line says something else than "the spec has N errors".
    pub fn render_items(&self, color: bool) -> String {
        let renderer = if color { Renderer::styled() } else { Renderer::plain() };
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&render_one(&renderer, &self.sources, d));
            out.push_str("\n\n");
        }
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

fn render_one(renderer: &Renderer, sources: &SourceMap, d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let file = sources.file(d.span.file);
    let path = file.path.display().to_string();
    if file.text.is_empty() {
        return render_without_source(renderer, level, &path, d);
    }
    let mut snippet = Snippet::source(file.text.as_str())
        .path(path.as_str())
        .annotation(AnnotationKind::Primary.span(clamp(d.span, &file.text)).label(d.label.as_str()));
    let mut others = Vec::new();
    for (span, label) in &d.related {
        if span.file == d.span.file {
            snippet = snippet.annotation(AnnotationKind::Context.span(clamp(*span, &file.text)).label(label.as_str()));
        } else {
            others.push((*span, label.as_str()));
        }
    }
    let mut group = level.primary_title(d.message.as_str()).id(d.code).element(snippet);
    let other_paths: Vec<String> = others.iter().map(|(s, _)| sources.path(s.file).display().to_string()).collect();
    for ((span, label), p) in others.iter().zip(&other_paths) {
        let text = &sources.file(span.file).text;
        group = group.element(
            Snippet::source(text.as_str())
                .path(p.as_str())
                .annotation(AnnotationKind::Context.span(clamp(*span, text)).label(*label)),
        );
    }
    finish(renderer, group, d)
}

/// A diagnostic in a file known only by its path (or in none: an empty path): the title, `--> path`, the
/// related places as `::: path`, notes and help; no snippet.
fn render_without_source(renderer: &Renderer, level: Level<'_>, path: &str, d: &Diagnostic) -> String {
    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
    if !path.is_empty() {
        group = group.element(Origin::path(path));
    }
    if !d.label.is_empty() {
        group = group.element(Level::NOTE.message(d.label.as_str()));
    }
    finish(renderer, group, d)
}

/// Appends the notes and the help, the same after a snippet or without one, and renders.
fn finish<'a>(renderer: &Renderer, mut group: Group<'a>, d: &'a Diagnostic) -> String {
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let report: [Group<'_>; 1] = [group];
    renderer.render(&report).to_string()
}

/// "a" or "an" before a type name in a message: "an `int` field", "a `uuid` field".
pub(crate) fn a_or_an(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o']) { "an" } else { "a" }
}

/// The span as a range annotate-snippets accepts (it panics on one that splits a character).
fn clamp(span: Span, text: &str) -> std::ops::Range<usize> {
    let start = text.floor_char_boundary(span.start);
    let end = text.ceil_char_boundary(span.end.clamp(start, text.len()));
    start..end
}
