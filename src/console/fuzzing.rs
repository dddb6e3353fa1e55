//! The fuzz target's driver, shared with the native test that replays the
//! inputs the fuzzer found bugs with (`fuzz/regressions/`).
//!
//! The first byte picks a machine; the rest is lines typed one after another
//! (commands, dialog answers and here-document bodies alike).

use super::Shell;
use crate::core::Machine;

/// Lines per input: enough for a dialog and what follows it.
const MAX_LINES: usize = 48;

fn build(pick: u8) -> Option<Machine> {
    match pick % 3 {
        0 => Some(Machine::lab(0)),
        1 => Machine::with_disks(1, &[("sdb".into(), 64 << 20), ("sdc".into(), 1 << 30)]).ok(),
        _ => Machine::with_disks(2, &[("nvme0n1".into(), 64 << 40), ("loop0".into(), 8 << 20)]).ok(),
    }
}

thread_local! {
    /// Built once: cloning a machine costs a tenth of building the lab host.
    static MACHINES: [Option<Machine>; 3] = [build(0), build(1), build(2)];
}

fn machine(pick: u8) -> Option<Machine> {
    MACHINES.with(|m| m[usize::from(pick % 3)].clone())
}

/// Runs one fuzz input; the shell it leaves behind, for checks.
pub fn drive(data: &[u8]) -> Option<Shell> {
    let (&pick, rest) = data.split_first()?;
    let mut shell = Shell::new(machine(pick)?);
    let text = String::from_utf8_lossy(rest);
    for line in text.split('\n').take(MAX_LINES) {
        let _ = shell.run(line);
    }
    Some(shell)
}
