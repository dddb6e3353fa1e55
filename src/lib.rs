//! Storage Lab: a storage simulator for teaching block devices, partitions, LVM and
//! disk images.
//!
//! `core` is the deterministic model, `console` turns typed lines into commands
//! and tool-exact text, and `ui` draws it in the browser (natively only to pre-render the first screen). The native
//! `storage-lab` binary and the browser run the same `console::Shell`.

pub mod cli;
pub mod console;
pub mod core;
pub mod view;
#[cfg(any(target_arch = "wasm32", feature = "prerender"))]
pub mod ui;
