//! Every input the spec-loader fuzzer (`fuzz/`) found a crash with, kept as a case: each must load to a spec
//! or to diagnostics (rendered, as `charter check` prints them) without a panic.
//!
//! A case is a file in `tests/fuzz_regressions/`, the raw fuzzer input: files separated by NUL bytes, the
//! first `spec/project.yaml`, the others `spec/app<N>.yaml`, bytes that are not UTF-8 replaced (the split
//! `fuzz/fuzz_targets/spec_loader.rs` does). Add one by copying `fuzz/artifacts/crash-*` here.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The split the fuzz target does (kept in step with `fuzz/fuzz_targets/spec_loader.rs`).
fn files(data: &[u8]) -> Vec<(PathBuf, String)> {
    data.split(|&b| b == 0)
        .enumerate()
        .map(|(i, bytes)| {
            let name = if i == 0 { "spec/project.yaml".to_string() } else { format!("spec/app{i}.yaml") };
            (name.into(), String::from_utf8_lossy(bytes).into_owned())
        })
        .collect()
}

#[test]
fn every_fuzz_regression_loads_without_a_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.')))
        .collect();
    cases.sort();
    let mut failed = Vec::new();
    for case in &cases {
        let data = std::fs::read(case).unwrap();
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(|| match charter_spec::load_files(files(&data)) {
            Ok(spec) => format!("ok, {} endpoints", spec.endpoints().count()),
            Err(d) => {
                let _ = d.render(true);
                format!("{} diagnostics", d.items.len())
            }
        });
        let took = start.elapsed();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        match outcome {
            // Unoptimized: far slower than the fuzzer's 2 s per input, still nowhere near a hang.
            Ok(_) if took > Duration::from_secs(20) => failed.push(format!("{name}: took {took:?}")),
            Ok(_) => {}
            Err(_) => failed.push(format!("{name}: panicked")),
        }
    }
    assert!(failed.is_empty(), "fuzz regressions failed:\n{}", failed.join("\n"));
}
