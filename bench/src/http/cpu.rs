//! Where a run's CPU time went: the server's process, the database's processes (PostgreSQL's backends for
//! the bench database; SQLite runs inside the server) and the load generator.
//!
//! Requests per second on two shared cores move by ±10 % between runs; CPU time per request moves far
//! less, and it says which side a gap is on: the server's code or the statements it sends.

use std::collections::HashMap;

/// Linux reports process times in clock ticks of 1/100 s (`USER_HZ`, fixed for user space).
const TICKS_PER_SEC: f64 = 100.0;

/// CPU time in seconds: user plus system, of a live process's every thread, living and dead.
fn process_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    Some((ticks(11)? + ticks(12)?) as f64 / TICKS_PER_SEC)
}

/// The CPU time of the children this process has waited for (`wrk` runs), in seconds.
fn waited_children_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let Some(close) = stat.rfind(')') else { return 0.0 };
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    // cutime and cstime are fields 16 and 17.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (ticks(13) + ticks(14)) as f64 / TICKS_PER_SEC
}

/// PostgreSQL's backends serving `database`: their process titles read
/// `postgres: <cluster>: <user> <database> <client> <state>`.
fn backends_of(database: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let needle = format!(" {database} ");
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|title| {
                let title = String::from_utf8_lossy(&title);
                title.starts_with("postgres: ") && title.contains(&needle)
            })
        })
        .collect()
}

/// What to watch: the server's process and, on PostgreSQL, the bench database's name.
pub struct Meter {
    pub server_pid: u32,
    pub database: Option<String>,
}

/// CPU seconds at one moment.
pub struct Reading {
    server: f64,
    database: HashMap<u32, f64>,
    load: f64,
}

/// CPU time per request, in microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct PerRequest {
    pub server_us: f64,
    pub database_us: f64,
    pub load_us: f64,
}

impl PerRequest {
    /// What one request costs the machine, the load generator aside.
    pub fn serving_us(&self) -> f64 {
        self.server_us + self.database_us
    }
}

impl Meter {
    pub fn read(&self) -> Reading {
        let database = match &self.database {
            Some(name) => backends_of(name).into_iter().filter_map(|pid| Some((pid, process_seconds(pid)?))).collect(),
            None => HashMap::new(),
        };
        Reading { server: process_seconds(self.server_pid).unwrap_or(0.0), database, load: waited_children_seconds() }
    }

    /// The CPU time spent since `before`, per request. A backend that connected during the run counts
    /// from zero (its whole life was the run's); one that exited during it is lost, which the pools'
    /// long idle timeouts make rare.
    pub fn since(&self, before: &Reading, requests: u64) -> PerRequest {
        let after = self.read();
        let database: f64 =
            after.database.iter().map(|(pid, s)| s - before.database.get(pid).copied().unwrap_or(0.0)).sum();
        let per = |seconds: f64| seconds.max(0.0) * 1e6 / requests.max(1) as f64;
        PerRequest {
            server_us: per(after.server - before.server),
            database_us: per(database),
            load_us: per(after.load - before.load),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_and_finds_no_backends_for_an_unknown_database() {
        let spent = process_seconds(std::process::id()).expect("our own /proc/<pid>/stat");
        assert!(spent >= 0.0);
        // Burn CPU until the reading moves: it must, within a generous deadline.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut x = 0u64;
        while process_seconds(std::process::id()).unwrap() < spent + 0.02 {
            assert!(std::time::Instant::now() < deadline, "CPU time did not advance");
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        assert!(backends_of("charter_bench_no_such_database_0").is_empty());
    }
}
