//! Keeps freed memory in the process on glibc. A training step allocates and frees the same
//! large buffers every batch (saved gates, activations, gradients: megabytes each); glibc
//! hands such blocks back to the kernel on free, so the next batch takes a page fault and a
//! zeroed page for every 4 KB of them again. On the 2-core dev machine that was a third of a
//! GRU-256 training step (`train bench`: 42 k → 61 k chars/s with this).

/// Called once at start-up, before any threads allocate.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // Blocks up to 32 MB (glibc's largest mmap threshold) come from the heap, which is never
    // trimmed below 2 GB and grows in 64 MB steps. Setting these turns off glibc's dynamic
    // threshold, which is why all three are set together.
    const MMAP_THRESHOLD: libc::c_int = 32 << 20;
    const TRIM_THRESHOLD: libc::c_int = libc::c_int::MAX;
    const TOP_PAD: libc::c_int = 64 << 20;
    // SAFETY: mallopt only changes malloc's tuning parameters; it is called before the
    // trainer starts any thread, and any value is valid (an unsupported one is ignored).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD);
    }
}

/// Other allocators keep freed memory already, or cannot be tuned this way.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
