//! `charter-bench codegen`: how long a build script spends in Charter, on synthetic specs of growing size.
//!
//! For each size the spec is written into a fresh temporary project with its initial migration and its
//! `openapi.json` committed, as a real project has them, so `render_to()` does everything `build.rs` does
//! except writing files: parse + validate, the Rust API, the OpenAPI document as JSON and YAML, the
//! migration status against `schema.json`, and the staleness check of `openapi.json`.
//!
//! ```sh
//! cargo run --release -p charter-bench -- codegen [--models 20,200] [--endpoints 100,1000] [--iterations N] [--smoke] [--keep]
//!     [--large 2000/20000 | --no-large]
//! ```
//!
//! The large case (default 2,000 models / 20,000 endpoints) is set up like the others, then measured once
//! in a fresh process (this binary, `codegen-case DIR`): `render_to()` only, its wall time, and the peak
//! resident set of that process (`VmHWM` of `/proc/self/status`, read after the run), so nothing the bench
//! itself holds (the spec text, the setup's renders) counts.

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
  --keep                   keep the generated projects (with the generated Rust as api.rs) and print where
  --large M/N              the large case: M models / N endpoints, one run in a fresh process, time and
                           peak RSS (default: 2000/20000; --smoke: 20/200)
  --no-large               skip the large case";

/// The large case's goal: under this wall time and peak resident set, in a process of its own.
const LARGE_TARGET: (usize, Duration, u64) = (20_000, Duration::from_secs(10), 1 << 30);

struct Args {
    sizes: Vec<(usize, usize)>,
    iterations: Option<usize>,
    keep: bool,
    large: Option<(usize, usize)>,
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
    let mut large = Some(None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--models" => models = Some(list("--models", it.next())?),
            "--endpoints" => endpoints = Some(list("--endpoints", it.next())?),
            "--iterations" => iterations = Some(list("--iterations", it.next())?[0]),
            "--smoke" => smoke = true,
            "--keep" => keep = true,
            "--no-large" => large = None,
            "--large" => {
                let value = it.next().ok_or_else(|| format!("--large needs a value\n\n{USAGE}"))?;
                let pair = value
                    .split_once('/')
                    .and_then(|(m, e)| Some((m.trim().parse::<usize>().ok()?, e.trim().parse::<usize>().ok()?)))
                    .filter(|&(m, e)| m > 0 && e > 0);
                large = Some(Some(pair.ok_or_else(|| format!("--large: expected MODELS/ENDPOINTS, got `{value}`"))?));
            }
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
    let large = large.map(|l| l.unwrap_or(if smoke { (20, 200) } else { (2000, 20_000) }));
    Ok(Args { sizes: models.into_iter().zip(endpoints).collect(), iterations, keep, large })
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

/// Writes a synthetic project as a real one is committed: the spec, its initial migration and its
/// `openapi.json`. Returns the builder and the loaded spec.
fn set_up(
    root: &Path,
    models: usize,
    endpoints: usize,
) -> Result<(SpecInfo, Builder, charter_codegen::spec::Spec), String> {
    let info = write_spec(&root.join("spec"), models, endpoints)
        .map_err(|e| format!("cannot write the spec into {}: {e}", root.display()))?;
    let b = builder(root);
    let spec = b.load().map_err(|e| format!("the synthetic spec ({models} models) has diagnostics:\n{e}"))?;
    migrations::make(&spec, &b.migrations_path(), None, &MakeOptions::default())
        .map_err(|e| format!("makemigrations failed: {e}"))?;
    let doc = openapi::document(&spec);
    std::fs::write(root.join("openapi.json"), openapi::to_json(&doc))
        .map_err(|e| format!("cannot write openapi.json: {e}"))?;
    Ok((info, b, spec))
}

/// Sets up one project and times it; any diagnostic or warning is an error (the spec must be clean).
fn bench_size(models: usize, endpoints: usize, iterations: usize, keep: bool) -> Result<Row, String> {
    let project = TempProject::new(&format!("{models}m{endpoints}e"), keep)?;
    let root = &project.root;
    let (info, b, spec) = set_up(root, models, endpoints)?;
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

/// What the fresh process measured for the large case.
struct Large {
    models: usize,
    endpoints: usize,
    info: SpecInfo,
    load: Duration,
    render: Duration,
    rust_bytes: usize,
    /// After parse + validate alone (the first of the two runs).
    load_peak_rss_kb: u64,
    peak_rss_kb: u64,
}

/// Sets the large case up in this process, then runs `codegen-case` on it in a fresh one.
fn bench_large(models: usize, endpoints: usize, keep: bool) -> Result<Large, String> {
    let project = TempProject::new(&format!("large-{models}m{endpoints}e"), keep)?;
    let (info, _, _) = set_up(&project.root, models, endpoints)?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let output = std::process::Command::new(exe)
        .arg("codegen-case")
        .arg(&project.root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run codegen-case: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "codegen-case on {models} models / {endpoints} endpoints failed ({}):\n{stdout}",
            output.status
        ));
    }
    let field = |name: &str| -> Result<u64, String> {
        stdout
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .ok_or_else(|| format!("codegen-case printed no `{name}=`: {stdout}"))
    };
    if keep {
        println!("kept {}", project.root.display());
    }
    Ok(Large {
        models,
        endpoints,
        info,
        load: Duration::from_micros(field("load_us")?),
        render: Duration::from_micros(field("render_us")?),
        rust_bytes: field("rust_bytes")? as usize,
        load_peak_rss_kb: field("load_peak_rss_kb")?,
        peak_rss_kb: field("peak_rss_kb")?,
    })
}

/// `charter-bench codegen-case DIR`: one `render_to()` of the project in DIR (set up by `bench_large`), in
/// this fresh process; prints `load_us= render_us= rust_bytes= peak_rss_kb=` (peak: `VmHWM`, the high-water
/// mark of this process's resident set, which includes the binary and the allocator's retained memory).
pub fn case(args: &[String]) -> Result<(), String> {
    let [dir] = args else { return Err("usage: charter-bench codegen-case DIR".to_string()) };
    let root = Path::new(dir);
    let b = builder(root);
    let start = Instant::now();
    let spec = b.load().map_err(|e| e.to_string())?;
    let load = start.elapsed();
    drop(spec);
    let load_peak = peak_rss_kb()?;
    let start = Instant::now();
    let generated = b.render_to(&root.join("out")).map_err(|e| e.to_string())?;
    let render = start.elapsed();
    if !generated.warnings.is_empty() {
        return Err(format!("generation warned on a fresh project:\n{}", generated.warnings.join("\n")));
    }
    if generated.rust.starts_with("compile_error!") {
        return Err("the generated Rust does not parse".to_string());
    }
    let peak = peak_rss_kb()?;
    println!(
        "load_us={} render_us={} rust_bytes={} load_peak_rss_kb={load_peak} peak_rss_kb={peak}",
        load.as_micros(),
        render.as_micros(),
        generated.rust.len()
    );
    Ok(())
}

/// This process's peak resident set so far (`VmHWM`), in kB.
fn peak_rss_kb() -> Result<u64, String> {
    let status =
        std::fs::read_to_string("/proc/self/status").map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".to_string())
}

fn print_large(l: &Large) {
    let mb = l.peak_rss_kb as f64 / 1024.0;
    let pass = l.endpoints < LARGE_TARGET.0 || (l.render < LARGE_TARGET.1 && l.peak_rss_kb * 1024 < LARGE_TARGET.2);
    println!(
        "\nlarge case, one run in a fresh process (`codegen-case`): {} models / {} endpoints, {} apps, {} YAML lines ({:.1} MB)",
        l.models,
        l.endpoints,
        l.info.apps,
        l.info.lines,
        l.info.bytes as f64 / 1e6
    );
    println!(
        "  parse + validate {} ms; render_to {} ms (parse + validate + Rust + OpenAPI + migration status), {:.1} MB of Rust",
        ms(l.load),
        ms(l.render),
        l.rust_bytes as f64 / 1e6
    );
    println!(
        "  peak RSS of that process (VmHWM): {:.0} MB after parse + validate, {mb:.0} MB after render_to too",
        l.load_peak_rss_kb as f64 / 1024.0
    );
    println!(
        "  target at >= {} endpoints: render_to < {} s and peak RSS < {} MB: {}",
        LARGE_TARGET.0,
        LARGE_TARGET.1.as_secs(),
        LARGE_TARGET.2 >> 20,
        if l.endpoints < LARGE_TARGET.0 {
            "-"
        } else if pass {
            "PASS"
        } else {
            "MISS"
        }
    );
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
    if let Some((models, endpoints)) = args.large {
        print!("\nlarge case: {models} models / {endpoints} endpoints: setting up ... ");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let large = bench_large(models, endpoints, args.keep)?;
        print_large(&large);
    }
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

    /// What build.rs writes (`openapi::render`, path items built one at a time) is the whole document's bytes.
    #[test]
    fn streamed_openapi_is_the_documents_bytes() {
        let (files, _) = synthetic::spec_files(30, 150);
        let spec = charter_codegen::spec::load_files(files.into_iter().map(|(p, t)| (p.into(), t)).collect())
            .unwrap_or_else(|e| panic!("{}", e.render(false)));
        let doc = openapi::document(&spec);
        let (json, yaml) = openapi::render(&spec);
        assert!(json == openapi::to_json(&doc), "JSON differs");
        assert!(yaml == openapi::to_yaml(&doc), "YAML differs");
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
