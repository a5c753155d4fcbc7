//! A fresh database per bench run: a new SQLite file, or a new PostgreSQL database that is dropped after.

use std::path::{Path, PathBuf};

use charter_runtime::Db;

use super::Backend;

pub struct BenchDb {
    pub backend: Backend,
    pub label: String,
    pub url: String,
    /// PostgreSQL: the server-level URL and the database to drop afterwards.
    postgres: Option<(String, String)>,
    sqlite_file: Option<PathBuf>,
}

/// Where PostgreSQL is: `BENCH_DATABASE_URL`, `TEST_DATABASE_URL` or `DATABASE_URL`, else the local default.
fn postgres_admin_url() -> String {
    ["BENCH_DATABASE_URL", "TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl BenchDb {
    pub async fn create(backend: Backend, work: &Path) -> Result<BenchDb, String> {
        let run = format!("{}_{}", std::process::id(), charter_runtime::Utc::now().timestamp_micros());
        match backend {
            Backend::Sqlite => {
                let file = work.join(format!("conduit-{run}.db"));
                let url = format!("sqlite://{}?mode=rwc", file.display());
                Ok(BenchDb { backend, label: "SQLite".into(), url, postgres: None, sqlite_file: Some(file) })
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("charter_bench_{run}");
                let db = Db::connect(&admin)
                    .await
                    .map_err(|e| format!("PostgreSQL is needed for the PostgreSQL half ({admin}): {e}"))?;
                let created = db.query(format!("CREATE DATABASE \"{name}\"")).execute().await;
                db.close().await;
                created.map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
                let url = with_database(&admin, &name);
                Ok(BenchDb {
                    backend,
                    label: "PostgreSQL".into(),
                    url,
                    postgres: Some((admin, name)),
                    sqlite_file: None,
                })
            }
        }
    }

    /// The PostgreSQL database's name; `None` on SQLite.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(_, name)| name.as_str())
    }

    /// Removes what [`create`](BenchDb::create) made; failures only warn, the figures are already out.
    pub async fn drop_database(&self) {
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin, name)) = &self.postgres {
            let dropped = match Db::connect(admin).await {
                Ok(db) => {
                    let r = db.query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute().await;
                    db.close().await;
                    r.map(drop).map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = dropped {
                eprintln!("warning: could not drop database {name}: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/test", "b"), "postgres://u@h:5432/b");
        assert_eq!(with_database("postgres://u@h:5432", "b"), "postgres://u@h:5432/b");
        assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "b"), "postgres://u@h/b?sslmode=disable");
    }
}
