//! The scalar nonlinearities of the cell equations, in `core` alone (no libm calls on the hot
//! path) and branch-free so the gate loops vectorise.
//!
//! `exp` follows Cephes' `expf`: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a polynomial, 2^n put
//! straight into the exponent bits; the polynomial is degree 5 (Cephes uses 7), enough for f32,
//! and split in halves that run in parallel. Relative error ≤ 3e-7 on [-87, 88] (the tests
//! below measure it against f64). `tanh` and `sigmoid` are built on it; their absolute errors are
//! ≤ 3e-7, far inside the 1e-5 the golden tests demand of whole steps. Public so that the trainer's fused
//! CPU layer computes exactly these functions.

// Shared with the AVX2 kernels (`kernels/x86.rs`), which evaluate the same formulas 8 wide.
pub(crate) const LOG2E: f32 = core::f32::consts::LOG2_E;
// ln 2 split so that n·LN2_HI is exact for the n that occur.
pub(crate) const LN2_HI: f32 = 0.693_359_4;
pub(crate) const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits.
pub(crate) const ROUND: f32 = 12_582_912.0;
/// e^x is evaluated on this range; beyond it e^x leaves f32's normal range.
pub(crate) const EXP_MIN: f32 = -87.0;
pub(crate) const EXP_MAX: f32 = 88.0;
/// e^r ≈ 1 + r + r²·(P0 + P1·r + r²·(P2 + P3·r)) on |r| ≤ ln2/2: fitted for relative error
/// (1.1e-7 before rounding).
pub(crate) const P0: f32 = 0.499_992_3;
pub(crate) const P1: f32 = 0.166_671_15;
pub(crate) const P2: f32 = 0.041_890_12;
pub(crate) const P3: f32 = 0.008_312_502;

/// e^x, relative error ≤ 3e-7 on [-87, 88]; clamped outside it.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // Beyond these e^x is out of f32's normal range; NaN passes through unchanged. Written as
    // comparisons, not `clamp`: on ARMv7 `f32::max`/`min` are calls to `fmaxf`/`fminf`.
    #[allow(clippy::manual_clamp)]
    let x = if x < EXP_MIN {
        EXP_MIN
    } else if x > EXP_MAX {
        EXP_MAX
    } else {
        x
    };
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    // t's bits are 0x4B40_0000 + n for |n| < 2^22.
    let ni = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = x - n * LN2_HI - n * LN2_LO;
    // Evaluated in two halves (Estrin) so the dependency chain stays short.
    let r2 = r * r;
    let p = (P0 + P1 * r) + r2 * (P2 + P3 * r);
    let er = (1.0 + r) + r2 * p;
    let scale = f32::from_bits((ni.wrapping_add(127) as u32).wrapping_shl(23));
    er * scale
}

/// 1 / (1 + e^-x), absolute error ≤ 3e-7.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh x, absolute error ≤ 3e-7.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// max(x, 0).
#[inline(always)]
#[cfg_attr(not(feature = "rnn"), allow(dead_code))]
pub fn relu(x: f32) -> f32 {
    // A comparison rather than `f32::max` (a call to `fmaxf` on ARMv7); NaN gives 0 as `max`
    // does.
    if x > 0.0 { x } else { 0.0 }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// Every 1/1000 over the range the cells see, plus the extremes.
    fn grid() -> impl Iterator<Item = f32> {
        (-20_000..=20_000)
            .map(|i| i as f32 * 1e-3)
            .chain([-90.0, -87.5, 0.0, 88.5, 1e6, -1e6])
    }

    #[test]
    fn exp_relative_error_is_below_3e_7() {
        let mut worst = 0f64;
        for i in -86_990..=87_990 {
            let x = i as f32 * 1e-3;
            let want = f64::from(x).exp();
            worst = worst.max(((f64::from(exp(x)) - want) / want).abs());
        }
        assert!(worst <= 3e-7, "exp max relative error {worst:e}");
    }

    #[test]
    fn tanh_and_sigmoid_absolute_error_is_below_3e_7() {
        let (mut wt, mut ws) = (0f64, 0f64);
        for x in grid() {
            let xd = f64::from(x);
            wt = wt.max((f64::from(tanh(x)) - xd.tanh()).abs());
            ws = ws.max((f64::from(sigmoid(x)) - 1.0 / (1.0 + (-xd).exp())).abs());
        }
        assert!(wt <= 3e-7, "tanh max abs error {wt:e}");
        assert!(ws <= 3e-7, "sigmoid max abs error {ws:e}");
    }

    #[test]
    fn saturates_and_propagates_nan() {
        assert_eq!(tanh(1e30), 1.0);
        assert_eq!(tanh(-1e30), -1.0);
        assert!(sigmoid(-1e30) < 1e-37);
        assert_eq!(sigmoid(1e30), 1.0);
        assert!(exp(f32::NAN).is_nan() && tanh(f32::NAN).is_nan());
        assert!(exp(-1e30) >= 0.0 && exp(1e30).is_finite());
    }
}
