//! The printed result: per scenario, both servers' figures, their ratios and the targets.

use super::cpu::PerRequest;
use super::server::Memory;
use super::wrk::Figures;
use super::{Backend, Scenario};

/// The targets: the generated server within these ratios of the baseline.
const MIN_RPS_RATIO: f64 = 0.95;
const MAX_P99_RATIO: f64 = 1.10;
const MAX_IDLE_RSS_MIB: f64 = 20.0;

/// One load run of one server: what wrk saw and where the CPU time went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    pub load: Figures,
    pub cpu: PerRequest,
}

/// One scenario's runs, round by round: `generated[i]` and `baseline[i]` ran back to back.
pub struct Row<'a> {
    pub scenario: &'a Scenario,
    pub generated: Vec<Run>,
    pub baseline: Vec<Run>,
}

/// Generated/baseline ratios of one figure, taken per round and then summarized. Two runs of the same round
/// ran a few seconds apart; a machine that drifts over minutes (shared cores, neighbours) moves both, so
/// the per-round ratio cancels the drift that a ratio of the two servers' medians would keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Ratios {
    pub fn paired(generated: &[Run], baseline: &[Run], figure: impl Fn(&Figures) -> f64) -> Ratios {
        let mut ratios: Vec<f64> = generated
            .iter()
            .zip(baseline)
            .map(|(g, b)| figure(&g.load) / figure(&b.load).max(f64::MIN_POSITIVE))
            .collect();
        ratios.sort_by(f64::total_cmp);
        let median = match ratios.len() {
            0 => 0.0,
            n if n % 2 == 1 => ratios[n / 2],
            n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
        };
        Ratios { median, min: ratios.first().copied().unwrap_or(0.0), max: ratios.last().copied().unwrap_or(0.0) }
    }

    /// `1.02× (0.97–1.06)`; one round has no spread to show.
    fn show(&self) -> String {
        if self.min == self.max {
            format!("{:.2}×", self.median)
        } else {
            format!("{:.2}× ({:.2}–{:.2})", self.median, self.min, self.max)
        }
    }
}

pub struct Table<'a> {
    backend: Backend,
    rows: Vec<Row<'a>>,
}

impl<'a> Table<'a> {
    pub fn new(backend: Backend) -> Table<'a> {
        Table { backend, rows: Vec::new() }
    }

    pub fn push(&mut self, row: Row<'a>) {
        self.rows.push(row);
    }

    /// Prints the table and returns the missed targets (none are judged in a smoke run).
    pub fn print(&self, idle: (Memory, Memory), loaded: (Memory, Memory), smoke: bool) -> Vec<String> {
        let label = self.backend.label();
        let mut misses = Vec::new();
        println!("figures: the median run of each server; ratios: the median of the per-round ratios (range)");
        println!(
            "{:<16} {:>10} {:>8} {:>8} | {:>10} {:>8} {:>8} | {:>18} {:>18} | targets",
            "scenario", "gen req/s", "p50 ms", "p99 ms", "base req/s", "p50 ms", "p99 ms", "req/s", "p99"
        );
        for row in &self.rows {
            let (g, b) = (median(&row.generated).load, median(&row.baseline).load);
            let rps = Ratios::paired(&row.generated, &row.baseline, |f| f.requests_per_sec);
            let p99 = Ratios::paired(&row.generated, &row.baseline, |f| f.p99_ms);
            let (rps_ratio, p99_ratio) = (rps.median, p99.median);
            let mut verdicts = Vec::new();
            let mut judge = |ok: bool, what: String| {
                verdicts.push(format!("{}{what}", if ok { "ok " } else { "MISS " }));
                if !ok {
                    misses.push(format!("{label} {}: {what}", row.scenario.name));
                }
            };
            judge(rps_ratio >= MIN_RPS_RATIO, format!("req/s ≥ {MIN_RPS_RATIO}×"));
            judge(p99_ratio <= MAX_P99_RATIO, format!("p99 ≤ {MAX_P99_RATIO}×"));
            if let (Backend::Postgres, Some(target)) = (self.backend, row.scenario.target_rps) {
                judge(g.requests_per_sec >= target, format!("≥ {target:.0} req/s"));
            }
            println!(
                "{:<16} {:>10.0} {:>8.2} {:>8.2} | {:>10.0} {:>8.2} {:>8.2} | {:>18} {:>18} | {}",
                row.scenario.name,
                g.requests_per_sec,
                g.p50_ms,
                g.p99_ms,
                b.requests_per_sec,
                b.p50_ms,
                b.p99_ms,
                rps.show(),
                p99.show(),
                verdicts.join(", ")
            );
        }
        self.print_cpu();
        let mib = |kib: u64| kib as f64 / 1024.0;
        for (name, idle, loaded) in [("generated", idle.0, loaded.0), ("baseline", idle.1, loaded.1)] {
            println!(
                "RSS {name:<9}: idle {:.1} MiB, after load {:.1} MiB, peak {:.1} MiB",
                mib(idle.rss_kib),
                mib(loaded.rss_kib),
                mib(loaded.peak_kib)
            );
        }
        let idle_ok = mib(idle.0.rss_kib) < MAX_IDLE_RSS_MIB;
        if !idle_ok {
            misses.push(format!("{label}: generated idle RSS {:.1} MiB ≥ {MAX_IDLE_RSS_MIB} MiB", mib(idle.0.rss_kib)));
        }
        if smoke {
            println!("(smoke run: the figures above prove the bench runs; they are not measurements)");
            return Vec::new();
        }
        misses
    }
}

impl Table<'_> {
    /// CPU time per request: the steadier figure, and the one that says whether a gap is in the server's
    /// code or in the database's work.
    fn print_cpu(&self) {
        let database = match self.backend {
            Backend::Sqlite => "(SQLite runs in the server)",
            Backend::Postgres => "db: PostgreSQL's backends",
        };
        println!("CPU µs per request, same runs: srv: the server process; {database}; wrk aside");
        println!(
            "{:<16} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} | {:>6} {:>6} | {:>8}",
            "scenario", "gen srv", "db", "sum", "base srv", "db", "sum", "srv", "sum", "wrk"
        );
        for row in &self.rows {
            let (g, b) = (median(&row.generated).cpu, median(&row.baseline).cpu);
            let ratio = |x: f64, y: f64| x / y.max(f64::MIN_POSITIVE);
            println!(
                "{:<16} {:>8.1} {:>8.1} {:>8.1} | {:>8.1} {:>8.1} {:>8.1} | {:>5.2}× {:>5.2}× | {:>8.1}",
                row.scenario.name,
                g.server_us,
                g.database_us,
                g.serving_us(),
                b.server_us,
                b.database_us,
                b.serving_us(),
                ratio(g.server_us, b.server_us),
                ratio(g.serving_us(), b.serving_us()),
                (g.load_us + b.load_us) / 2.0,
            );
        }
    }
}

/// The run with the median requests/s (its own latencies and CPU times with it, so a row is one real run).
pub fn median(runs: &[Run]) -> Run {
    let mut sorted = runs.to_vec();
    sorted.sort_by(|a, b| a.load.requests_per_sec.total_cmp(&b.load.requests_per_sec));
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// CPU model, cores and memory, for the figures' record.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{model}, {cores} cores, {mem_gib:.0} GiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(rps: &[f64]) -> Vec<Run> {
        rps.iter()
            .map(|&requests_per_sec| Run { load: Figures { requests_per_sec, ..Figures::default() }, ..Run::default() })
            .collect()
    }

    #[test]
    fn ratios_are_taken_per_round_so_drift_cancels() {
        // The machine slows down round by round; each round the generated server is 5 % faster.
        let generated = runs(&[1050.0, 840.0, 630.0]);
        let baseline = runs(&[1000.0, 800.0, 600.0]);
        let r = Ratios::paired(&generated, &baseline, |f| f.requests_per_sec);
        assert!((r.median - 1.05).abs() < 1e-9 && (r.min - 1.05).abs() < 1e-9 && (r.max - 1.05).abs() < 1e-9);
        assert_eq!(r.show(), "1.05×");
        // Rounds that disagree: the median of the two ratios, and their range.
        let r = Ratios::paired(&runs(&[900.0, 1200.0]), &runs(&[1000.0, 1000.0]), |f| f.requests_per_sec);
        assert!((r.median - 1.05).abs() < 1e-9);
        assert_eq!((r.min, r.max), (0.9, 1.2));
        assert_eq!(r.show(), "1.05× (0.90–1.20)");
    }

    #[test]
    fn no_rounds_no_ratio() {
        let r = Ratios::paired(&[], &[], |f| f.requests_per_sec);
        assert_eq!(r, Ratios { median: 0.0, min: 0.0, max: 0.0 });
    }
}
