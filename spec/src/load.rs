//! Reading a spec directory: `project.yaml` plus one file per app (or a folder of files per app).

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::ir::Spec;
use crate::parse::{self, Reader};
use crate::source::{SourceMap, Span};
use crate::{resolve, yaml};

pub const PROJECT_FILE: &str = "project.yaml";

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
        match std::fs::read_to_string(&path) {
            Ok(text) => loaded.push((shown, text)),
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
    load_files(loaded)
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

/// Loads a spec from in-memory files. The file named `project.yaml` (in any folder) is the project file;
/// every other file is an app file.
pub fn load_files(files: Vec<(PathBuf, String)>) -> Result<Spec, Diagnostics> {
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let mut project = None;
    let mut saw_project = false;
    // A file whose YAML (or `app:`) is broken declares nothing we know of: resolving without it would report
    // every reference to its models and types as unknown, so its own errors are reported alone.
    let mut unreadable = false;
    let mut apps = Vec::new();
    let ids: Vec<_> = files.into_iter().map(|(path, text)| sources.add(path, text)).collect();
    for id in ids {
        let file = sources.file(id);
        let is_project = file.path.file_name().and_then(|n| n.to_str()) == Some(PROJECT_FILE);
        saw_project |= is_project;
        let Some(node) = yaml::parse(id, &file.text, &mut diags) else {
            unreadable = true;
            continue;
        };
        let mut reader = Reader { diags: &mut diags };
        if is_project {
            project = Some(parse::parse_project(&mut reader, &node));
        } else if let Some(app) = parse::parse_app(&mut reader, &node) {
            apps.push(app);
        } else {
            unreadable = true;
        }
    }
    let spec = match project {
        Some(project) if !unreadable => resolve::resolve(project, apps, &mut diags, &sources),
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
    diags.sort_by(|a, b| (a.span.file, a.span.start, a.code).cmp(&(b.span.file, b.span.start, b.code)));
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
