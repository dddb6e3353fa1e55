//! Replays the fuzzer's seeds and every input with which it found a bug
//! (`fuzz/seeds/`, `fuzz/regressions/`) through the same driver, so a fixed
//! panic stays fixed without nightly Rust.

use std::path::Path;

#[test]
fn fuzz_seeds_and_regressions_run_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).expect("fuzz input");
            let shell = storage_lab::console::fuzzing::drive(&data);
            assert!(shell.is_some() || data.is_empty(), "{}: no machine", entry.path().display());
            count += 1;
        }
    }
    assert!(count >= 7, "the seeds are there");
}
