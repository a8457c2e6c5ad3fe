//! Matrix-vector kernels: `y += W·x` for f32 and int8 weights, read straight from the model
//! bytes. A portable kernel written to autovectorise, and an AVX2+FMA one chosen at run time on
//! x86_64 CPUs that have it.
//!
//! int8 is integer arithmetic: `x` is quantised per call to int8 (symmetric, one scale for the
//! vector: `s_x = max|x| / 127`), each row's dot product is accumulated exactly in `i32`, and
//! the result is scaled once by `s_row · s_x`. Both kernels compute the same integers and the
//! same final float expression, so they agree bit for bit.

mod portable;
mod quantize;
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

    /// `y += m·x`. Lengths must match the matrix (`x.len() == cols`, `y.len() == rows`) and
    /// `scratch` (where int8 matrices put the quantised `x`) must hold `x.len()` bytes; the
    /// predictor guarantees it, and a mismatch leaves `y` untouched rather than read out of bounds.
    #[inline]
    pub(crate) fn matvec_add(&self, m: &Matrix<'_>, x: &[f32], y: &mut [f32], scratch: &mut [u8]) {
        if x.len() != m.cols() || y.len() != m.rows() {
            debug_assert!(false, "matvec shape mismatch");
            return;
        }
        let (data, scales) = match m.weights() {
            Weights::F32(w) => {
                match *self {
                    Kernel::Portable => portable::matvec_f32(w, x, y),
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx2Fma(t) => t.matvec_f32(w, x, y),
                }
                return;
            }
            Weights::Int8 { data, scales } => (data, scales),
        };
        let Some(q) = scratch.get_mut(..x.len()) else {
            debug_assert!(false, "quantisation scratch too small");
            return;
        };
        let scale = match *self {
            Kernel::Portable => quantize::quantize(x, q),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.vectorized(|| quantize::quantize(x, q)),
        };
        let sx = match scale {
            quantize::Scale::Zero => return, // W·0 = 0
            quantize::Scale::NonFinite => {
                // Propagate like the f32 path would.
                y.fill(f32::NAN);
                return;
            }
            quantize::Scale::Of(s) => s,
        };
        match *self {
            Kernel::Portable => portable::matvec_q8(data, scales, q, sx, y),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.matvec_q8(data, scales, q, sx, y),
        }
    }
}
