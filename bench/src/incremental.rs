//! `charter-bench incremental`: the edit-build loop. Editing only a use-case body must recompile the
//! crate without re-running its build script (Charter's `rerun-if-changed` list is exact), and editing the
//! spec must re-run it (the list is complete).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

const PACKAGE: &str = "conduit-example";

struct Build {
    seconds: f64,
    ran_build_script: bool,
    compiled_crate: bool,
}

pub fn main(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("unknown option `{other}`"));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default();
    let example = root.join("generated-example");
    let use_case = example.join("src/articles/list_tags.rs");
    let spec = example.join("spec/articles.yaml");

    let first = build(&root)?;
    println!("incremental (dev profile, `cargo build -p {PACKAGE}`)");
    println!("  up-to-date check first:   {:>6.2} s", first.seconds);
    let no_op = build(&root)?;
    if no_op.compiled_crate || no_op.ran_build_script {
        return Err("a second build with no edit rebuilt the crate: something rewrites an input on every build".into());
    }
    println!("  no edit:                  {:>6.2} s  (nothing rebuilt)", no_op.seconds);

    touch(&use_case)?;
    let edit = build(&root)?;
    println!(
        "  edit {}: {:>6.2} s  (build.rs re-ran: {})",
        short(&use_case, &root),
        edit.seconds,
        if edit.ran_build_script { "YES" } else { "no" }
    );
    if !edit.compiled_crate {
        return Err("touching a use case did not recompile the crate; the check cannot see builds".into());
    }
    if edit.ran_build_script {
        return Err("editing a use-case body re-ran build.rs: its rerun-if-changed list is too wide".into());
    }

    touch(&spec)?;
    let spec_edit = build(&root)?;
    println!(
        "  edit {}: {:>6.2} s  (build.rs re-ran: {})",
        short(&spec, &root),
        spec_edit.seconds,
        if spec_edit.ran_build_script { "yes" } else { "NO" }
    );
    if !spec_edit.ran_build_script {
        return Err("editing the spec did not re-run build.rs: its rerun-if-changed list misses the spec".into());
    }
    Ok(())
}

fn short(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Marks `path` modified now, as saving it in an editor would; its bytes stay as they are.
fn touch(path: &PathBuf) -> Result<(), String> {
    let file = File::options().append(true).open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_modified(SystemTime::now()).map_err(|e| format!("{}: {e}", path.display()))
}

/// `cargo build -v`, timed; `-v` makes cargo name every build script it runs and crate it compiles.
fn build(root: &Path) -> Result<Build, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["build", "-v", "-p", PACKAGE])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("cargo build -p {PACKAGE} failed:\n{log}"));
    }
    let build_dir = format!("{PACKAGE}-");
    let ran_build_script = log
        .lines()
        .any(|l| l.trim_start().starts_with("Running") && l.contains("build-script-build") && l.contains(&build_dir));
    let compiled_crate = log.lines().any(|l| l.trim_start().starts_with(&format!("Compiling {PACKAGE} ")));
    Ok(Build { seconds, ran_build_script, compiled_crate })
}
