//! Native tests: fixtures from the real tools, golden scripts, properties, CLI.
#![cfg(not(target_arch = "wasm32"))]

mod cli;
mod fixtures;
mod golden;
mod props;

use std::path::Path;

/// Commands whose real output depends on the capture machine rather than the tool.
const SKIPPED: &[&str] = &[
    // The capture's fake udev database gave --disks devices model strings; the
    // simulator's --disks devices, like loop devices and image files, have none.
    "lsblk-machine: lsblk -o NAME,PTTYPE,PARTTYPENAME,PARTLABEL,MODEL",
    // The capture container's kernel registers no partitions of loop devices, so
    // real lsblk showed loop0 without the partitions sfdisk had just written.
    "lsblk-loop: lsblk /dev/loop0",
    "lsblk-loop: lsblk -b /dev/loop0",
    "lsblk-loop: lsblk -J /dev/loop0",
    "lsblk-loop: lsblk -o NAME,SIZE,TYPE /dev/loop0 /dev/loop1",
    "lsblk-loop: lsblk -f /dev/loop0",
];

fn cases(dir: &str) -> Vec<fixtures::Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root).expect("fixture dir").flatten().map(|e| e.path()).collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .map(|p| {
            let name = format!("{dir}/{}", p.file_stem().unwrap_or_default().to_string_lossy());
            fixtures::parse_case(&name, &std::fs::read_to_string(&p).expect("read case"))
        })
        .collect()
}

fn assert_fixtures(dir: &str, at_least: usize) {
    let all = cases(dir);
    assert!(all.len() >= at_least, "expected the captured fixtures in tests/fixtures/{dir}");
    let problems: Vec<String> = all.iter().flat_map(|c| fixtures::replay(c, SKIPPED)).collect();
    assert!(problems.is_empty(), "{} mismatches with the real tools:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn block_layer_matches_util_linux() {
    assert_fixtures("block", 40);
}

#[test]
fn lvm_matches_lvm2() {
    assert_fixtures("lvm", 15);
}

#[test]
fn filesystems_match_e2fsprogs_and_mkswap() {
    assert_fixtures("fs", 2);
}
