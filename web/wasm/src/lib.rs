//! `quill.wasm`: Quill's runtime for web pages. It exports the C ABI of `runtime/include/quill.h`
//! unchanged (`quill_init`, `quill_feed_utf8`, `quill_top_k`, `quill_complete_words`, the
//! `quill_history_*` calls, …) and two calls for the page's status line. There is no allocator:
//! the page lays out the model bytes, the predictor's block and the history in the module's
//! memory itself, from `__heap_base` up, growing it with `memory.grow` (see `web/quill.js`).
//!
//! Built three times by `web/build.sh`: with relaxed SIMD, with SIMD128 (both
//! `Kernel::Simd128`), and without SIMD (the portable kernel) for engines without it.
#![no_std]

use core::ffi::c_char;

pub use runtime::capi::*;
use runtime::{Kernel, Model};

/// Copies `s` NUL-terminated into `out` (cut to fit); returns the bytes written before the NUL.
fn write_c(s: &[u8], out: *mut c_char, out_len: usize) -> usize {
    if out.is_null() || out_len == 0 {
        return 0;
    }
    let n = s.len().min(out_len - 1);
    // SAFETY: the caller promises `out_len` writable bytes at `out`; `n < out_len`.
    unsafe {
        core::ptr::copy_nonoverlapping(s.as_ptr(), out.cast::<u8>(), n);
        *out.add(n) = 0;
    }
    n
}

/// The kernel this build runs (`"wasm-simd128"` or `"portable"`), NUL-terminated into `out`.
///
/// # Safety
/// `out` points to `out_len` writable bytes (or is NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_web_kernel(out: *mut c_char, out_len: usize) -> usize {
    write_c(Kernel::detect().name().as_bytes(), out, out_len)
}

/// Checks this build's kernel against the portable one on every shape class, in this engine
/// (`Kernel::verify`): 0 when they agree (int8 bit for bit), 1 when not. The page runs it before
/// using a SIMD build, so an engine that validates an instruction but computes it differently
/// (Node 20's pre-standard relaxed SIMD does) falls back to the next build instead of
/// suggesting wrong characters.
#[unsafe(no_mangle)]
pub extern "C" fn quill_web_verify() -> i32 {
    match Kernel::detect().verify() {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// The model's weights (its parameters: about the multiply-accumulates of one step), read from
/// its structure only; 0 when the bytes are not a well-formed model. The page sizes its work
/// per key by it (`quill.js`).
///
/// # Safety
/// `model` points to `model_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_web_weights(model: *const u8, model_len: usize) -> usize {
    if model.is_null() {
        return 0;
    }
    // SAFETY: the caller promises `model_len` readable bytes at `model`.
    let bytes = unsafe { core::slice::from_raw_parts(model, model_len) };
    Model::from_verified_bytes(bytes).map_or(0, |m| m.parameter_count())
}

/// A one-line description of the model (`"gru 1x256, 85 characters, int8 weights"`),
/// NUL-terminated into `out`; 0 when the bytes are not a well-formed model. It reads the
/// structure only (`Model::from_verified_bytes`): `quill_model_error` is the check.
///
/// # Safety
/// `model` points to `model_len` readable bytes; `out` to `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_web_describe(
    model: *const u8,
    model_len: usize,
    out: *mut c_char,
    out_len: usize,
) -> usize {
    if model.is_null() {
        return 0;
    }
    // SAFETY: the caller promises `model_len` readable bytes at `model`.
    let bytes = unsafe { core::slice::from_raw_parts(model, model_len) };
    let Ok(m) = Model::from_verified_bytes(bytes) else {
        return 0;
    };
    let a = m.arch();
    let mut line = Line {
        buf: [0; 96],
        len: 0,
    };
    let _ = core::fmt::write(
        &mut line,
        format_args!(
            "{} {}x{}, {} characters, {} weights",
            a.cell.name(),
            a.layers,
            a.hidden,
            a.vocab,
            match m.weight_dtype() {
                runtime::DType::F32 => "f32",
                runtime::DType::Int8 => "int8",
            }
        ),
    );
    write_c(line.as_bytes(), out, out_len)
}

/// A fixed buffer for one formatted line.
struct Line {
    buf: [u8; 96],
    len: usize,
}

impl Line {
    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A panic is a bug (the runtime's inputs reach no panic): trap, so the page's call throws a
/// `RuntimeError` instead of hanging the tab.
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
