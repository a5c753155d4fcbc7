//! Prints the Rust generated for a spec directory: `cargo run -p charter-codegen --example expand -- spec`.
fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "spec".into());
    match charter_spec::load_dir(std::path::Path::new(&dir)) {
        Ok(spec) => print!("{}", charter_codegen::rust::generate(&spec, &Default::default())),
        Err(d) => eprint!("{}", d.render(false)),
    }
}
