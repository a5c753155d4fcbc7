//! Starting, watching and stopping the servers under test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client;

/// A server process on a local port; stopped when dropped.
pub struct Server {
    pub name: &'static str,
    pub port: u16,
    child: Child,
    log: PathBuf,
}

/// Memory of a process, from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident now.
    pub rss_kib: u64,
    /// The most ever resident (the high-water mark).
    pub peak_kib: u64,
}

impl Server {
    /// Starts `binary` with `env` on `port` and waits until it answers `GET /api/tags`.
    pub fn start(
        name: &'static str,
        binary: &Path,
        port: u16,
        env: &[(&str, String)],
        log_dir: &Path,
    ) -> Result<Server, String> {
        Server::start_under(&[], name, binary, port, env, log_dir)
    }

    /// [`Server::start`] with `binary` run by `wrapper` (`valgrind --tool=callgrind ...`); its output goes
    /// to the same log.
    pub fn start_under(
        wrapper: &[String],
        name: &'static str,
        binary: &Path,
        port: u16,
        env: &[(&str, String)],
        log_dir: &Path,
    ) -> Result<Server, String> {
        // Another server on the port would answer the readiness probe for this one.
        std::net::TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("port {port} is taken ({e}); is another bench still running?"))?;
        let log = log_dir.join(format!("{name}-{port}.log"));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        command.env("BIND_ADDR", format!("127.0.0.1:{port}")).stdin(Stdio::null()).stdout(file).stderr(err);
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut server = Server { name, port, child, log };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("{} exited ({status}) before answering:\n{}", self.name, self.log_tail()));
            }
            if client::get(self.port, "/api/tags", None).is_ok_and(|reply| reply.status == 200) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not answer within 60 s:\n{}", self.name, self.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Memory { rss_kib: field("VmRSS:"), peak_kib: field("VmHWM:") }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it lingers.
    pub fn stop(mut self) {
        self.terminate(Duration::from_secs(10));
    }

    /// [`Server::stop`], waiting up to `grace` for a clean exit (a server under valgrind writes its
    /// totals as it exits); its whole log if it exited by itself.
    pub fn stop_within(mut self, grace: Duration) -> Option<String> {
        self.terminate(grace).then(|| self.log())
    }

    fn terminate(&mut self, grace: Duration) -> bool {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return true;
        }
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(10));
    }
}
