//! Printing that survives a closed standard output (`train … | head -n 3`): `println!` panics
//! on a broken pipe, which would kill a training run in the middle. Once the reader is gone,
//! further output is dropped; the caller decides whether to go on (the trainer keeps training
//! and saving) or stop (the keyboard replay has nobody left to show its panels to).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to standard output; returns false when the output is closed (now or
/// earlier), in which case nothing is written. Other write errors (a full disk behind a
/// redirect) also close it: the line cannot be shown either way.
pub fn line(args: std::fmt::Arguments<'_>) -> bool {
    if CLOSED.load(Ordering::Relaxed) {
        return false;
    }
    let mut out = std::io::stdout().lock();
    let ok = out
        .write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .is_ok();
    if !ok {
        CLOSED.store(true, Ordering::Relaxed);
    }
    ok
}

/// Whether standard output was found closed.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// `println!` that never panics: see [`line`]. Evaluates to whether the line was written.
#[macro_export]
macro_rules! say {
    () => {
        $crate::stdout::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::stdout::line(format_args!($($arg)*))
    };
}
