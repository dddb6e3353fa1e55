//! Storage Lab: a storage simulator for teaching block devices, partitions, LVM and
//! disk images.
//!
//! `core` is the deterministic model, `console` turns typed lines into commands
//! and tool-exact text, and `ui` (WebAssembly only) draws it. The native
//! `storage-lab` binary and the browser run the same `console::Shell`.

pub mod cli;
pub mod console;
pub mod core;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod ui;
