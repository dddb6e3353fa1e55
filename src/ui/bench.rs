//! Hooks for `./x bench` (scripts/bench calls them through `window.wasmBindings`):
//! the cost of replaying a long log and of one undo at the end of it, in the
//! browser's own WebAssembly engine. The bench writes the log, a session
//! file, so the bundle carries no workload of its own.

use super::state::{Action, Lab};
use crate::console::session::Session;
use std::rc::Rc;
use wasm_bindgen::prelude::wasm_bindgen;
use yew::Reducible;

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Milliseconds to build the app's state from a session file.
#[wasm_bindgen]
pub fn bench_replay(session: &str) -> f64 {
    let Ok(session) = Session::from_json(session) else { return f64::NAN };
    let start = now_ms();
    let lab = Lab::new(session);
    let took = now_ms() - start;
    if lab.error.is_some() {
        return f64::NAN;
    }
    took
}

/// The slowest of 30 successive undos at the end of a session file's log,
/// in milliseconds. The first one crosses a checkpoint, so it replays the
/// most lines an undo can.
#[wasm_bindgen]
pub fn bench_undo(session: &str) -> f64 {
    let Ok(session) = Session::from_json(session) else { return f64::NAN };
    let mut lab = Rc::new(Lab::new(session));
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
