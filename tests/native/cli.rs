//! The pinned `storage-lab` interface, run as a real process.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storage-lab"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the storage-lab binary runs");
    // A usage error exits before reading standard input, so the pipe may be closed.
    let _ = child.stdin.take().expect("stdin").write_all(stdin.as_bytes());
    let out = child.wait_with_output().expect("wait");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn stdin_and_script_file_print_the_same() {
    let script = "lsblk\nfdisk /dev/sdb\ng\nn\n\n\n+1G\nw\nfdisk -l /dev/sdb\nfrobnicate\n";
    let path = std::env::temp_dir().join(format!("storage-lab-cli-{}.txt", std::process::id()));
    std::fs::write(&path, script).expect("write script");
    let (code_a, out_a, _) = run(&["--disks", "sdb=10G", "--seed", "9"], script);
    let (code_b, out_b, _) = run(&["--script", path.to_str().unwrap_or_default(), "--disks=sdb=10G", "--seed=9"], "");
    let _ = std::fs::remove_file(&path);
    assert_eq!((code_a, code_b), (0, 0), "a failing command still exits 0");
    assert_eq!(out_a, out_b);
    assert!(out_a.contains("/dev/sdb1   2048 2099199 2097152   1G Linux filesystem\n"), "{out_a}");
    assert!(out_a.ends_with("bash: frobnicate: command not found\n"), "{out_a}");
}

#[test]
fn echo_prefixes_commands_only() {
    let (_, out, _) = run(&["--echo", "--disks", "sdb=1G"], "lsblk -d -o NAME\nsfdisk /dev/sdb\nlabel: gpt\nwrite\n");
    assert!(out.starts_with("# lsblk -d -o NAME\nNAME\nsdb\n# sfdisk /dev/sdb\n"), "{out}");
    assert!(!out.contains("# label: gpt") && !out.contains("# write"), "{out}");
}

#[test]
fn usage_errors_exit_non_zero() {
    for args in [
        vec!["--seed", "minus-one"],
        vec!["--disks", "hda=1G"],
        vec!["--disks", "sdb=lots"],
        vec!["--script", "/nonexistent/script"],
        vec!["--frobnicate"],
        vec!["--seed"],
    ] {
        let (code, out, err) = run(&args, "lsblk\n");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty() && err.starts_with("storage-lab:"), "{args:?}: {err}");
    }
}

#[test]
fn default_machine_is_the_lab_host() {
    let (code, out, _) = run(&[], "lsblk -d -o NAME,SIZE,TRAN\n");
    assert_eq!(code, 0);
    assert_eq!(out, "NAME     SIZE TRAN\nsda      128G sata\nsdb      500G sata\nsdc      500G sata\nzd0       32G \nnvme0n1  256G nvme\nnvme1n1  256G nvme\n");
}
