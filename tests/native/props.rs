//! Property tests: random LVM command sequences keep the model consistent, and
//! arbitrary input lines never panic the shell (nor change the machine when the
//! line is not a command).

use proptest::prelude::*;
use proptest::test_runner::Config;
use storage_lab::console::Shell;
use storage_lab::core::lvm::LvKind;
use storage_lab::core::Machine;

fn lab_shell(seed: u64) -> Shell {
    let machine = Machine::with_disks(seed, &[("sdb".into(), 10 << 30), ("sdc".into(), 5 << 30)]).expect("two blank disks");
    Shell::new(machine)
}

fn config(cases: u32) -> Config {
    // No regression files in the source tree; failures print their minimal case.
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Runs one line as a user at a terminal would: a pending question then sees
/// the end of input (lvm2 answers it `[n]` itself).
fn run(shell: &mut Shell, line: &str) -> String {
    let mut text = shell.run(line).text;
    if shell.is_interactive() {
        let mut eof = shell.end_of_input();
        eof.join_errors();
        text.push_str(&eof.text);
    }
    assert!(!shell.is_interactive(), "still interactive after end of input: {line}");
    text
}

const LV_NAMES: &[&str] = &["lv0", "lv1", "lv2", "pool0", "pool1", "thin0", "thin1", "thin2"];
const REPORTS: &[&str] = &[
    "lvs -a -o +devices,seg_pe_ranges",
    "pvs",
    "vgs -o +vg_free_count,vg_extent_count",
    "lvdisplay -a",
    "pvdisplay -m",
    "vgdisplay",
    "lsblk",
    "lvs --reportformat json --units b --nosuffix",
];

/// One LVM step of a random session.
#[derive(Debug, Clone)]
enum Op {
    PvCreate(bool),
    VgCreate(u8, bool, bool),
    VgExtend(u8, bool),
    VgReduce(u8, bool),
    VgRemove(u8, bool),
    LvCreateSize(u8, u8, u32),
    LvCreateExtents(u8, u8, u32),
    LvCreatePercent(u8, u8, u8, bool),
    LvCreateStriped(u8, u8, u32, bool),
    LvExtend(u8, u8, u32),
    LvExtendFree(u8, u8, u8),
    LvReduce(u8, u8, u32),
    LvResize(u8, u8, u32),
    LvRemove(u8, u8, u8),
    LvRename(u8, u8, u8),
    PoolCreate(u8, u8, u32),
    PoolCreateFree(u8, u8, u8),
    ThinCreate(u8, u8, u8, u32),
    Write(u8, u8, u32),
    Snapshot(u8, u8, u8),
    Merge(u8, u8),
    Report(u8),
}

fn dev(b: bool) -> &'static str {
    if b {
        "/dev/sdb"
    } else {
        "/dev/sdc"
    }
}

fn lv(i: u8) -> &'static str {
    LV_NAMES[i as usize % LV_NAMES.len()]
}

/// The `i`-th existing LV of `vg` accepted by `want`, as `VG/LV`; or a name that
/// may not exist, so that errors are exercised too.
fn pick(shell: &Shell, v: u8, i: u8, want: fn(&LvKind) -> bool) -> String {
    let existing: Vec<String> = shell
        .machine
        .lvm()
        .vgs
        .iter()
        .flat_map(|vg| vg.lvs.iter().filter(|l| !l.is_hidden() && want(&l.kind)).map(move |l| format!("{}/{}", vg.name, l.name)))
        .collect();
    if existing.is_empty() || i % 8 == 7 {
        format!("vg{v}/{}", lv(i))
    } else {
        existing[i as usize % existing.len()].clone()
    }
}

fn any_lv(_: &LvKind) -> bool {
    true
}

fn is_pool(k: &LvKind) -> bool {
    matches!(k, LvKind::ThinPool { .. })
}

fn is_thin(k: &LvKind) -> bool {
    matches!(k, LvKind::Thin { .. })
}

impl Op {
    fn line(&self, shell: &Shell) -> String {
        match *self {
            Op::PvCreate(d) => format!("pvcreate {}", dev(d)),
            Op::VgCreate(v, d, both) => {
                if both {
                    format!("vgcreate vg{v} /dev/sdb /dev/sdc")
                } else {
                    format!("vgcreate vg{v} {}", dev(d))
                }
            }
            Op::VgExtend(v, d) => format!("vgextend vg{v} {} {}", dev(d), dev(d)),
            Op::VgReduce(v, d) => format!("vgreduce vg{v} {}", dev(d)),
            Op::VgRemove(v, yes) => format!("{}vgremove vg{v}", if yes { "yes | " } else { "" }),
            Op::LvCreateSize(v, l, mib) => format!("lvcreate -n {} -L {mib}M vg{v}", lv(l)),
            Op::LvCreateExtents(v, l, n) => format!("lvcreate -n {} -l {n} vg{v}", lv(l)),
            Op::LvCreatePercent(v, l, p, free) => format!("lvcreate -n {} -l {p}%{} vg{v}", lv(l), if free { "FREE" } else { "VG" }),
            Op::LvCreateStriped(v, l, mib, all) => {
                let size = if all { "-l 100%FREE".to_string() } else { format!("-L {mib}M") };
                format!("lvcreate -n {} -i 2 -I 8k {size} vg{v}", lv(l))
            }
            Op::LvExtend(v, l, mib) => format!("lvextend -L +{mib}M {}", pick(shell, v, l, any_lv)),
            Op::LvExtendFree(v, l, p) => format!("lvextend -l +{p}%FREE {}", pick(shell, v, l, any_lv)),
            Op::LvReduce(v, l, mib) => format!("lvreduce -y -L -{mib}M {}", pick(shell, v, l, any_lv)),
            Op::LvResize(v, l, mib) => format!("lvresize -y -L {mib}M {}", pick(shell, v, l, any_lv)),
            Op::LvRemove(v, l, how) => match how % 4 {
                0 => format!("lvremove -y {}", pick(shell, v, l, any_lv)),
                1 => format!("yes | lvremove {}", pick(shell, v, l, any_lv)),
                2 => format!("echo y | lvremove {}", pick(shell, v, l, is_pool)),
                _ => format!("lvremove {}", pick(shell, v, l, any_lv)),
            },
            Op::LvRename(v, a, b) => format!("lvrename {} {}", pick(shell, v, a, any_lv), lv(b)),
            Op::PoolCreate(v, p, mib) => format!("lvcreate --type thin-pool -L {mib}M -n pool{} vg{v}", p % 2),
            Op::PoolCreateFree(v, p, pct) => format!("lvcreate -T -l {pct}%FREE vg{v}/pool{}", p % 2),
            Op::ThinCreate(v, p, t, mib) => format!("lvcreate -T {} -V {mib}M -n thin{}", pick(shell, v, p, is_pool), t % 3),
            Op::Write(v, t, mib) => format!("dd if=/dev/zero of=/dev/{} bs=1M count={mib}", pick(shell, v, t, is_thin)),
            Op::Snapshot(v, t, n) => format!("lvcreate -s -n snap{} {}", n % 3, pick(shell, v, t, is_thin)),
            Op::Merge(v, s) => format!("lvconvert --merge {}", pick(shell, v, s, is_thin)),
            Op::Report(i) => REPORTS[i as usize % REPORTS.len()].to_string(),
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let vg = 0u8..2;
    prop_oneof![
        1 => any::<bool>().prop_map(Op::PvCreate),
        1 => (vg.clone(), any::<bool>(), any::<bool>()).prop_map(|(v, d, b)| Op::VgCreate(v, d, b)),
        1 => (vg.clone(), any::<bool>()).prop_map(|(v, d)| Op::VgExtend(v, d)),
        1 => (vg.clone(), any::<bool>()).prop_map(|(v, d)| Op::VgReduce(v, d)),
        1 => (vg.clone(), any::<bool>()).prop_map(|(v, y)| Op::VgRemove(v, y)),
        3 => (vg.clone(), any::<u8>(), 1u32..6000).prop_map(|(v, l, m)| Op::LvCreateSize(v, l, m)),
        1 => (vg.clone(), any::<u8>(), 1u32..900).prop_map(|(v, l, n)| Op::LvCreateExtents(v, l, n)),
        1 => (vg.clone(), any::<u8>(), 1u8..=120, any::<bool>()).prop_map(|(v, l, p, f)| Op::LvCreatePercent(v, l, p, f)),
        1 => (vg.clone(), any::<u8>(), 1u32..4000, any::<bool>()).prop_map(|(v, l, m, a)| Op::LvCreateStriped(v, l, m, a)),
        2 => (vg.clone(), any::<u8>(), 1u32..4000).prop_map(|(v, l, m)| Op::LvExtend(v, l, m)),
        1 => (vg.clone(), any::<u8>(), 1u8..=100).prop_map(|(v, l, p)| Op::LvExtendFree(v, l, p)),
        2 => (vg.clone(), any::<u8>(), 1u32..3000).prop_map(|(v, l, m)| Op::LvReduce(v, l, m)),
        1 => (vg.clone(), any::<u8>(), 1u32..6000).prop_map(|(v, l, m)| Op::LvResize(v, l, m)),
        2 => (vg.clone(), any::<u8>(), any::<u8>()).prop_map(|(v, l, h)| Op::LvRemove(v, l, h)),
        1 => (vg.clone(), any::<u8>(), any::<u8>()).prop_map(|(v, a, b)| Op::LvRename(v, a, b)),
        3 => (vg.clone(), any::<u8>(), 8u32..4000).prop_map(|(v, p, m)| Op::PoolCreate(v, p, m)),
        1 => (vg.clone(), any::<u8>(), 1u8..=100).prop_map(|(v, p, pct)| Op::PoolCreateFree(v, p, pct)),
        3 => (vg.clone(), any::<u8>(), any::<u8>(), 1u32..20000).prop_map(|(v, p, t, m)| Op::ThinCreate(v, p, t, m)),
        3 => (vg.clone(), any::<u8>(), 1u32..3000).prop_map(|(v, t, m)| Op::Write(v, t, m)),
        2 => (vg.clone(), any::<u8>(), any::<u8>()).prop_map(|(v, t, s)| Op::Snapshot(v, t, s)),
        1 => (vg.clone(), any::<u8>()).prop_map(|(v, s)| Op::Merge(v, s)),
        1 => any::<u8>().prop_map(Op::Report),
    ]
}

/// Every session starts from two PVs in one VG, so that most steps do something.
const PRELUDE: &[&str] = &["pvcreate /dev/sdb /dev/sdc", "vgcreate vg0 /dev/sdb", "vgcreate vg1 /dev/sdc"];

proptest! {
    #![proptest_config(config(256))]

    /// (a) Whatever sequence of LVM commands runs, no extent belongs to two LVs,
    /// free plus used extents make the VG, and no pool hands out more chunks
    /// than it has.
    #[test]
    fn lvm_sequences_keep_the_model_consistent(seed in 0u64..1000, ops in prop::collection::vec(op(), 1..28)) {
        let mut shell = lab_shell(seed);
        for line in PRELUDE {
            run(&mut shell, line);
        }
        let mut log = String::new();
        for op in &ops {
            let line = op.line(&shell);
            let out = run(&mut shell, &line);
            log.push_str(&format!("$ {line}\n{out}"));
            if let Err(e) = shell.machine.lvm().check_invariants() {
                prop_assert!(false, "{e}\n{log}");
            }
        }
    }
}

/// Characters that exercise the shell's word splitting and the console's limits.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        2 => Just(' '),
        1 => prop::sample::select(vec!['|', '&', ';', '\'', '"', '\\', '$', '>', '<', '-', '/', '%', '+', '=', '*', '\t']),
        1 => prop::char::range('\u{0}', '\u{1f}'),
        1 => Just('\u{7f}'),
        1 => any::<char>(),
    ]
}

fn nasty_line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(nasty_char(), 0..80).prop_map(String::from_iter),
        2 => any::<String>(),
        1 => (prop::collection::vec(nasty_char(), 0..40), 4070usize..4120).prop_map(|(v, n)| v.into_iter().cycle().take(n).collect()),
    ]
}

/// A shell with LVM state worth protecting: a VG on each disk, LVs, a thin
/// pool with a thin volume.
fn busy_shell() -> Shell {
    let mut shell = lab_shell(3);
    for line in [
        "pvcreate /dev/sdb /dev/sdc",
        "vgcreate vg0 /dev/sdb",
        "vgcreate vg1 /dev/sdc",
        "lvcreate -n lv0 -L 1G vg0",
        "lvcreate --type thin-pool -L 1G -n pool0 vg0",
        "lvcreate -T vg0/pool0 -V 4G -n thin0",
        "lvcreate -n lv1 -l 50%FREE vg1",
    ] {
        run(&mut shell, line);
    }
    assert!(shell.machine.lvm().check_invariants().is_ok());
    shell
}

/// Words that start no command: "zq" begins no command the console knows.
fn unknown_word() -> impl Strategy<Value = String> {
    "zq[a-z0-9._-]{0,8}"
}

/// True when a line's command ran only at the end of input (it was left open).
fn shell_waited(out: &storage_lab::console::Output, eof: &storage_lab::console::Output) -> bool {
    out.text.is_empty() && !eof.text.is_empty()
}

proptest! {
    #![proptest_config(config(256))]

    /// (b) Any line, at the prompt or as the answer to a question, never panics.
    #[test]
    fn arbitrary_lines_never_panic(context in 0u8..4, line in nasty_line()) {
        let mut shell = busy_shell();
        match context {
            // Inside a y/n question of lvremove, of vgremove, or of lvreduce.
            1 => { shell.run("lvremove vg0/lv0"); }
            2 => { shell.run("vgremove vg0"); }
            3 => { shell.run("lvreduce -L -100M vg0/lv0"); }
            _ => {}
        }
        shell.run(&line);
        shell.end_of_input();
        prop_assert!(!shell.is_interactive());
        prop_assert!(shell.machine.lvm().check_invariants().is_ok());
    }

    /// (b) A line whose first word is no command leaves the machine as it was
    /// (but for the clock), whatever arguments follow (quotes, control
    /// characters, LVM commands), and a command after `&&` does not run.
    #[test]
    fn unknown_commands_change_nothing(word in unknown_word(), rest in nasty_line(), tail in prop::sample::select(vec![
        "", " lvremove -y vg0/lv0", " && lvcreate -L 1G -n x vg0", " && vgremove -f vg0",
    ])) {
        // bash runs the other commands of a pipeline or list (a new line
        // separates commands as `;` does), and performs redirections even
        // for a command it cannot find.
        prop_assume!(!rest.contains(['>', '<', '|', ';', '&', '\n']));
        let mut shell = busy_shell();
        let before = shell.machine.clone();
        let line = format!("{word}{}{tail}", if rest.is_empty() { String::new() } else { format!(" {rest}") });
        let out = shell.run(&line);
        // An open quote waits for more lines; the end of input reports it.
        let eof = shell.end_of_input();
        let status = if shell_waited(&out, &eof) { eof.exit_status } else { out.exit_status };
        prop_assert!(status != 0, "{line:?} succeeded: {}{}", out.text, eof.text);
        shell.machine.set_clock(before.now());
        prop_assert!(shell.machine == before, "{line:?} changed the machine: {}", out.text);
    }
}

/// Lines a student might type at the shell or into a partitioning dialog.
const BLOCK_LINES: &[&str] = &[
    "fdisk /dev/sdb", "fdisk /dev/sdc", "sfdisk /dev/sdb", "parted -s /dev/sdc mklabel gpt",
    "parted -s /dev/sdb mkpart p 1MiB 50%", "parted -s /dev/sdc rm 1", "parted -s /dev/sdb print free",
    "n", "p", "e", "l", "d", "t", "g", "o", "w", "q", "m", "", "1", "2", "5", "+100M", "+1G", "-1G",
    "2048", "99999999999", "lvm", "8e", "L", "label: gpt", "label: dos", ",100M", ",,L", "size=1G, type=swap",
    "write", "abort", "print", "lsblk -f", "fdisk -l", "sfdisk --dump /dev/sdb", "mkfs.ext4 /dev/sdb1",
    "mount /dev/sdb1 /mnt", "umount /mnt", "pvcreate /dev/sdc1", "mkswap /dev/sdb2", "swapon /dev/sdb2",
    "dd if=/dev/zero of=/dev/sdb1 bs=1M count=10",
];

/// Every partition table on disk is sane: partitions inside the disk and
/// primaries not overlapping; the kernel's partitions are inside the disk too.
fn check_tables(machine: &Machine) -> Result<(), String> {
    for d in machine.disks() {
        let total = d.total_sectors();
        if let Some(label) = d.label() {
            let mut spans: Vec<(u64, u64)> = label.primaries().map(|p| (p.start_lba, p.end_lba())).collect();
            spans.sort_unstable();
            for w in spans.windows(2) {
                if w[0].1 >= w[1].0 {
                    return Err(format!("{}: partitions overlap: {spans:?}", d.name));
                }
            }
            if spans.last().is_some_and(|s| s.1 >= total) {
                return Err(format!("{}: a partition ends beyond the disk", d.name));
            }
        }
        if d.kernel_partitions.iter().any(|k| k.start_lba + k.size_sectors > total) {
            return Err(format!("{}: the kernel sees a partition beyond the disk", d.name));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(std::env::var("STORAGE_LAB_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)))]

    #[test]
    fn random_partitioning_sessions_never_panic_and_keep_tables_sane(
        lines in proptest::collection::vec(proptest::sample::select(BLOCK_LINES), 1..40),
        seed in 0u64..1000,
    ) {
        let mut shell = lab_shell(seed);
        for line in &lines {
            shell.run(line);
            prop_assert!(check_tables(&shell.machine).is_ok(), "{:?} after {line:?}", check_tables(&shell.machine));
        }
        shell.end_of_input();
        prop_assert!(!shell.is_interactive());
        prop_assert!(check_tables(&shell.machine).is_ok());
        prop_assert!(shell.machine.lvm().check_invariants().is_ok());
    }
}
