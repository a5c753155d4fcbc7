//! Copies the workspace's Cargo.lock into `OUT_DIR` for `charter new` (see `src/project.rs`): from the
//! workspace root in a checkout, from the package itself when built from crates.io (cargo packages a
//! binary crate's lock file), or an empty file when there is none.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // Its own first: built from crates.io, `..` is the registry's source directory.
    let candidates = [manifest.join("Cargo.lock"), manifest.join("../Cargo.lock")];
    let lock = candidates.iter().find(|p| p.is_file());
    // A path that does not exist would rerun this script on every build.
    if let Some(p) = lock {
        println!("cargo::rerun-if-changed={}", p.display());
    }
    let text = lock.map(std::fs::read_to_string).transpose().expect("Cargo.lock is readable").unwrap_or_default();
    std::fs::write(out.join("Cargo.lock"), text).expect("OUT_DIR is writable");
}
