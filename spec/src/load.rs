//! Reading a spec directory: `project.yaml` plus one file per app (or a folder of files per app).

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, Severity, end_stage};
use crate::ir::Spec;
use crate::parse::{self, Reader};
use crate::source::{FileId, SourceMap, Span};
use crate::{resolve, yaml};

pub const PROJECT_FILE: &str = "project.yaml";

/// `project.yml` is the project file too: read as an app file it would only say "missing `app`".
fn is_project_file(path: &Path) -> bool {
    matches!(path.file_name().and_then(|n| n.to_str()), Some("project.yaml" | "project.yml"))
}

/// Loads every `*.yaml`/`*.yml` under `dir`. Paths in diagnostics are shown relative to `dir`'s parent
/// (`spec/blog.yaml`), so messages and generated code do not depend on where the checkout lives.
pub fn load_dir(dir: &Path) -> Result<Spec, Diagnostics> {
    let display_root = dir.parent().unwrap_or(Path::new(""));
    let mut files = Vec::new();
    let mut io_errors = Vec::new();
    collect(dir, &mut files, &mut io_errors);
    files.sort();
    let mut loaded = Vec::new();
    for path in files {
        let shown = path.strip_prefix(display_root).unwrap_or(&path).to_path_buf();
        match std::fs::read(&path) {
            Ok(bytes) => loaded.push((shown, Text::from(bytes))),
            Err(e) => io_errors.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    if !io_errors.is_empty() || loaded.is_empty() {
        let mut sources = SourceMap::default();
        let file = sources.add(dir.to_path_buf(), "");
        let message = if io_errors.is_empty() {
            format!("no spec files (*.yaml) in {}", dir.display())
        } else {
            io_errors.join("; ")
        };
        let d = Diagnostic::error("io", Span { file, ..Span::default() }, message)
            .help(format!("a spec directory holds `{PROJECT_FILE}` and one YAML file per app"));
        return Err(Diagnostics { sources, items: vec![d] });
    }
    load(loaded)
}

/// Which of two project files counts is a guess either way: both are reported, neither is resolved.
fn second_project(sources: &SourceMap, first: FileId, second: FileId) -> Diagnostic {
    let at_start = |file| {
        let text = &sources.file(file).text;
        Span { file, start: 0, end: text.find('\n').unwrap_or(text.len()), line: 1, col: 1 }
    };
    Diagnostic::error(
        "duplicate-project",
        at_start(second),
        format!("a second project file: `{}` is the project file already", sources.path(first).display()),
    )
    .label("another project file")
    .related(at_start(first), "the first project file")
    .help("keep one `project.yaml` (or `project.yml`) in the spec directory")
}

/// A file's contents: text, or bytes that are not UTF-8, kept (lossily) so the diagnostic can show them.
enum Text {
    Utf8(String),
    NotUtf8 { lossy: String, bad_byte: usize, value: u8 },
}

impl From<Vec<u8>> for Text {
    fn from(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Text::Utf8(text),
            Err(e) => {
                let bad_byte = e.utf8_error().valid_up_to();
                let value = e.as_bytes()[bad_byte];
                Text::NotUtf8 { lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(), bad_byte, value }
            }
        }
    }
}

/// Where the first invalid byte is. The lossy text equals the file up to that byte, so offsets agree.
fn not_utf8(file: FileId, lossy: &str, bad_byte: usize, value: u8) -> Diagnostic {
    let before = &lossy[..bad_byte];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() as u32 + 1;
    let end = lossy[bad_byte..].chars().next().map_or(bad_byte, |c| bad_byte + c.len_utf8());
    let span = Span { file, start: bad_byte, end, line, col };
    Diagnostic::error("not-utf8", span, format!("the file is not UTF-8 text: byte 0x{value:02X} at {line}:{col}"))
        .label("not UTF-8")
        .help("save the file as UTF-8 (an editor's \"encoding\" setting); spec files are UTF-8")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("cannot read spec directory {}: {e}", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out, errors);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

/// Loads a spec from in-memory files. The file named `project.yaml` or `project.yml` (in any folder) is the
/// project file; every other file is an app file.
pub fn load_files(files: Vec<(PathBuf, String)>) -> Result<Spec, Diagnostics> {
    load(files.into_iter().map(|(path, text)| (path, Text::Utf8(text))).collect())
}

fn load(files: Vec<(PathBuf, Text)>) -> Result<Spec, Diagnostics> {
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    // Files and YAML come first: a bad alias or merge key explains the shape errors found in its value.
    let mut shape_diags = Vec::new();
    let mut project = None;
    let mut saw_project = false;
    // A file whose YAML (or `app:`) is broken declares nothing we know of: resolving without it would report
    // every reference to its models and types as unknown, so its own errors are reported alone.
    let mut unreadable = false;
    let mut apps = Vec::new();
    let mut first_project = None;
    let mut ids = Vec::new();
    for (path, text) in files {
        match text {
            Text::Utf8(text) => ids.push(sources.add(path, text)),
            // Not read as YAML: saphyr would stop at the replacement character with a less useful message.
            Text::NotUtf8 { lossy, bad_byte, value } => {
                saw_project |= is_project_file(&path);
                let id = sources.add(path, lossy);
                diags.push(not_utf8(id, &sources.file(id).text, bad_byte, value));
                unreadable = true;
            }
        }
    }
    for id in ids {
        let file = sources.file(id);
        let is_project = is_project_file(&file.path);
        saw_project |= is_project;
        if is_project && let Some(first) = first_project {
            diags.push(second_project(&sources, first, id));
            unreadable = true;
        } else if is_project {
            first_project = Some(id);
        }
        let Some(node) = yaml::parse(id, &file.text, &mut diags) else {
            unreadable = true;
            continue;
        };
        let mut reader = Reader { diags: &mut shape_diags };
        if is_project {
            project = project.or(Some(parse::parse_project(&mut reader, &node)));
        } else if let Some(app) = parse::parse_app(&mut reader, &node) {
            apps.push(app);
        } else {
            unreadable = true;
        }
    }
    let mut stage = 0;
    end_stage(&mut diags, &mut stage);
    diags.append(&mut shape_diags);
    end_stage(&mut diags, &mut stage);
    let spec = match project {
        Some(project) if !unreadable => resolve::resolve(project, apps, &mut diags, &mut stage, &sources),
        None if !saw_project => {
            let first = sources.files().next().map(|(id, _)| id);
            let file = first.unwrap_or_else(|| sources.add("spec", ""));
            diags.push(
                Diagnostic::error(
                    "missing-project",
                    Span { file, ..Span::default() },
                    format!("no `{PROJECT_FILE}` in the spec"),
                )
                .help(format!("add `{PROJECT_FILE}` with at least `title:` and `version:`")),
            );
            None
        }
        // Errors are reported; resolving without the unreadable files would only add noise.
        _ => None,
    };
    end_stage(&mut diags, &mut stage);
    diags.dedup();
    let diagnostics = Diagnostics { sources, items: diags };
    match spec {
        Some(mut spec) if !diagnostics.has_errors() => {
            spec.sources = diagnostics.sources;
            Ok(spec)
        }
        _ => {
            debug_assert!(diagnostics.items.iter().any(|d| d.severity == Severity::Error));
            Err(diagnostics)
        }
    }
}
