//! A 64-byte aligned copy of model bytes (feature `alloc`). Tensor data sits at multiples of 64
//! from the file start, so a file read into this buffer gives the kernels aligned weights;
//! `Vec<u8>` from `std::fs::read` only guarantees 1.

use alloc::vec::Vec;

/// Model bytes whose first byte is 64-byte aligned.
pub struct AlignedBytes {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl AlignedBytes {
    /// Copies `bytes` into a buffer that starts on a 64-byte boundary.
    pub fn new(bytes: &[u8]) -> Self {
        let mut buf = alloc::vec![0u8; bytes.len().saturating_add(64)];
        let start = buf.as_ptr().align_offset(64).min(64);
        if let Some(dst) = buf.get_mut(start..start.saturating_add(bytes.len())) {
            dst.copy_from_slice(bytes);
        }
        AlignedBytes {
            buf,
            start,
            len: bytes.len(),
        }
    }

    /// The copied bytes, 64-byte aligned.
    pub fn as_slice(&self) -> &[u8] {
        self.buf
            .get(self.start..self.start.saturating_add(self.len))
            .unwrap_or_default()
    }
}

impl core::ops::Deref for AlignedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}
