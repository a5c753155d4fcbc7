//! Growing a project: `charter add-app` and `charter scaffold`. Both only add: a file that exists is never
//! written, and the only edits of existing files are one-line insertions (`mod x;`, an entry of `apps:`).

use std::path::{Path, PathBuf};

use charter_codegen::Builder;
use charter_codegen::rust::{HookNames, use_case_file};

use crate::files::{self, CliError};

/// `charter add-app NAME`: `spec/NAME.yaml`, its entry in `project.yaml`'s `apps:`, `src/NAME/mod.rs` and
/// `mod NAME;` in `src/lib.rs`. Returns what it did, one line each.
pub fn add_app(builder: &Builder, name: &str) -> Result<Vec<String>, CliError> {
    let spec = builder.load()?;
    if !charter_codegen::spec::is_snake_ident(name) || charter_codegen::spec::is_rust_keyword(name) {
        return Err(CliError::Usage(format!(
            "`{name}` cannot be an app name: it becomes a Rust module, so use snake_case letters, digits and `_`, \
             not a Rust keyword"
        )));
    }
    if spec.apps.iter().any(|a| a.name == name) {
        return Err(CliError::Refused(format!("the project already has an app `{name}`")));
    }
    let root = project_root(builder);
    let spec_file = builder.spec_path().join(format!("{name}.yaml"));
    let depends = if spec.apps.iter().any(|a| a.name == "core") { "depends_on: [core]\n" } else { "" };
    files::write_new(
        &spec_file,
        &format!(
            "# The `{name}` app: its models, types and endpoints. The spec language: Charter's docs/spec.md.\n\
             app: {name}\n{depends}\nmodels: {{}}\n\ntypes: {{}}\n\nendpoints: {{}}\n"
        ),
    )?;
    let mut done = vec![format!("wrote {}", shown(&root, &spec_file))];
    let project = builder.spec_path().join("project.yaml");
    if add_to_apps_list(&project, name)? {
        done.push(format!("added `{name}` to `apps:` in {}", shown(&root, &project)));
    }
    done.extend(app_module(&root, name)?);
    Ok(done)
}

/// `charter scaffold`: the use-case file of every endpoint that no file under `src/` implements yet.
pub fn scaffold(builder: &Builder, dry_run: bool) -> Result<Vec<String>, CliError> {
    let spec = builder.load()?;
    let root = project_root(builder);
    let implemented = implemented_hooks(&root.join("src"))?;
    let mut done = Vec::new();
    for app in &spec.apps {
        for e in &app.endpoints {
            let names = HookNames::of(&e.name);
            if implemented.iter().any(|text| implements(text, &names.trait_name)) {
                continue;
            }
            let file = root.join("src").join(&app.name).join(format!("{}.rs", e.name));
            let what = format!("{} ({} {}, {})", shown(&root, &file), e.method.upper(), e.path, spec.location(e.span));
            if dry_run {
                done.push(format!("would write {what}"));
                continue;
            }
            if !root.join("src").join(&app.name).join("mod.rs").exists() {
                done.extend(app_module(&root, &app.name)?);
            }
            files::write_new(&file, &use_case_file(&spec, app, e))?;
            files::insert_line(&root.join("src").join(&app.name).join("mod.rs"), &format!("mod {};", e.name), "mod ")?;
            done.push(format!("wrote {what}"));
        }
    }
    Ok(done)
}

/// `src/<app>/mod.rs` and its `mod` line in `src/lib.rs`.
fn app_module(root: &Path, app: &str) -> Result<Vec<String>, CliError> {
    let module = root.join("src").join(app).join("mod.rs");
    let mut done = Vec::new();
    if !module.exists() {
        files::write_new(&module, &format!("//! Use cases of the `{app}` app, one file per endpoint.\n"))?;
        done.push(format!("wrote {}", shown(root, &module)));
    }
    let lib = root.join("src/lib.rs");
    if files::insert_line(&lib, &format!("mod {app};"), "mod ")? {
        done.push(format!("added `mod {app};` to {}", shown(root, &lib)));
    }
    Ok(done)
}

/// Adds `name` to `apps: [..]` (flow or block list). `false` when the project lists no apps (then every
/// app file is an app).
fn add_to_apps_list(project: &Path, name: &str) -> Result<bool, CliError> {
    let text = std::fs::read_to_string(project).map_err(files::io(project))?;
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|l| l.starts_with("apps:")) else { return Ok(false) };
    let value = lines[at]["apps:".len()..].split('#').next().unwrap_or("").trim();
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let items: Vec<&str> = inner.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        let list = items.into_iter().chain([name]).collect::<Vec<_>>().join(", ");
        let comment = lines[at].find('#').map(|i| format!(" {}", &lines[at][i..])).unwrap_or_default();
        out[at] = format!("apps: [{list}]{comment}");
    } else if value.is_empty() {
        // A block list: `- app` lines right after the key.
        let items = lines[at + 1..].iter().take_while(|l| l.trim_start().starts_with("- ") || l.trim().is_empty());
        let last = at + items.count();
        let indent = lines.get(at + 1).map_or("  ", |l| &l[..l.len() - l.trim_start().len()]);
        out.insert(last + 1, format!("{indent}- {name}"));
    } else {
        return Err(CliError::Refused(format!(
            "cannot read the `apps:` entry of {} (`{}`); add `{name}` to it by hand",
            project.display(),
            lines[at]
        )));
    }
    let mut text = out.join("\n");
    text.push('\n');
    std::fs::write(project, text).map_err(files::io(project))?;
    Ok(true)
}

/// The text of every `.rs` file under `src/`.
fn implemented_hooks(src: &Path) -> Result<Vec<String>, CliError> {
    let mut texts = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.map_err(files::io(&dir))?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                texts.push(std::fs::read_to_string(&path).map_err(files::io(&path))?);
            }
        }
    }
    Ok(texts)
}

/// Whether `text` has `impl <trait_name> for` (possibly path-qualified: `impl api::x::Trait for`).
fn implements(text: &str, trait_name: &str) -> bool {
    text.match_indices(trait_name).any(|(i, _)| {
        let before = text[..i].trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        let after = &text[i + trait_name.len()..];
        before.trim_end().ends_with("impl")
            && text[..i].ends_with(|c: char| c == ' ' || c == ':')
            && after.trim_start().starts_with("for ")
    })
}

fn project_root(builder: &Builder) -> PathBuf {
    builder.spec_path().parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::implements;

    #[test]
    fn finds_impls_by_trait_name() {
        assert!(implements("#[use_case]\nimpl CreateBook for crate::App {", "CreateBook"));
        assert!(implements("impl api::books::CreateBook for App {", "CreateBook"));
        assert!(!implements("impl MyCreateBook for App {", "CreateBook"));
        assert!(!implements("impl CreateBookX for App {", "CreateBook"));
        assert!(!implements("// CreateBook for later", "CreateBook"));
    }
}
