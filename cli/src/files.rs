//! The CLI's errors, and the one way it writes into a user's project: never over an existing file.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum CliError {
    /// Spec diagnostics, migrations, generation.
    Generate(charter_codegen::Error),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A mistake on the command line: exit 2.
    Usage(String),
    /// The command would overwrite or could not understand a user's file: nothing was changed.
    Refused(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Generate(e) => write!(f, "{e}"),
            CliError::Io { path, source } => write!(f, "error: {}: {source}", path.display()),
            CliError::Usage(m) | CliError::Refused(m) => write!(f, "error: {m}"),
        }
    }
}

impl From<charter_codegen::Error> for CliError {
    fn from(e: charter_codegen::Error) -> Self {
        CliError::Generate(e)
    }
}

pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
    move |source| CliError::Io { path: path.to_path_buf(), source }
}

/// Creates `path` (and its directories) with `text`; an existing file is an error and is left alone.
pub fn write_new(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Refused(format!("{} exists; charter never overwrites a file", path.display()))
        } else {
            CliError::Io { path: path.to_path_buf(), source }
        }
    })?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io(path))
}

/// Adds `line` to a user's Rust file after its last line that starts with `after` (or at the end), unless
/// the file already has it. The file's other bytes are kept.
pub fn insert_line(path: &Path, line: &str, after: &str) -> Result<bool, CliError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    if text.lines().any(|l| l.trim() == line) {
        return Ok(false);
    }
    let mut lines: Vec<&str> = text.lines().collect();
    match lines.iter().rposition(|l| l.starts_with(after)) {
        Some(i) => lines.insert(i + 1, line),
        // The first of its kind: a paragraph of its own at the end.
        None => {
            if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                lines.push("");
            }
            lines.push(line);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    std::fs::write(path, out).map_err(io(path))?;
    Ok(true)
}
