//! Any bytes → a spec (one or more files) → `load_files` → success or diagnostics, rendered. Never a
//! panic; libFuzzer's `-timeout` and `-rss_limit_mb` bound time and memory per input.
//!
//! Input format (so the mutator can add, drop and edit files): files separated by NUL bytes; the first is
//! `spec/project.yaml`, the others `spec/app<N>.yaml`. Bytes that are not UTF-8 are replaced (U+FFFD):
//! `load_files` takes text; how `load_dir` treats a file that is not UTF-8 is not fuzzed here.
//! `spec/tests/fuzz_regressions.rs` splits its cases the same way.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = data
        .split(|&b| b == 0)
        .enumerate()
        .map(|(i, bytes)| {
            let name = if i == 0 { "spec/project.yaml".to_string() } else { format!("spec/app{i}.yaml") };
            (name.into(), String::from_utf8_lossy(bytes).into_owned())
        })
        .collect();
    match charter_spec::load_files(files) {
        Ok(spec) => {
            // What every emitter reads: make sure walking it is sound too.
            let _ = spec.endpoints().count();
        }
        Err(diagnostics) => {
            // Rendering slices the sources at every span: a bad span panics here.
            let _ = diagnostics.render(false);
            let _ = diagnostics.render(true);
        }
    }
});
