//! `libquill.a`: the runtime's C ABI as a freestanding static library. Build it with
//! `cargo build --release --manifest-path runtime/capi/Cargo.toml` (panic = abort, LTO); the header is
//! `runtime/include/quill.h`.
#![no_std]

use core::ffi::c_char;
use core::sync::atomic::{AtomicPtr, Ordering};

pub use runtime::capi::*;

/// Called on a panic, before the library traps (see `quill_set_panic_hook`).
pub type QuillPanicHook = unsafe extern "C" fn(message: *const c_char);

/// The hook as a plain pointer: atomics load and store it on every target, the Cortex-M0's
/// included (no compare-and-swap needed).
static PANIC_HOOK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Sets (or, with NULL, clears) the function called if the library ever panics, with a
/// NUL-terminated message, before it traps. A firmware can log the message, save state or
/// reset; if the hook returns, the library still traps.
#[unsafe(no_mangle)]
pub extern "C" fn quill_set_panic_hook(hook: Option<QuillPanicHook>) {
    let raw = hook.map_or(core::ptr::null_mut(), |f| f as *mut ());
    PANIC_HOOK.store(raw, Ordering::Release);
}

/// A test-only entry that panics, for the test that the handler calls the hook and traps
/// (`tests/tests/c_abi.rs`; feature `panic-test`, never in a release library).
#[cfg(feature = "panic-test")]
#[unsafe(no_mangle)]
pub extern "C" fn quill_test_panic() {
    panic!("quill_test_panic");
}

/// The runtime has no reachable panics (clippy denies the constructs that panic), so reaching
/// this is a bug: tell the caller's hook, then trap — an undefined instruction the CPU faults
/// on (HardFault on a Cortex-M, SIGILL on Linux and Android) rather than a silent hang.
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo<'_>) -> ! {
    let hook = PANIC_HOOK.load(Ordering::Acquire);
    if !hook.is_null() {
        // SAFETY: only `quill_set_panic_hook` stores here, and only a `QuillPanicHook`.
        let f = unsafe { core::mem::transmute::<*mut (), QuillPanicHook>(hook) };
        // SAFETY: the message is a static NUL-terminated string.
        unsafe { f(c"quill: internal error (a bug in Quill; please report it)".as_ptr()) };
    }
    trap()
}

/// An undefined instruction: the one way to stop that every target turns into a fault.
fn trap() -> ! {
    // SAFETY: each of these only raises the CPU's undefined-instruction exception.
    #[cfg(any(target_arch = "arm", target_arch = "aarch64"))]
    unsafe {
        core::arch::asm!("udf #0", options(noreturn, nomem, nostack))
    }
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    unsafe {
        core::arch::asm!("ud2", options(noreturn, nomem, nostack))
    }
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[allow(unreachable_code)]
    loop {
        core::hint::spin_loop();
    }
}
