//! Drives the console with arbitrary input (see `storage_lab::console::fuzzing`).
//! Any panic, overflow or debug assertion is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = storage_lab::console::fuzzing::drive(data);
});
