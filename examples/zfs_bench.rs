//! ZFS timings for `./x bench --only=zfs` (a report, never a test): the
//! console commands the course runs, on disks as large as a real host's.
//!
//! Prints: writing 10 GiB into a volume with dd, snapshotting a 1 TiB
//! volume (median of 21), scrubbing the pool holding those 10 GiB, and
//! rolling back. Run with `cargo run --release --example zfs_bench`.

use std::time::Instant;
use storage_lab::console::Shell;
use storage_lab::core::Machine;

const TIB: u64 = 1 << 40;

fn timed(shell: &mut Shell, line: &str) -> f64 {
    let t = Instant::now();
    let out = shell.run(line);
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(out.exit_status, 0, "{line}: {}{}", out.err, out.text);
    ms
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let disks = vec![("sdb".to_string(), 2 * TIB), ("sdc".to_string(), 2 * TIB)];
    let mut shell = Shell::new(Machine::with_disks(1, &disks).expect("disks"));
    timed(&mut shell, "zpool create tank mirror sdb sdc");
    timed(&mut shell, "zfs create -s -V 1T tank/vm-100-disk-0");
    let write = timed(&mut shell, "dd if=/dev/urandom of=/dev/zvol/tank/vm-100-disk-0 bs=1M count=10240 status=none");
    println!("dd of 10 GiB into a 1 TiB volume: {write:.0} ms");
    let snaps: Vec<f64> = (0..21).map(|i| timed(&mut shell, &format!("zfs snapshot tank/vm-100-disk-0@s{i}"))).collect();
    println!("zfs snapshot of the 1 TiB volume: {:.3} ms (median of 21; budget 1 ms)", median(snaps));
    let scrub = timed(&mut shell, "zpool scrub -w tank");
    println!("zpool scrub of 10 GiB of data: {scrub:.0} ms (budget 1000 ms)");
    let rollback = timed(&mut shell, "zfs rollback -r tank/vm-100-disk-0@s0");
    println!("zfs rollback -r past 20 snapshots: {rollback:.1} ms");
}
