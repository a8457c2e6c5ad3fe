//! The scalar nonlinearities of the cell equations, in `core` alone (no libm calls on the hot
//! path) and branch-free so the gate loops vectorise.
//!
//! `exp` is Cephes' `expf`: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2^n
//! put straight into the exponent bits. Relative error ≤ 2e-7 on [-87, 88] (the tests below
//! measure it against f64). `tanh` and `sigmoid` are built on it; their absolute errors are
//! ≤ 3e-7, far inside the 1e-5 the golden tests demand of whole steps. Public so that the trainer's fused
//! CPU layer computes exactly these functions.

const LOG2E: f32 = core::f32::consts::LOG2_E;
// ln 2 split so that n·LN2_HI is exact for the n that occur.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;

/// e^x, relative error ≤ 2e-7 on [-87, 88]; clamped outside it.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // Beyond these e^x is out of f32's normal range; NaN passes through clamp unchanged.
    let x = x.clamp(-87.0, 88.0);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    // t's bits are 0x4B40_0000 + n for |n| < 2^22.
    let ni = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_2e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5.000_000_1e-1_f64 as f32;
    let er = p * r * r + r + 1.0;
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
pub fn relu(x: f32) -> f32 {
    x.max(0.0)
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
    fn exp_relative_error_is_below_2e_7() {
        let mut worst = 0f64;
        for i in -86_990..=87_990 {
            let x = i as f32 * 1e-3;
            let want = f64::from(x).exp();
            worst = worst.max(((f64::from(exp(x)) - want) / want).abs());
        }
        assert!(worst <= 2e-7, "exp max relative error {worst:e}");
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
