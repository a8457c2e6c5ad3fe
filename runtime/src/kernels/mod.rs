//! Matrix-vector kernels: `y += W·x` for f32 and int8 weights, read straight from the model
//! bytes, and the element-wise σ and tanh of the gates. A portable kernel written to
//! autovectorise; an AVX2+FMA one chosen at run time on x86_64 CPUs that have it; chosen at
//! compile time: on Cortex-M4/M7 (`thumbv7em`) the DSP extension's kernel, on aarch64 NEON, on
//! wasm32 built with `simd128` the SIMD128 one.
//!
//! σ and tanh are `math`'s formulas in both; the AVX2 ones fuse multiply-adds (a third fewer
//! instructions, which the portable code cannot do without an FMA unit), so they differ from
//! the portable ones by rounding (≤ 2e-7, tested) and whole steps agree to that order, not bit
//! for bit.
//!
//! int8 is integer arithmetic: `x` is quantised per call to 7 bits (symmetric, one scale for
//! the vector: `s_x = max|x| / 63`, see `quantize`), each row's dot product is accumulated
//! exactly in `i32`, and the result is scaled once by `s_row · s_x`. Both kernels compute the
//! same integers and the same final float expression, so their products agree bit for bit.

#[cfg(quill_arm_dsp)]
mod arm_dsp;
#[cfg(target_arch = "aarch64")]
mod neon;
mod plan;
mod portable;
mod quantize;
mod verify;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_simd;
#[cfg(target_arch = "x86_64")]
mod x86;

use format::{Matrix, Weights};

pub(crate) use plan::{Input, Plan};
pub use verify::Mismatch;

use crate::math;

/// Which implementation runs the matrix-vector products. The variants depend on the target
/// (and grow with new kernels): match with a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kernel {
    /// Plain Rust; runs everywhere.
    Portable,
    /// AVX2 + FMA, 4 rows per pass (x86_64 only; only constructed after detection).
    #[cfg(target_arch = "x86_64")]
    Avx2Fma(x86::Avx2Token),
    /// Cortex-M4/M7: int8 through `SXTB16` + `SMLAD` (two multiply-accumulates per
    /// instruction), f32 four rows per pass on the FPU (thumbv7em only; every such core has it).
    #[cfg(quill_arm_dsp)]
    CortexMDsp,
    /// aarch64 NEON: int8 through `SMULL`/`SMLAL2`/`SADALP`, f32 through `FMLA`, four rows
    /// per pass.
    #[cfg(target_arch = "aarch64")]
    Neon,
    /// aarch64 NEON with the dot-product extension (ARMv8.2+): int8 through `SDOT`. Chosen by
    /// [`detect`](Self::detect) when the build targets it (`-C target-feature=+dotprod`),
    /// otherwise by the caller's assertion: [`neon_dotprod`](Self::neon_dotprod).
    #[cfg(target_arch = "aarch64")]
    NeonDot(DotProdToken),
    /// WebAssembly SIMD128, four rows per pass (wasm32 built with
    /// `-C target-feature=+simd128`; int8 through the relaxed `i8 × i7` dot product where the
    /// build also has `+relaxed-simd`); int8 and f32 products bit-identical to the portable ones.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

/// Proof that the CPU has the dot-product extension (see [`Kernel::neon_dotprod`]).
#[cfg(target_arch = "aarch64")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DotProdToken(());

#[cfg(target_arch = "aarch64")]
impl Kernel {
    /// The `SDOT` kernel, for a CPU the caller knows has the dot-product extension.
    /// `no_std` cannot ask the CPU; on Android or Linux, `getauxval(AT_HWCAP) & HWCAP_ASIMDDP`
    /// (bit 20) says so, on iOS every A11 and later has it; with std,
    /// `std::arch::is_aarch64_feature_detected!("dotprod")`.
    ///
    /// # Safety
    /// The CPU must implement FEAT_DotProd: otherwise the first int8 product raises an
    /// undefined-instruction exception.
    pub unsafe fn neon_dotprod() -> Kernel {
        Kernel::NeonDot(DotProdToken(()))
    }
}

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(t) = x86::Avx2Token::detect() {
            return Kernel::Avx2Fma(t);
        }
        #[cfg(quill_arm_dsp)]
        return Kernel::CortexMDsp;
        #[cfg(all(target_arch = "aarch64", target_feature = "dotprod"))]
        return Kernel::NeonDot(DotProdToken(()));
        #[cfg(all(target_arch = "aarch64", not(target_feature = "dotprod")))]
        return Kernel::Neon;
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return Kernel::Simd128;
        #[allow(unreachable_code)]
        Kernel::Portable
    }

    /// A short name for reports ("portable", "avx2+fma").
    pub const fn name(&self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(_) => "avx2+fma",
            #[cfg(quill_arm_dsp)]
            Kernel::CortexMDsp => "cortex-m-dsp",
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => "neon",
            #[cfg(target_arch = "aarch64")]
            Kernel::NeonDot(_) => "neon+dotprod",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 if cfg!(target_feature = "relaxed-simd") => "wasm-relaxed-simd",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => "wasm-simd128",
        }
    }

    /// `y += m·x`. Lengths must match the matrix (`x.len() == cols`, `y.len() == rows`),
    /// `scratch` (where int8 matrices put the quantised `x`) must hold `x.len()` bytes, and
    /// `sums` must be `m`'s [`row_sums`](Self::row_sums) (empty for f32, or where
    /// [`NEEDS_ROW_SUMS`](Self::NEEDS_ROW_SUMS) is false). They are proven before any step
    /// runs: a `Model` exists only with its architecture's tensor shapes (format checks them at
    /// load), and the predictor cuts its buffer by the layout of that same architecture when it
    /// is made. The check below is the SIMD kernels' memory-safety guard, not a second
    /// shape check: it cannot fail behind that proof (debug builds assert so).
    #[inline]
    pub(crate) fn matvec_add(
        &self,
        m: &Matrix<'_>,
        sums: &[i32],
        x: &[f32],
        y: &mut [f32],
        scratch: &mut [u8],
    ) {
        if x.len() != m.cols() || y.len() != m.rows() {
            debug_assert!(false, "matvec shape mismatch");
            return;
        }
        let (data, scales) = match m.weights() {
            Weights::F32(w) => {
                // Without `f32-weights` no predictor is made for such a model (`built`).
                #[cfg(feature = "f32-weights")]
                self.f32_product(w, x, y);
                let _ = w;
                return;
            }
            Weights::Int8 { data, scales } => (data, scales),
        };
        // The quantised bytes, then (Cortex-M DSP) room for them as 16-bit pairs, word-aligned.
        let (q, pairs) = scratch.split_at_mut(x.len().min(scratch.len()));
        if q.len() != x.len() {
            debug_assert!(false, "quantisation scratch too small");
            return;
        }
        let pairs = pairs
            .get_mut(x.len().wrapping_neg() & 3..)
            .unwrap_or_default();
        let scale = match *self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.vectorized(|| quantize::quantize(x, q)),
            _ => quantize::quantize(x, q),
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
        self.q8_product(data, scales, sums, q, pairs, sx, y);
    }

    /// `y += W·x` over f32 weights `w` (row-major bytes; shapes already checked). Linked only
    /// with the runtime's `f32-weights` feature.
    #[inline]
    #[cfg_attr(not(feature = "f32-weights"), allow(dead_code))]
    fn f32_product(&self, w: &[u8], x: &[f32], y: &mut [f32]) {
        match *self {
            Kernel::Portable => portable::matvec_f32(w, x, y),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.matvec_f32(w, x, y),
            #[cfg(all(quill_arm_dsp, target_abi = "eabihf"))]
            Kernel::CortexMDsp => arm_dsp::matvec_f32(w, x, y),
            #[cfg(all(quill_arm_dsp, not(target_abi = "eabihf")))]
            Kernel::CortexMDsp => portable::matvec_f32(w, x, y),
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon | Kernel::NeonDot(_) => neon::matvec_f32(w, x, y),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => wasm_simd::matvec_f32(w, x, y),
        }
    }

    /// `y += (W·(q − 64)) · scale_row · sx` over int8 weights and quantised activations `q`;
    /// `pairs` is scratch for kernels that re-lay `q` (2 bytes per activation, word-aligned).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn q8_product(
        &self,
        data: &[u8],
        scales: &[u8],
        sums: &[i32],
        q: &[u8],
        pairs: &mut [u8],
        sx: f32,
        y: &mut [f32],
    ) {
        match *self {
            Kernel::Portable => portable::matvec_q8(data, scales, q, sx, y),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => {
                debug_assert_eq!(sums.len(), y.len(), "row sums missing");
                t.matvec_q8(data, scales, sums, q, sx, y)
            }
            #[cfg(quill_arm_dsp)]
            Kernel::CortexMDsp => arm_dsp::matvec_q8(data, scales, q, pairs, sx, y),
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => neon::matvec_q8::<neon::Baseline>(data, scales, q, pairs, sx, y),
            #[cfg(target_arch = "aarch64")]
            Kernel::NeonDot(_) => neon::matvec_q8::<neon::DotProd>(data, scales, q, pairs, sx, y),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => wasm_simd::matvec_q8(data, scales, sums, q, sx, y),
        }
        let _ = (sums, pairs); // only some kernels read them
    }

    /// `v ← σ(v)`, element-wise.
    #[inline]
    pub(crate) fn sigmoid(&self, v: &mut [f32]) {
        match *self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.sigmoid(v),
            _ => v.iter_mut().for_each(|x| *x = math::sigmoid(*x)),
        }
    }

    /// `v ← tanh(v)`, element-wise.
    #[inline]
    pub(crate) fn tanh(&self, v: &mut [f32]) {
        match *self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.tanh(v),
            _ => v.iter_mut().for_each(|x| *x = math::tanh(*x)),
        }
    }

    /// Whether int8 products on this target take each weight row's sum (x86's unsigned-by-signed
    /// `maddubs` and wasm's relaxed `i8 × i7` dot product work on the offset activations and
    /// subtract `64 · Σ row`).
    pub(crate) const NEEDS_ROW_SUMS: bool = cfg!(quill_row_sums);

    /// Writes the sum of each row of `m` into `out` (one `i32` per row) if it is int8;
    /// f32 matrices need none and leave `out` as it is.
    pub(crate) fn row_sums(&self, m: &Matrix<'_>, out: &mut [i32]) {
        #[cfg(quill_row_sums)]
        if let Weights::Int8 { data, .. } = m.weights() {
            match *self {
                // 8 wide: at load this pass reads every int8 weight once.
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx2Fma(t) => t.vectorized(|| portable::row_sums(data, m.cols(), out)),
                _ => portable::row_sums(data, m.cols(), out),
            }
        }
        let _ = (m, out);
    }
}

/// Deterministic test data for the SIMD kernels' tests, without a dev-dependency.
#[cfg(all(
    test,
    any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )
))]
mod test_data {
    /// A 64-bit LCG's high bits.
    pub(super) fn lcg(seed: u64) -> impl FnMut() -> u32 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 33) as u32
        }
    }
}

/// SIMD against scalar: the int8 products bit for bit on every shape class (eight-row blocks,
/// four- and one-row tails, whole and partial 32-column blocks, fewer than 32 columns), σ and
/// tanh within 2e-7 of the scalar formulas.
#[cfg(all(test, target_arch = "x86_64"))]
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]
mod simd_agrees_with_scalar {
    extern crate std;
    use std::vec::Vec;

    use super::test_data::lcg;
    use super::*;

    /// The AVX2 kernel, or `None` after saying so on stderr, past the test harness's capture
    /// (a skipped comparison must be seen); with `QUILL_REQUIRE_SIMD` set (CI) it fails.
    fn avx2() -> Option<x86::Avx2Token> {
        match Kernel::detect() {
            Kernel::Avx2Fma(t) => Some(t),
            Kernel::Portable => {
                let msg = "SKIPPED: no AVX2 + FMA on this CPU, so the SIMD kernel is not compared \
                           with the portable one (QUILL_REQUIRE_SIMD=1 makes this a failure)\n";
                assert!(std::env::var_os("QUILL_REQUIRE_SIMD").is_none(), "{msg}");
                let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
                None
            }
        }
    }

    #[test]
    fn int8_products_are_bit_identical() {
        let Some(t) = avx2() else { return };
        let mut next = lcg(7);
        for rows in [1usize, 3, 4, 5, 8, 13, 85, 96] {
            for cols in [1usize, 5, 20, 31, 32, 33, 42, 64, 67, 100, 256] {
                // Weights over the whole range the format allows (−127..=127).
                let w: Vec<u8> = (0..rows * cols)
                    .map(|_| ((next() % 255) as i32 - 127) as i8 as u8)
                    .collect();
                let scales: Vec<u8> = (0..rows)
                    .flat_map(|_| (1e-3 + (next() % 1000) as f32 * 1e-5).to_le_bytes())
                    .collect();
                let mut sums = std::vec![0i32; rows];
                portable::row_sums(&w, cols, &mut sums);
                let x: Vec<f32> = (0..cols)
                    .map(|_| (next() % 20_001) as f32 * 1e-4 - 1.0)
                    .collect();
                let mut q = std::vec![0u8; cols];
                let quantize::Scale::Of(sx) = quantize::quantize(&x, &mut q) else {
                    panic!("random x has a scale")
                };
                let y0: Vec<f32> = (0..rows).map(|i| i as f32 * 0.25).collect();
                let (mut a, mut b) = (y0.clone(), y0);
                portable::matvec_q8(&w, &scales, &q, sx, &mut a);
                t.matvec_q8(&w, &scales, &sums, &q, sx, &mut b);
                for (i, (p, s)) in a.iter().zip(&b).enumerate() {
                    assert_eq!(
                        p.to_bits(),
                        s.to_bits(),
                        "{rows}x{cols} row {i}: {p} vs {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn sigmoid_and_tanh_match_the_scalar_formulas() {
        let Some(t) = avx2() else { return };
        // Every 1/1000 on ±20, the clamp edges, and 8k + 3 long so the scalar tail runs too.
        let grid: Vec<f32> = (-20_000..=20_000)
            .map(|i| i as f32 * 1e-3)
            .chain([-1e6, -90.0, -87.5, -44.0, 44.0, 88.5, 1e6])
            .collect();
        let (simd, scalar) = (Kernel::Avx2Fma(t), Kernel::Portable);
        for name in ["sigmoid", "tanh"] {
            let (mut a, mut b) = (grid.clone(), grid.clone());
            let apply = |k: Kernel, v: &mut [f32]| {
                if name == "sigmoid" {
                    k.sigmoid(v)
                } else {
                    k.tanh(v)
                }
            };
            apply(simd, &mut a);
            apply(scalar, &mut b);
            let worst = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0f32, f32::max);
            assert!(worst <= 2e-7, "{name}: SIMD and scalar differ by {worst:e}");
            let mut nan = [0.5f32, f32::NAN, -0.5, 0.0, 1.0, 2.0, 3.0, 4.0, f32::NAN];
            apply(simd, &mut nan);
            assert!(
                nan[1].is_nan() && nan[8].is_nan(),
                "{name}: NaN must propagate"
            );
        }
    }
}
