//! `charter-bench callgrind`: instructions per request of each server, counted by valgrind.
//!
//! Requests per second on a shared 2-vCPU machine drift by tens of percent between runs; instruction
//! counts do not. Each server runs under `valgrind --tool=callgrind` twice per scenario, once answering
//! `n` requests and once `3n` (after the same warm-up, on one keep-alive connection), and the difference
//! divided by `2n` is the cost of one request, with start-up, warm-up and shutdown cancelled out.
//! Only the server's own process is counted: the database's work (PostgreSQL's server) is not.

use std::path::Path;
use std::time::Duration;

use super::database::BenchDb;
use super::server::Server;
use super::{
    BASELINE_PORT, Backend, Binaries, GENERATED_PORT, Prepared, Scenario, backends, client, prepare, scenarios,
};
use crate::http::seed::Size;

struct Options {
    backends: Vec<Backend>,
    /// Requests per run of a scenario that reads a page of articles; the others take ten times as many.
    requests: u32,
    scenarios: Option<Vec<String>>,
    /// Concurrent keep-alive connections the requests are spread over; more than one also counts what
    /// concurrency adds (wake-ups, pool hand-offs).
    connections: u32,
    /// Where to keep each long run's callgrind profile, for `callgrind_annotate`.
    keep: Option<std::path::PathBuf>,
    smoke: bool,
}

const WARMUP: u32 = 20;

pub fn main(args: &[String]) -> Result<(), String> {
    let options = parse_args(args)?;
    if std::process::Command::new("valgrind").arg("--version").output().is_err() {
        return Err("valgrind is not installed (apt-get install valgrind)".into());
    }
    let root = super::workspace_root();
    let bins = super::build_servers(&root)?;
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    println!(
        "instructions per request (valgrind --tool=callgrind; runs of n and 3n requests after {WARMUP} warm-up ones, \
         over {} connection(s))",
        options.connections
    );
    let size = if options.smoke { Size::SMOKE } else { Size::FULL };
    for &backend in &options.backends {
        let db = runtime.block_on(BenchDb::create(backend, &work))?;
        let outcome = count_backend(&runtime, &options, &bins, &db, &work, size);
        runtime.block_on(db.drop_database());
        outcome?;
    }
    if options.smoke {
        println!("\n(smoke run: the figures mean nothing)");
    }
    Ok(())
}

fn count_backend(
    runtime: &tokio::runtime::Runtime,
    options: &Options,
    bins: &Binaries,
    db: &BenchDb,
    work: &Path,
    size: Size,
) -> Result<(), String> {
    let Prepared { env, seeded, token } = prepare(runtime, bins, db, work, size)?;
    let mut scenarios = scenarios(&seeded);
    if let Some(only) = &options.scenarios {
        scenarios.retain(|s| only.iter().any(|o| s.name.starts_with(o.as_str())));
    }
    println!("{:<17} {:>6} {:>14} {:>14} {:>8}", "scenario", "n", "generated", "baseline", "ratio");
    for scenario in &scenarios {
        let n = if scenario.path.starts_with("/api/articles?") || scenario.path == "/api/articles" {
            options.requests
        } else {
            options.requests * 10
        };
        let token = scenario.signed_in.then_some(token.as_str());
        let count = |name, binary: &Path, port| {
            Counted { name, binary, port, env: &env, work, scenario, token, connections: options.connections }
                .per_request(n, options.keep.as_deref())
        };
        let generated = count("generated", &bins.generated, GENERATED_PORT)?;
        let baseline = count("baseline", &bins.baseline, BASELINE_PORT)?;
        println!(
            "{:<17} {:>6} {:>13.1}k {:>13.1}k {:>7.3}×",
            scenario.name,
            n,
            generated / 1000.0,
            baseline / 1000.0,
            generated / baseline
        );
    }
    Ok(())
}

/// One server answering one scenario under valgrind.
struct Counted<'a> {
    name: &'static str,
    binary: &'a Path,
    port: u16,
    env: &'a [(&'a str, String)],
    work: &'a Path,
    scenario: &'a Scenario,
    token: Option<&'a str>,
    connections: u32,
}

impl Counted<'_> {
    fn per_request(&self, n: u32, keep: Option<&Path>) -> Result<f64, String> {
        let short = self.instructions(n, None)?;
        let long = self.instructions(3 * n, keep)?;
        Ok(long.saturating_sub(short) as f64 / f64::from(2 * n))
    }

    /// Every instruction the server ran from start to exit, answering `WARMUP + requests` requests.
    fn instructions(&self, requests: u32, keep: Option<&Path>) -> Result<u64, String> {
        let Counted { name, binary, port, env, work, scenario, token, connections } = *self;
        let out = work.join(format!("callgrind-{name}.out"));
        let wrapper =
            ["valgrind".to_owned(), "--tool=callgrind".to_owned(), format!("--callgrind-out-file={}", out.display())];
        let server = Server::start_under(&wrapper, name, binary, port, env, work)?;
        client::get_concurrently(port, &scenario.path, token, WARMUP, connections)
            .and_then(|()| client::get_concurrently(port, &scenario.path, token, requests, connections))
            .map_err(|e| format!("{name} {}: {e}", scenario.name))?;
        // valgrind writes its totals as the process exits.
        let log =
            server.stop_within(Duration::from_secs(120)).ok_or_else(|| format!("{name} did not exit after SIGTERM"))?;
        match keep {
            Some(dir) => {
                let kept = dir.join(format!("{}-{name}.callgrind", scenario.name.replace([' ', ','], "-")));
                std::fs::rename(&out, &kept).map_err(|e| format!("{}: {e}", kept.display()))?;
            }
            None => {
                let _ = std::fs::remove_file(&out);
            }
        }
        log.lines()
            .find_map(|l| l.split_once("Collected :").map(|(_, n)| n.trim().to_owned()))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("{name}: no instruction count in valgrind's output:\n{log}"))
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        backends: vec![Backend::Sqlite],
        requests: 100,
        scenarios: None,
        connections: 1,
        keep: None,
        smoke: false,
    };
    if args.iter().any(|a| a == "--smoke") {
        options.smoke = true;
        options.requests = 2;
    }
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--backend" => options.backends = backends(&value()?)?,
            "--requests" => options.requests = positive(arg, &value()?)?,
            "--connections" => options.connections = positive(arg, &value()?)?,
            "--keep" => {
                let dir = std::path::PathBuf::from(value()?);
                std::fs::create_dir_all(&dir).map_err(|e| format!("--keep {}: {e}", dir.display()))?;
                options.keep = Some(dir);
            }
            "--scenarios" => options.scenarios = Some(value()?.split(',').map(str::to_owned).collect()),
            "--smoke" => {}
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}

/// The value of an option that takes a count of at least 1.
fn positive(option: &str, value: &str) -> Result<u32, String> {
    value.parse::<u32>().ok().filter(|n| *n > 0).ok_or(format!("{option}: `{value}` is not a positive number"))
}
