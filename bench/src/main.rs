//! `charter-bench`: the generated Conduit server against a hand-written baseline, and codegen speed.
//!
//! ```sh
//! cargo run --release -p charter-bench -- http        # load both servers, SQLite and PostgreSQL
//! cargo run --release -p charter-bench -- callgrind   # instructions per request of each server
//! cargo run --release -p charter-bench -- codegen     # parse + validate + generate, 20 and 200 models
//! cargo run --release -p charter-bench -- incremental # editing a use case does not rerun build.rs
//! cargo run -p charter-bench -- smoke                 # all of it, seconds long (CI)
//! ```

mod codegen;
mod http;
mod incremental;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        "codegen" => codegen::main(rest),
        // The codegen bench's large case, measured in a process of its own (not for people).
        "codegen-case" => codegen::case(rest),
        "http" => http::main(rest),
        "callgrind" => http::callgrind::main(rest),
        "incremental" => incremental::main(rest),
        "smoke" => smoke(rest),
        _ => {
            eprintln!("usage: charter-bench <http|callgrind|codegen|incremental|smoke> [options]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every bench, seconds long: proves they still run (CI). The figures mean nothing.
fn smoke(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("unknown option `{other}`"));
    }
    codegen::main(&["--smoke".to_owned()])?;
    http::main(&["--smoke".to_owned()])?;
    http::callgrind::main(&["--smoke", "--scenarios", "list tags"].map(str::to_owned))?;
    incremental::main(&[])
}
