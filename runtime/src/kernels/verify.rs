//! [`Kernel::verify`]: a kernel against the portable reference, on the device itself.
//!
//! The SIMD kernels (AVX2, Cortex-M DSP, NEON) are tested against the portable one in CI; this
//! runs the same comparison wherever the runtime is — a firmware can call it once at start-up
//! or in its factory test (a miscompiled or mis-selected kernel shows up here, not as subtly
//! wrong suggestions). No allocation: about 4 KB of stack.

use core::fmt;

use super::{Kernel, portable, quantize};

/// The first product where a kernel disagreed with the portable reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Rows of the product.
    pub rows: usize,
    /// Columns of the product.
    pub cols: usize,
    /// Whether it was the int8 product (else f32).
    pub int8: bool,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} kernel's {} product of {}x{} differs from the portable kernel's; use Kernel::Portable and report this target",
            Kernel::detect().name(),
            if self.int8 { "int8" } else { "f32" },
            self.rows,
            self.cols
        )
    }
}

/// Rows and columns covering every path: row blocks of 8 and 4 with single-row tails, column
/// blocks of 4, 16 and 32 with their tails, and shorter rows than any block.
const ROWS: [usize; 9] = [1, 2, 3, 4, 5, 7, 8, 9, 13];
const COLS: [usize; 16] = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 42, 64, 67];
const MAX_ROWS: usize = 13;
const MAX_COLS: usize = 67;

/// Deterministic data without a dependency: a 64-bit LCG's high bits.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

impl Kernel {
    /// Checks this kernel's int8 products bit for bit, and its f32 products to rounding,
    /// against the portable kernel's on every shape class it has a path for.
    pub fn verify(&self) -> Result<(), Mismatch> {
        let mut rng = Lcg(0x5EED);
        let mut w = [0u8; MAX_ROWS * MAX_COLS * 4];
        let mut scales = [0u8; MAX_ROWS * 4];
        let mut sums = [0i32; MAX_ROWS];
        let mut x = [0f32; MAX_COLS];
        let mut q = [0u8; MAX_COLS];
        let mut pairs = [0u32; MAX_COLS.div_ceil(2) + 2];
        for rows in ROWS {
            for cols in COLS {
                let mismatch = |int8| Mismatch { rows, cols, int8 };
                let (Some(x), Some(q)) = (x.get_mut(..cols), q.get_mut(..cols)) else {
                    continue;
                };
                x.iter_mut().for_each(|v| *v = rng.unit());
                let Some(sums) = sums.get_mut(..rows) else {
                    continue;
                };
                let start = |i: usize| i as f32 * 0.25;
                let mut a = [0f32; MAX_ROWS];
                let mut b = [0f32; MAX_ROWS];
                let (Some(a), Some(b)) = (a.get_mut(..rows), b.get_mut(..rows)) else {
                    continue;
                };

                // int8: weights over the format's whole range, positive scales.
                let n = rows.saturating_mul(cols);
                let Some(w8) = w.get_mut(..n) else { continue };
                // −127..=127, stored as the format stores them (two's complement bytes).
                w8.iter_mut()
                    .for_each(|v| *v = ((rng.next() % 255) as i32).wrapping_sub(127) as i8 as u8);
                let Some(sc) = scales.get_mut(..rows.saturating_mul(4)) else {
                    continue;
                };
                for s in sc.chunks_exact_mut(4) {
                    s.copy_from_slice(&(1e-3 + rng.unit().abs() * 1e-2).to_le_bytes());
                }
                let quantize::Scale::Of(sx) = quantize::quantize(x, q) else {
                    continue;
                };
                self.row_sums_of(w8, cols, sums);
                for (i, (p, s)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
                    (*p, *s) = (start(i), start(i));
                }
                portable::matvec_q8(w8, sc, q, sx, a);
                let pairs: &mut [u8] = bytemuck::cast_slice_mut(&mut pairs[..]);
                self.q8_product(w8, sc, sums, q, pairs, sx, b);
                if a.iter()
                    .zip(b.iter())
                    .any(|(p, s)| p.to_bits() != s.to_bits())
                {
                    return Err(mismatch(true));
                }

                // f32: the same rows in f32, compared to rounding (where the build has f32).
                #[cfg(feature = "f32-weights")]
                {
                    let Some(wf) = w.get_mut(..n.saturating_mul(4)) else {
                        continue;
                    };
                    for c in wf.chunks_exact_mut(4) {
                        c.copy_from_slice(&rng.unit().to_le_bytes());
                    }
                    for (i, (p, s)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
                        (*p, *s) = (start(i), start(i));
                    }
                    portable::matvec_f32(wf, x, a);
                    self.f32_product(wf, x, b);
                    // Each sum has at most 67 terms of magnitude ≤ 1: rounding stays below 1e-5.
                    if a.iter()
                        .zip(b.iter())
                        .any(|(p, s)| (p - s).abs().is_nan() || (p - s).abs() > 1e-5)
                    {
                        return Err(mismatch(false));
                    }
                }
            }
        }
        Ok(())
    }

    /// Row sums for kernels that take them (`quill_row_sums`); nothing elsewhere.
    fn row_sums_of(&self, w: &[u8], cols: usize, out: &mut [i32]) {
        #[cfg(quill_row_sums)]
        super::portable::row_sums(w, cols, out);
        let _ = (w, cols, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detected_kernel_and_the_portable_one_verify() {
        assert_eq!(Kernel::Portable.verify(), Ok(()));
        assert_eq!(
            Kernel::detect().verify(),
            Ok(()),
            "{}",
            Kernel::detect().name()
        );
    }
}

#[cfg(all(test, target_arch = "aarch64"))]
mod dotprod {
    extern crate std;
    use super::*;

    #[test]
    fn the_dot_product_kernel_verifies_where_the_cpu_has_it() {
        if std::arch::is_aarch64_feature_detected!("dotprod") {
            // SAFETY: the CPU says it has the extension.
            let k = unsafe { Kernel::neon_dotprod() };
            assert_eq!(k.verify(), Ok(()));
        } else {
            std::eprintln!("no dot-product extension on this CPU; nothing to check");
        }
    }
}
