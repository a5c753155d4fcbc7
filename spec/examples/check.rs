//! Prints the diagnostics of a spec directory: `cargo run -p charter-spec --example check -- path/to/spec`.
fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "spec".into());
    match charter_spec::load_dir(std::path::Path::new(&dir)) {
        Ok(spec) => println!("ok: {} apps", spec.apps.len()),
        Err(d) => print!("{}", d.render(false)),
    }
}
