//! `libquill.a`: the runtime's C ABI as a freestanding static library. Build it with
//! `cargo build --release --manifest-path runtime/capi/Cargo.toml` (panic = abort, LTO); the header is
//! `runtime/include/quill.h`.
#![no_std]

pub use runtime::capi::*;

/// The runtime has no reachable panics (clippy denies the constructs that panic); if one ever
/// happened, halting is all a freestanding library can do.
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
