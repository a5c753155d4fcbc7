//! `charter-bench http`: the generated Conduit server against the hand-written baseline, on SQLite and
//! PostgreSQL, under the same load from `wrk`, alternately on the same machine.

pub mod callgrind;
mod client;
mod cpu;
mod database;
mod report;
mod seed;
mod server;
mod wrk;

use std::path::{Path, PathBuf};
use std::time::Duration;

use charter_runtime::{Db, Jwt};

use self::database::BenchDb;
use self::report::{Row, Table};
use self::seed::{Seeded, Size};
use self::server::Server;
use self::wrk::Load;

/// Both servers read it; a fixed secret so one token works on both.
const JWT_SECRET: &str = "charter-bench-secret-0123456789abcdef";
const GENERATED_PORT: u16 = 18_480;
const BASELINE_PORT: u16 = 18_481;

pub struct Options {
    pub backends: Vec<Backend>,
    pub load: Load,
    /// Load runs per scenario and server; the median is reported.
    pub rounds: usize,
    pub warmup: Duration,
    pub size: Size,
    pub scenarios: Option<Vec<String>>,
    /// Short runs that prove the bench works; their figures mean nothing.
    pub smoke: bool,
    /// Leave the seeded database behind (for EXPLAIN, pgbench) instead of dropping it.
    pub keep_database: bool,
    /// Serve this binary as the baseline instead of `conduit-baseline`: an older build of
    /// `conduit-example`, say, to measure a change of the generator or the runtime.
    pub baseline_bin: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// One loaded request shape.
pub struct Scenario {
    pub name: &'static str,
    pub path: String,
    pub signed_in: bool,
    /// The issue's absolute aim on PostgreSQL, in requests/s.
    pub target_rps: Option<f64>,
}

fn scenarios(seeded: &Seeded) -> Vec<Scenario> {
    let s = |name, path: String, signed_in, target_rps| Scenario { name, path, signed_in, target_rps };
    vec![
        s("list articles", "/api/articles".into(), false, Some(2000.0)),
        s("list, signed in", "/api/articles".into(), true, None),
        s("list by tag", format!("/api/articles?tag={}", seeded.tag), false, None),
        s("get article", format!("/api/articles/{}", seeded.slug), false, Some(4500.0)),
        s("list tags", "/api/tags".into(), false, Some(10_000.0)),
        s("current user", "/api/user".into(), true, None),
    ]
}

/// Requests only checked for equal answers, not loaded: they cover filters and paging the scenarios miss.
fn extra_checks(seeded: &Seeded) -> Vec<(String, bool)> {
    vec![
        ("/api/articles?limit=5&offset=20".into(), false),
        ("/api/articles?author=user003".into(), true),
        ("/api/articles?favorited=user002&limit=50".into(), true),
        (format!("/api/articles?tag={}&author=user001", seeded.tag), false),
        (format!("/api/articles/{}", seeded.slug), true),
        ("/api/articles/no-such-article".into(), false),
        ("/api/articles?limit=0".into(), false),
        ("/api/user".into(), false),
    ]
}

pub fn main(args: &[String]) -> Result<(), String> {
    let options = parse_args(args)?;
    let root = workspace_root();
    if let Some(path) = options.baseline_bin.as_ref().filter(|p| !p.is_file()) {
        return Err(format!("--baseline-bin: {} is not a file", path.display()));
    }
    let mut bins = build_servers(&root)?;
    if let Some(path) = &options.baseline_bin {
        println!("baseline: {}", path.display());
        bins.baseline = path.clone();
    }
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;

    println!("machine: {}", report::machine());
    println!(
        "load: wrk -t{} -c{} -d{}s, {} round(s) per server and scenario after a {} ms warm-up; servers alternate",
        options.load.threads,
        options.load.connections,
        options.load.duration.as_secs(),
        options.rounds,
        options.warmup.as_millis()
    );
    let mut misses = Vec::new();
    for &backend in &options.backends {
        let db = runtime.block_on(BenchDb::create(backend, &work))?;
        let outcome = bench_backend(&runtime, &options, &bins, &db, &work);
        if options.keep_database {
            println!("kept the database: {}", db.url);
        } else {
            runtime.block_on(db.drop_database());
        }
        misses.extend(outcome?);
    }
    if options.smoke {
        println!("\n(smoke run: targets are not judged)");
    } else if misses.is_empty() {
        println!("\nall targets met");
    } else {
        println!("\ntargets missed:");
        for m in &misses {
            println!("  - {m}");
        }
    }
    Ok(())
}

struct Binaries {
    generated: PathBuf,
    baseline: PathBuf,
}

/// A seeded database both servers can serve: the environment they run with, the seeded data and a token
/// of the signed-in caller.
struct Prepared {
    env: Vec<(&'static str, String)>,
    seeded: Seeded,
    token: String,
}

fn prepare(
    runtime: &tokio::runtime::Runtime,
    bins: &Binaries,
    db: &BenchDb,
    work: &Path,
    size: Size,
) -> Result<Prepared, String> {
    let env = vec![
        ("DATABASE_URL", db.url.clone()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        // Request logging off on both sides: the bench compares the code paths, not log I/O.
        ("RUST_LOG", "warn".to_owned()),
    ];
    // The generated server creates the schema (its embedded migrations), then the rows go in.
    Server::start("generated", &bins.generated, GENERATED_PORT, &env, work)?.stop();
    let seeded = runtime.block_on(async {
        let conn = Db::connect(&db.url).await.map_err(|e| format!("connect {}: {e}", db.label))?;
        let seeded = seed::seed(&conn, size).await.map_err(|e| format!("seeding: {e}"));
        conn.close().await;
        seeded
    })?;
    let c = seeded.counts;
    println!(
        "\n## {} ({} users, {} articles, {} tags, {} article tags, {} favorites, {} follows)",
        db.label, c.users, c.articles, c.tags, c.article_tags, c.favorites, c.follows
    );
    let token = Jwt::new(JWT_SECRET.as_bytes(), Duration::from_secs(86_400))
        .issue_bound(seeded.caller_id.to_string(), &seeded.caller_hash)
        .map_err(|e| format!("{e:?}"))?;
    Ok(Prepared { env, seeded, token })
}

fn bench_backend(
    runtime: &tokio::runtime::Runtime,
    options: &Options,
    bins: &Binaries,
    db: &BenchDb,
    work: &Path,
) -> Result<Vec<String>, String> {
    let Prepared { env, seeded, token } = prepare(runtime, bins, db, work, options.size)?;
    let generated = Server::start("generated", &bins.generated, GENERATED_PORT, &env, work)?;
    let baseline = Server::start("baseline", &bins.baseline, BASELINE_PORT, &env, work)?;
    let idle = (generated.memory(), baseline.memory());

    let mut scenarios = scenarios(&seeded);
    if let Some(only) = &options.scenarios {
        scenarios.retain(|s| only.iter().any(|o| s.name.starts_with(o.as_str())));
    }
    let checks = scenarios.iter().map(|s| (s.path.clone(), s.signed_in)).chain(extra_checks(&seeded));
    for (path, signed_in) in checks {
        same_answer(&generated, &baseline, &path, signed_in.then_some(token.as_str()))?;
    }

    let mut table = Table::new(db.backend);
    for scenario in &scenarios {
        let token = scenario.signed_in.then_some(token.as_str());
        let mut gen_runs = Vec::new();
        let mut base_runs = Vec::new();
        for round in 0..options.rounds {
            // Alternate who goes first, so neither always gets the warmer machine.
            let order: [(&Server, &mut Vec<report::Run>); 2] = if round % 2 == 0 {
                [(&generated, &mut gen_runs), (&baseline, &mut base_runs)]
            } else {
                [(&baseline, &mut base_runs), (&generated, &mut gen_runs)]
            };
            for (server, runs) in order {
                let url = format!("http://127.0.0.1:{}{}", server.port, scenario.path);
                if round == 0 && !options.warmup.is_zero() {
                    let warm = Load { duration: options.warmup, ..options.load };
                    wrk::run(&url, token, warm).map_err(|e| format!("{} {}: {e}", server.name, scenario.name))?;
                }
                let meter = cpu::Meter { server_pid: server.pid(), database: db.postgres_name().map(str::to_owned) };
                let before = meter.read();
                let load = wrk::run(&url, token, options.load)
                    .map_err(|e| format!("{} {}: {e}", server.name, scenario.name))?;
                runs.push(report::Run { load, cpu: meter.since(&before, load.requests) });
            }
        }
        table.push(Row { scenario, generated: gen_runs, baseline: base_runs });
    }
    let loaded = (generated.memory(), baseline.memory());
    generated.stop();
    baseline.stop();
    Ok(table.print(idle, loaded, options.smoke))
}

/// Both servers must answer a request identically before their speed can be compared.
fn same_answer(generated: &Server, baseline: &Server, path: &str, token: Option<&str>) -> Result<(), String> {
    let g = client::get(generated.port, path, token).map_err(|e| format!("generated GET {path}: {e}"))?;
    let b = client::get(baseline.port, path, token).map_err(|e| format!("baseline GET {path}: {e}"))?;
    if g.status != b.status {
        return Err(format!("GET {path}: generated answered {}, baseline {}", g.status, b.status));
    }
    // Error texts may differ; success bodies must be byte-identical.
    if g.status == 200 && g.body != b.body {
        let at = g.body.bytes().zip(b.body.bytes()).position(|(x, y)| x != y).unwrap_or(g.body.len().min(b.body.len()));
        let window = |s: &str| s.get(at.saturating_sub(60)..(at + 60).min(s.len())).unwrap_or("").to_owned();
        return Err(format!(
            "GET {path}: the bodies differ at byte {at}:\n  generated: …{}…\n  baseline:  …{}…",
            window(&g.body),
            window(&b.body)
        ));
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Builds both servers with this binary's profile, so a release bench loads release servers.
fn build_servers(root: &Path) -> Result<Binaries, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this executable")?.to_path_buf();
    let release = dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command.current_dir(root).args(["build", "--quiet", "-p", "conduit-example", "-p", "conduit-baseline"]);
    if release {
        command.arg("--release");
    }
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the servers failed".into());
    }
    Ok(Binaries { generated: dir.join("conduit-example"), baseline: dir.join("conduit-baseline") })
}

/// The value of `--backend`.
fn backends(value: &str) -> Result<Vec<Backend>, String> {
    match value {
        "sqlite" => Ok(vec![Backend::Sqlite]),
        "postgres" => Ok(vec![Backend::Postgres]),
        "both" => Ok(vec![Backend::Sqlite, Backend::Postgres]),
        other => Err(format!("--backend: `{other}` is not sqlite, postgres or both")),
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        backends: vec![Backend::Sqlite, Backend::Postgres],
        load: Load { threads: 2, connections: 32, duration: Duration::from_secs(10) },
        rounds: 3,
        warmup: Duration::from_secs(2),
        size: Size::FULL,
        scenarios: None,
        smoke: false,
        keep_database: false,
        baseline_bin: None,
    };
    // Smoke sets the defaults; explicit options still override them.
    if args.iter().any(|a| a == "--smoke") {
        options.smoke = true;
        options.size = Size::SMOKE;
        options.load = Load { threads: 1, connections: 4, duration: Duration::from_secs(1) };
        options.rounds = 1;
        options.warmup = Duration::ZERO;
    }
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{arg}: `{v}` is not a number"));
        match arg.as_str() {
            "--backend" => options.backends = backends(&value()?)?,
            "--duration" => options.load.duration = Duration::from_secs(number(value()?)?.max(1)),
            "--threads" => options.load.threads = number(value()?)? as u32,
            "--connections" => options.load.connections = number(value()?)? as u32,
            "--rounds" => options.rounds = number(value()?)?.max(1) as usize,
            "--warmup-ms" => options.warmup = Duration::from_millis(number(value()?)?),
            "--scenarios" => options.scenarios = Some(value()?.split(',').map(str::to_owned).collect()),
            "--keep-database" => options.keep_database = true,
            "--baseline-bin" => options.baseline_bin = Some(PathBuf::from(value()?)),
            "--smoke" => {}
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}
