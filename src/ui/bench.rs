//! Hooks for `./x bench` (scripts/bench calls them through `window.wasmBindings`):
//! the cost of replaying a long log and of one undo at the end of it, in the
//! browser's own WebAssembly engine.

use super::state::{Action, Lab};
use crate::console::session::{Session, Start};
use std::rc::Rc;
use wasm_bindgen::prelude::wasm_bindgen;
use yew::Reducible;

/// A log of `lines` lines mixing listings, LVM changes and fdisk dialogs.
fn log(lines: usize) -> Session {
    let mut s = Session::new(Start::Lab, 1);
    s.lines.push("pvcreate /dev/sdb".into());
    s.lines.push("vgcreate bench /dev/sdb".into());
    let mut i = 0;
    while s.lines.len() + 10 <= lines {
        let block = [
            "lsblk".to_string(),
            format!("lvcreate -n lv{i} -L 1G bench"),
            format!("lvremove -y bench/lv{i}"),
            "fdisk /dev/sdc".into(),
            "n".into(),
            "p".into(),
            "".into(),
            "".into(),
            "".into(),
            "q".into(),
        ];
        s.lines.extend(block);
        i += 1;
    }
    s.lines.resize(lines, "lsblk".into());
    s
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Milliseconds to build the app's state from a log of `lines` lines.
#[wasm_bindgen]
pub fn bench_replay(lines: usize) -> f64 {
    let session = log(lines);
    let start = now_ms();
    let lab = Lab::new(session);
    let took = now_ms() - start;
    if lab.error.is_some() {
        return f64::NAN;
    }
    took
}

/// The slowest of 30 successive undos at the end of a log of `lines` lines,
/// in milliseconds. The first one crosses a checkpoint, so it replays the
/// most lines an undo can.
#[wasm_bindgen]
pub fn bench_undo(lines: usize) -> f64 {
    let mut lab = Rc::new(Lab::new(log(lines)));
    let mut slowest: f64 = 0.0;
    for _ in 0..30 {
        let before = lab.session.lines.len();
        let start = now_ms();
        lab = lab.reduce(Action::Undo);
        slowest = slowest.max(now_ms() - start);
        if lab.session.lines.len() >= before {
            return f64::NAN;
        }
    }
    slowest
}
