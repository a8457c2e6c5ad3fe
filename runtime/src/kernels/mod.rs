//! Matrix-vector kernels: `y += W·x` for f32 and int8 (dequantised on the fly) weights, read
//! straight from the model bytes. A portable kernel written to autovectorise, and an AVX2+FMA
//! one chosen at run time on x86_64 CPUs that have it.

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

use format::{Matrix, Weights};

/// Which implementation runs the matrix-vector products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust; runs everywhere.
    Portable,
    /// AVX2 + FMA, 4 rows per pass (x86_64 only; only constructed after detection).
    #[cfg(target_arch = "x86_64")]
    Avx2Fma(x86::Avx2Token),
}

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(t) = x86::Avx2Token::detect() {
            return Kernel::Avx2Fma(t);
        }
        Kernel::Portable
    }

    /// A short name for reports ("portable", "avx2+fma").
    pub const fn name(&self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(_) => "avx2+fma",
        }
    }

    /// `y += m·x`. Lengths must match the matrix (`x.len() == cols`, `y.len() == rows`); the
    /// predictor guarantees it, and a mismatch leaves `y` untouched rather than read out of bounds.
    #[inline]
    pub(crate) fn matvec_add(&self, m: &Matrix<'_>, x: &[f32], y: &mut [f32]) {
        if x.len() != m.cols() || y.len() != m.rows() {
            debug_assert!(false, "matvec shape mismatch");
            return;
        }
        match (*self, m.weights()) {
            (Kernel::Portable, Weights::F32(w)) => portable::matvec_f32(w, x, y),
            (Kernel::Portable, Weights::Int8 { data, scales }) => {
                portable::matvec_i8(data, scales, x, y)
            }
            #[cfg(target_arch = "x86_64")]
            (Kernel::Avx2Fma(t), Weights::F32(w)) => t.matvec_f32(w, x, y),
            #[cfg(target_arch = "x86_64")]
            (Kernel::Avx2Fma(t), Weights::Int8 { data, scales }) => t.matvec_i8(data, scales, x, y),
        }
    }
}
