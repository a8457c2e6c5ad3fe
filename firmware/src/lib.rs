//! Quill on a keyboard MCU. The firmware's parts that do not depend on the board:
//!
//! - [`model`]: the model, embedded in flash by `build.rs` and read in place (64-byte aligned),
//!   and its architecture as constants;
//! - [`memory`]: every buffer the keyboard needs, `static`s sized at compile time by the
//!   runtime's `const fn`s;
//! - [`keyboard`]: the scripted typing session (letters, Backspace through `History`, a word
//!   completion accepted with Tab), printed line by line;
//! - [`bench`]: the measuring routine behind the per-target table (`scripts/measure-targets.sh`);
//! - [`keys`]: the per-key measurement (a text typed through the session, a marker per key);
//! - [`mcu`] (bare metal only): semihosting output and arguments, exit codes, stack painting.
//!
//! The same code runs on the host (`cargo run --bin keyboard`), which is how CI proves the
//! device prints exactly what the host prints.
#![no_std]

pub mod bench;
pub mod keyboard;
pub mod keys;
pub mod memory;
pub mod model;
pub mod percent;

#[cfg(target_os = "none")]
pub mod mcu;
