//! `charter`: start a project, grow it, check a spec and its committed artifacts, write migrations,
//! print the OpenAPI document, list routes, and print the generated Rust.
//!
//! Every command but `new` works on a project directory (default: the current one) with the conventional
//! layout: `spec/`, `migrations/`, `openapi.json`, `src/<app>/<endpoint>.rs`.

mod files;
mod grow;
mod project;

use std::path::PathBuf;
use std::process::ExitCode;

use charter_codegen::Builder;
use charter_codegen::sql::{MakeOptions, Status, migrations};

use files::CliError;
use project::{Auth, Database, NewProject, Source};

const USAGE: &str = "\
charter: Charter's command line

usage: charter <command> [--dir <project>] [options]

commands:
  new <dir>                  a new project in <dir>: a core app implemented and tested, its first migration
                             and openapi.json
    --name N                 the package name (default: the directory's name)
    --db sqlite|postgres     the database `cargo run` uses (default: sqlite, an embedded file)
    --auth bearer|none       bearer: users, register, login, current user (the default); none: a public
                             API whose core app keeps notes (create, list a page, get one)
    --charter-path DIR       take the Charter crates from this checkout (default: the one this charter was
                             built from, if it is still there; else crates.io)
    --charter-git URL        ... from this git repository (with --charter-rev REV)
    --charter-version V      ... from crates.io at version V
  add-app <name>             a new app: spec/<name>.yaml, its entry in project.yaml, src/<name>/mod.rs
  scaffold [--dry-run]       write the use-case file of every endpoint that has none yet (never overwrites)
  check                      the spec has no errors, migrations and openapi.json are up to date
  makemigrations             write the next migration (SQLite and PostgreSQL) for the spec's changes
    --name N                 its name (default: from the changes, e.g. add_articles_views)
    --allow-destructive      accept steps that lose data or can fail on existing rows (listed when refused)
    --dry-run                print the SQL of both dialects; write nothing
  openapi [--yaml] [--write] print the OpenAPI document (or write openapi.json)
  routes                     list endpoints: method, path, hook, auth
  expand                     print the generated Rust
  status                     whether the migrations match the spec (exit 1 when not)
  help [command]             this text (also `-h`, `--help`, after any command)

options:
  --dir <project>            the project directory (default: .)
  --spec <dir>               spec directory, relative to the project (default: spec)
  --migrations <dir>         migrations directory (default: migrations)
  --openapi <file>           committed OpenAPI document (default: openapi.json)
";

struct Args {
    command: String,
    /// `new <dir>`, `add-app <name>`.
    target: Option<String>,
    builder: Builder,
    name: Option<String>,
    yaml: bool,
    write: bool,
    make: MakeOptions,
    database: Database,
    auth: Auth,
    source: Option<Source>,
    charter_rev: Option<String>,
}

/// Why the arguments do not make a command to run.
enum Stop {
    /// Asked for: printed to stdout, exit 0.
    Help,
    /// A mistake: printed to stderr with the usage, exit 2.
    Usage(String),
}

fn parse_args() -> Result<Args, Stop> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    // Asking for help is never an error, whatever else is on the line (`charter check --dir x --help`).
    if all.first().is_some_and(|a| a == "help") || all.iter().any(|a| a == "-h" || a == "--help") {
        return Err(Stop::Help);
    }
    let mut args = all.into_iter();
    let command = args.next().ok_or_else(|| Stop::Usage(USAGE.to_string()))?;
    let mut builder = Builder::new();
    builder.root(".");
    let (mut name, mut yaml, mut write, mut make) = (None, false, false, MakeOptions::default());
    let (mut target, mut database, mut source, mut charter_rev) = (None, Database::Sqlite, None, None);
    let mut auth = Auth::Bearer;
    while let Some(arg) = args.next() {
        let mut value =
            |flag: &str| args.next().ok_or_else(|| Stop::Usage(format!("error: `{flag}` needs a value\n\n{USAGE}")));
        match arg.as_str() {
            "--dir" => {
                builder.root(PathBuf::from(value("--dir")?));
            }
            "--spec" => {
                builder.spec_dir(value("--spec")?);
            }
            "--migrations" => {
                builder.migrations_dir(value("--migrations")?);
            }
            "--openapi" => {
                builder.openapi_file(Some(value("--openapi")?.into()));
            }
            "--name" => name = Some(value("--name")?),
            "--yaml" => yaml = true,
            "--write" => write = true,
            "--allow-destructive" => make.allow_destructive = true,
            "--dry-run" => make.dry_run = true,
            "--db" => {
                database = match value("--db")?.as_str() {
                    "sqlite" => Database::Sqlite,
                    "postgres" | "postgresql" => Database::Postgres,
                    other => return Err(Stop::Usage(format!("error: `--db {other}`: use sqlite or postgres\n"))),
                }
            }
            "--auth" => {
                auth = match value("--auth")?.as_str() {
                    "bearer" => Auth::Bearer,
                    "none" => Auth::None,
                    other => return Err(Stop::Usage(format!("error: `--auth {other}`: use bearer or none\n"))),
                }
            }
            "--charter-path" => {
                let dir = PathBuf::from(value("--charter-path")?);
                source = Some(Source::Path(std::path::absolute(&dir).unwrap_or(dir)));
            }
            "--charter-git" => source = Some(Source::Git { url: value("--charter-git")?, rev: None }),
            "--charter-rev" => charter_rev = Some(value("--charter-rev")?),
            "--charter-version" => source = Some(Source::Version(value("--charter-version")?)),
            other if !other.starts_with('-') && target.is_none() && matches!(command.as_str(), "new" | "add-app") => {
                target = Some(other.to_owned());
            }
            other => return Err(Stop::Usage(format!("error: unknown argument `{other}`\n\n{USAGE}"))),
        }
    }
    Ok(Args { command, target, builder, name, yaml, write, make, database, auth, source, charter_rev })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(Stop::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(Stop::Usage(msg)) => {
            eprint!("{msg}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            if matches!(e, CliError::Usage(_)) { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

fn run(args: &Args) -> Result<ExitCode, CliError> {
    let b = &args.builder;
    match args.command.as_str() {
        "new" => {
            let dir =
                args.target.as_deref().ok_or_else(|| CliError::Usage("`charter new` needs a directory".into()))?;
            let source = match (args.source.clone(), &args.charter_rev) {
                (Some(Source::Git { url, .. }), rev) => Source::Git { url, rev: rev.clone() },
                (_, Some(_)) => return Err(CliError::Usage("--charter-rev goes with --charter-git".into())),
                (Some(s), None) => s,
                (None, None) => Source::default_for_this_build(),
            };
            let new = NewProject {
                dir: dir.into(),
                name: args.name.clone(),
                database: args.database,
                auth: args.auth,
                source,
            };
            let written = project::create(&new)?;
            println!("created {dir}: {}", written.join(", "));
            println!(
                "\nnext:\n  cd {dir}\n  cargo test        # its tests\n  cargo run         # the server, docs at http://127.0.0.1:8080/docs/"
            );
            Ok(ExitCode::SUCCESS)
        }
        "add-app" => {
            let name =
                args.target.as_deref().ok_or_else(|| CliError::Usage("`charter add-app` needs an app name".into()))?;
            for line in grow::add_app(b, name)? {
                println!("{line}");
            }
            println!("next: describe its models and endpoints in spec/{name}.yaml, then `charter scaffold`");
            Ok(ExitCode::SUCCESS)
        }
        "scaffold" => {
            let done = grow::scaffold(b, args.make.dry_run)?;
            if done.is_empty() {
                println!("every endpoint has its use case");
            }
            for line in done {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        "check" => {
            let generated = b.render()?;
            println!("spec: ok ({} apps, {} endpoints)", generated.spec.apps.len(), generated.spec.endpoints().count());
            if generated.warnings.is_empty() {
                println!("migrations: up to date\nopenapi: up to date");
                Ok(ExitCode::SUCCESS)
            } else {
                for w in &generated.warnings {
                    eprintln!("error: {w}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        "makemigrations" => {
            let spec = b.load()?;
            let made = migrations::make(&spec, &b.migrations_path(), args.name.as_deref(), &args.make)
                .map_err(|e| CliError::Generate(e.into()))?;
            println!("{made}");
            Ok(ExitCode::SUCCESS)
        }
        "openapi" => {
            let generated = b.render()?;
            let text = if args.yaml { &generated.openapi_yaml } else { &generated.openapi_json };
            if args.write {
                let path = match (b.openapi_path(), args.yaml) {
                    (Some(p), false) => p,
                    (Some(p), true) => p.with_extension("yaml"),
                    (None, _) => PathBuf::from(if args.yaml { "openapi.yaml" } else { "openapi.json" }),
                };
                std::fs::write(&path, text).map_err(files::io(&path))?;
                println!("wrote {}", path.display());
            } else {
                print!("{text}");
            }
            Ok(ExitCode::SUCCESS)
        }
        "routes" => {
            let spec = b.load()?;
            let rows: Vec<[String; 5]> = spec
                .endpoints()
                .map(|(app, e)| {
                    let auth = match e.auth {
                        charter_spec::AuthRequirement::None => "none",
                        charter_spec::AuthRequirement::Optional => "optional",
                        charter_spec::AuthRequirement::Required => "required",
                    };
                    [
                        e.method.upper().to_string(),
                        e.path.clone(),
                        format!("{}::{}", app.name, e.name),
                        auth.to_string(),
                        spec.location(e.span),
                    ]
                })
                .collect();
            let header = ["METHOD", "PATH", "HOOK", "AUTH", "SPEC"].map(String::from);
            let widths: Vec<usize> =
                (0..5).map(|i| rows.iter().chain([&header]).map(|r| r[i].len()).max().unwrap_or(0)).collect();
            for row in std::iter::once(&header).chain(&rows) {
                let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
                println!("{}", line.join("  ").trim_end());
            }
            Ok(ExitCode::SUCCESS)
        }
        "expand" => {
            print!("{}", b.render()?.rust);
            Ok(ExitCode::SUCCESS)
        }
        "status" => {
            let spec = b.load()?;
            let status = migrations::status(&spec, &b.migrations_path()).map_err(|e| CliError::Generate(e.into()))?;
            println!("{status}");
            Ok(if matches!(status, Status::UpToDate { .. }) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        other => {
            eprint!("error: unknown command `{other}`\n\n{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}
