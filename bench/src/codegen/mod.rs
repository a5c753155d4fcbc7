//! `charter-bench codegen`: how long a build script spends in Charter, on synthetic specs of growing size.
//!
//! For each size the spec is written into a fresh temporary project with its initial migration and its
//! `openapi.json` committed, as a real project has them, so `render_to()` does everything `build.rs` does
//! except writing files: parse + validate, the Rust API, the OpenAPI document as JSON and YAML, the
//! migration status against `schema.json`, and the staleness check of `openapi.json`.
//!
//! ```sh
//! cargo run --release -p charter-bench -- codegen [--models 20,200] [--endpoints 100,1000] [--iterations N] [--smoke] [--keep]
//! ```

mod synthetic;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use charter_codegen::rust::{Embedded, Options};
use charter_codegen::sql::{Dialect, MakeOptions, Schema, Status, migrations};
use charter_codegen::{Builder, openapi, rust, sql};

pub use synthetic::{SpecInfo, write_spec};

/// The goal: a 200-model, 1000-endpoint spec costs its build script less than this.
const TARGET: (usize, usize, Duration) = (200, 1000, Duration::from_millis(250));

const USAGE: &str = "usage: charter-bench codegen [options]

options:
  --models 20,200          model counts, one per size (default: 20,200)
  --endpoints 100,1000     endpoint counts, paired with --models (default: 100,1000)
  --iterations N           timed runs per size (default: 10 below 100 models, else 5); min and median shown
  --smoke                  one tiny size, one run: checks that the bench works (CI)
  --keep                   keep the generated projects (with the generated Rust as api.rs) and print where";

struct Args {
    sizes: Vec<(usize, usize)>,
    iterations: Option<usize>,
    keep: bool,
}

fn list(flag: &str, value: Option<&String>) -> Result<Vec<usize>, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))?;
    value
        .split(',')
        .map(|n| n.trim().parse::<usize>().ok().filter(|&n| n > 0))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| format!("{flag}: expected positive numbers separated by commas, got `{value}`"))
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let (mut models, mut endpoints, mut iterations, mut smoke, mut keep) = (None, None, None, false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--models" => models = Some(list("--models", it.next())?),
            "--endpoints" => endpoints = Some(list("--endpoints", it.next())?),
            "--iterations" => iterations = Some(list("--iterations", it.next())?[0]),
            "--smoke" => smoke = true,
            "--keep" => keep = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    let default = if smoke { (vec![6], vec![24]) } else { (vec![20, 200], vec![100, 1000]) };
    let models = models.unwrap_or(default.0);
    let endpoints = endpoints.unwrap_or(default.1);
    if models.len() != endpoints.len() {
        return Err(format!(
            "--models and --endpoints pair up: {} model counts but {} endpoint counts",
            models.len(),
            endpoints.len()
        ));
    }
    if smoke {
        iterations = Some(1);
    }
    Ok(Args { sizes: models.into_iter().zip(endpoints).collect(), iterations, keep })
}

/// A directory under the system temp dir, removed on drop (also when the bench fails half-way).
struct TempProject {
    root: PathBuf,
    keep: bool,
}

impl TempProject {
    fn new(label: &str, keep: bool) -> Result<TempProject, String> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let root = std::env::temp_dir().join(format!("charter-bench-codegen-{}-{nanos}-{label}", std::process::id()));
        std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        Ok(TempProject { root, keep })
    }
}

impl Drop for TempProject {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn builder(root: &Path) -> Builder {
    let mut b = Builder::new();
    b.root(root).spec_dir("spec").migrations_dir("migrations").openapi_file(Some("openapi.json".into()));
    // What `build_script()` writes: the Rust unformatted.
    b.format_rust(false);
    b
}

/// Durations of one measured step over the iterations.
#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0.push(start.elapsed());
        out
    }

    fn min(&self) -> Duration {
        self.0.iter().copied().min().unwrap_or_default()
    }

    fn median(&self) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        match v.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2,
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Row {
    models: usize,
    endpoints: usize,
    info: SpecInfo,
    rust_bytes: usize,
    openapi_bytes: usize,
    load: Samples,
    render: Samples,
    /// (step, samples); the steps of `render` measured one by one on an already loaded spec.
    steps: Vec<(&'static str, Samples)>,
}

/// Sets up one project and times it; any diagnostic or warning is an error (the spec must be clean).
fn bench_size(models: usize, endpoints: usize, iterations: usize, keep: bool) -> Result<Row, String> {
    let project = TempProject::new(&format!("{models}m{endpoints}e"), keep)?;
    let root = &project.root;
    let info = write_spec(&root.join("spec"), models, endpoints)
        .map_err(|e| format!("cannot write the spec into {}: {e}", root.display()))?;
    let b = builder(root);
    let spec = b.load().map_err(|e| format!("the synthetic spec ({models} models) has diagnostics:\n{e}"))?;
    migrations::make(&spec, &b.migrations_path(), None, &MakeOptions::default())
        .map_err(|e| format!("makemigrations failed: {e}"))?;
    let first = b.render().map_err(|e| e.to_string())?;
    std::fs::write(root.join("openapi.json"), &first.openapi_json)
        .map_err(|e| format!("cannot write openapi.json: {e}"))?;
    let out = root.join("out");
    let generated = b.render_to(&out).map_err(|e| e.to_string())?;
    if !generated.warnings.is_empty() {
        return Err(format!("generation warned on a fresh project:\n{}", generated.warnings.join("\n")));
    }
    if generated.rust.starts_with("compile_error!") {
        return Err("the generated Rust does not parse (see `--keep` and `charter expand`)".to_string());
    }
    if keep {
        std::fs::write(root.join("api.rs"), &generated.rust).map_err(|e| format!("cannot write api.rs: {e}"))?;
        println!("kept {} (the generated Rust is api.rs)", root.display());
    }

    // The options `render_to` builds, so that the steps below do the same work.
    let migrations_dir = b.migrations_path();
    let mut options = Options {
        openapi_json: Some(out.join("openapi.json")),
        openapi_yaml: Some(out.join("openapi.yaml")),
        ..Options::default()
    };
    for file in migrations::embedded(&migrations_dir).map_err(|e| e.to_string())? {
        let e = Embedded { version: file.version, description: file.description.clone(), path: file.path };
        match file.dialect {
            Dialect::Sqlite => options.sqlite_migrations.push(e),
            Dialect::Postgres => options.postgres_migrations.push(e),
        }
    }

    let mut load = Samples::default();
    let mut render = Samples::default();
    let names = [
        "rust: source text (one thread)",
        "rust: generate (+ syn, prettyplease)*",
        "rust: compact (what build.rs writes)",
        "openapi: document",
        "openapi: to_json",
        "openapi: to_yaml",
        "sql: migration status",
        "sql: full DDL, both dialects*",
    ];
    let mut steps: Vec<(&'static str, Samples)> = names.iter().map(|n| (*n, Samples::default())).collect();
    for _ in 0..iterations {
        load.time(|| b.load()).map_err(|e| e.to_string())?;
        render.time(|| b.render_to(&out)).map_err(|e| e.to_string())?;
        let mut s = steps.iter_mut().map(|(_, s)| s);
        let mut step = || s.next().expect("one sample set per step");
        step().time(|| rust::source(&spec, &options));
        step().time(|| rust::generate(&spec, &options));
        step().time(|| rust::generate_compact(&spec, &options));
        let doc = step().time(|| openapi::document(&spec));
        step().time(|| openapi::to_json(&doc));
        step().time(|| openapi::to_yaml(&doc));
        let status = step().time(|| migrations::status(&spec, &migrations_dir)).map_err(|e| e.to_string())?;
        if !matches!(status, Status::UpToDate { .. }) {
            return Err(format!("migrations should be up to date: {status}"));
        }
        step()
            .time(|| -> Result<usize, String> {
                let schema = Schema::from_spec(&spec).map_err(|e| e.to_string())?;
                let ops = sql::diff(&Schema::default(), &schema);
                let sqlite = sql::render(&ops, &schema, Dialect::Sqlite);
                let postgres = sql::render(&ops, &schema, Dialect::Postgres);
                Ok(sqlite.blocks.len() + postgres.blocks.len())
            })
            .map(drop)?;
    }
    Ok(Row {
        models,
        endpoints,
        info,
        rust_bytes: generated.rust.len(),
        openapi_bytes: generated.openapi_json.len(),
        load,
        render,
        steps,
    })
}

fn verdict(row: &Row) -> &'static str {
    match (row.models, row.endpoints) == (TARGET.0, TARGET.1) {
        true if row.render.median() < TARGET.2 => "PASS",
        true => "MISS",
        false => "-",
    }
}

fn print_table(rows: &[Row], iterations: &[usize]) {
    println!(
        "\n{:>6} {:>9} {:>5} {:>4} {:>6} {:>8} {:>10} {:>9} {:>16} {:>16} {:>6}",
        "models",
        "endpoints",
        "apps",
        "runs",
        "yaml L",
        "yaml KB",
        "rust KB",
        "oapi KB",
        "parse+valid ms",
        "total ms",
        "target"
    );
    println!("{:>81} {:>16}", "min / median", "min / median");
    for (row, n) in rows.iter().zip(iterations) {
        println!(
            "{:>6} {:>9} {:>5} {:>4} {:>6} {:>8.1} {:>10.1} {:>9.1} {:>16} {:>16} {:>6}",
            row.models,
            row.endpoints,
            row.info.apps,
            n,
            row.info.lines,
            row.info.bytes as f64 / 1024.0,
            row.rust_bytes as f64 / 1024.0,
            row.openapi_bytes as f64 / 1024.0,
            format!("{} / {}", ms(row.load.min()), ms(row.load.median())),
            format!("{} / {}", ms(row.render.min()), ms(row.render.median())),
            verdict(row),
        );
    }
    println!(
        "\ntotal = Builder::render_to(), what build.rs runs: parse + validate, then the Rust beside OpenAPI JSON/YAML + migration status + openapi.json check"
    );
    println!("target: {} models / {} endpoints, median total < {} ms", TARGET.0, TARGET.1, TARGET.2.as_millis());

    println!(
        "\nwhere the time goes (median ms, each step on its own; * = not in the build: `charter expand` and makemigrations only)"
    );
    print!("{:<36}", "step");
    for row in rows {
        print!(" {:>14}", format!("{}m/{}e", row.models, row.endpoints));
    }
    println!();
    let line = |label: &str, value: &dyn Fn(&Row) -> Duration| {
        print!("{label:<36}");
        for row in rows {
            print!(" {:>14}", ms(value(row)));
        }
        println!();
    };
    line("parse + validate (load)", &|r| r.load.median());
    for (i, (name, _)) in rows.first().map(|r| r.steps.as_slice()).unwrap_or_default().iter().enumerate() {
        line(name, &|r| r.steps[i].1.median());
    }
    line("render_to (all of the above but *)", &|r| r.render.median());
}

pub fn main(args: &[String]) -> Result<(), String> {
    let args = parse_args(args)?;
    // Cargo compiles build scripts and their dependencies at opt-level 0 in every profile (unless
    // `[profile.*.build-override]` says otherwise), so the unoptimized figure is what a `build.rs` costs.
    let profile = if cfg!(debug_assertions) {
        "debug build: unoptimized, as cargo builds a build.rs and charter-codegen by default, --release too"
    } else {
        "release build: what a build.rs costs with `[profile.*.build-override] opt-level = 3`"
    };
    println!("charter codegen bench, {profile}");
    let mut rows = Vec::new();
    let mut iterations = Vec::new();
    for &(models, endpoints) in &args.sizes {
        let n = args.iterations.unwrap_or(if models < 100 { 10 } else { 5 });
        print!("{models} models / {endpoints} endpoints: {n} runs ... ");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let start = Instant::now();
        let row = bench_size(models, endpoints, n, args.keep)?;
        println!("done in {:.1} s", start.elapsed().as_secs_f64());
        rows.push(row);
        iterations.push(n);
    }
    print_table(&rows, &iterations);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_spec_is_clean_and_renders_every_endpoint() {
        let project = TempProject::new("test-small", false).unwrap();
        let info = write_spec(&project.root.join("spec"), 12, 40).unwrap();
        assert_eq!(info.endpoint_names.len(), 40);
        let b = builder(&project.root);
        let spec = b.load().unwrap_or_else(|e| panic!("diagnostics:\n{e}"));
        assert_eq!(spec.apps.len(), 2);
        assert_eq!(spec.apps.iter().map(|a| a.models.len()).sum::<usize>(), 12);
        assert_eq!(spec.endpoints().count(), 40);
        let generated = b.render().unwrap_or_else(|e| panic!("{e}"));
        assert!(!generated.rust.trim().is_empty());
        let formatted = b.clone().format_rust(true).render().unwrap_or_else(|e| panic!("{e}")).rust;
        assert!(!formatted.starts_with("compile_error!"), "the generated Rust does not parse");
        for name in &info.endpoint_names {
            assert!(generated.rust.contains(name.as_str()), "endpoint `{name}` is not in the generated Rust");
            assert!(generated.openapi_json.contains(&format!("\"operationId\": \"{name}\"")), "{name} not in OpenAPI");
        }
    }

    #[test]
    fn bench_sizes_are_clean_and_use_every_shape() {
        for (models, endpoints) in [(20, 100), (200, 1000), (1, 3), (11, 5)] {
            let (files, info) = synthetic::spec_files(models, endpoints);
            let spec = charter_codegen::spec::load_files(files.into_iter().map(|(p, t)| (p.into(), t)).collect())
                .unwrap_or_else(|e| panic!("{models} models / {endpoints} endpoints:\n{}", e.render(false)));
            assert_eq!(spec.endpoints().count(), endpoints);
            assert_eq!(info.endpoint_names.len(), endpoints);
            let mut seen = std::collections::BTreeSet::new();
            assert!(info.endpoint_names.iter().all(|n| seen.insert(n)), "endpoint names repeat");
        }
        assert_eq!(synthetic::kinds(20, 100).len(), synthetic::KINDS);
        assert_eq!(synthetic::kinds(200, 1000).len(), synthetic::KINDS);
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(synthetic::spec_files(30, 150).0, synthetic::spec_files(30, 150).0);
    }

    #[test]
    fn smoke_runs() {
        let row = bench_size(6, 24, 1, false).unwrap();
        assert_eq!(row.render.0.len(), 1);
        assert!(row.rust_bytes > 0);
    }
}
