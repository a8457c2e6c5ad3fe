//! Quantisation of activations for the int8 kernels: symmetric, one scale per vector, computed
//! afresh for every product (the vectors are a few hundred values; their range changes from
//! step to step).
//!
//! Seven bits: `q = round(x / s)` within ±63, `s = max|x| / 63`, stored offset as the unsigned
//! byte `q + 64` (1..=127). x86's `maddubs` multiplies an unsigned byte by a signed one, so the
//! weights go in as they are and the kernel subtracts `64 · Σ row` once per row; with signed
//! 8-bit activations it would need a `sign` per 32 weights (a third more work per weight), and
//! with 8 unsigned bits the pair sums `2 · 255 · 127` would overflow `maddubs`'s `i16`. The cost
//! of the lost bit is measured in the README (validation nats/char, f32 against int8).

/// The scale of a quantised vector.
pub(super) enum Scale {
    /// Every element is 0: the product is 0.
    Zero,
    /// An element is infinite or NaN.
    NonFinite,
    /// `x ≈ s · q`.
    Of(f32),
}

/// Largest |q|.
pub(crate) const LEVELS: f32 = 63.0;
/// Added to `q` to make it unsigned: the stored byte is `q + ZERO`.
pub(crate) const ZERO: i32 = 64;

/// 1.5 · 2^23 + [`ZERO`]: adding it to an |v| < 2^22 leaves `round(v) + ZERO` (ties to even) in
/// the low mantissa bits, as `0x4B40_0000 + ZERO + round(v)`, without `round`, which `core`
/// lacks. Exact: floats near 1.5 · 2^23 are whole numbers.
const ROUND_OFFSET: f32 = 12_582_912.0 + ZERO as f32;

/// Writes `round(x / s) + 64` (1..=127) with `s = max|x| / 63`.
///
/// Written so that both passes vectorise: eight running maxima (a NaN never wins a `>`), a NaN
/// detector (`v · 0` is NaN exactly when `v` is NaN or ±∞), and the rounding done by the
/// `ROUND` trick read from the float's bits rather than a saturating `as` conversion.
#[inline(always)]
pub(super) fn quantize(x: &[f32], q: &mut [u8]) -> Scale {
    let mut max = [0f32; 8];
    let mut nan = [0f32; 8];
    let (blocks, tail) = x.as_chunks::<8>();
    for b in blocks {
        for ((m, z), v) in max.iter_mut().zip(nan.iter_mut()).zip(b) {
            let a = v.abs();
            *m = if a > *m { a } else { *m };
            *z += v * 0.0;
        }
    }
    for (v, (m, z)) in tail.iter().zip(max.iter_mut().zip(nan.iter_mut())) {
        let a = v.abs();
        *m = if a > *m { a } else { *m };
        *z += v * 0.0;
    }
    if nan.iter().any(|z| z.is_nan()) {
        return Scale::NonFinite;
    }
    let max = max.into_iter().fold(0f32, |m, a| if a > m { a } else { m });
    if max == 0.0 {
        return Scale::Zero;
    }
    let inv = LEVELS / max;
    for (o, v) in q.iter_mut().zip(x) {
        // |v · inv| ≤ 63 (+ rounding), so the low byte of `t`'s bits is round(v · inv) + 64.
        let t = v * inv + ROUND_OFFSET;
        *o = t.to_bits() as u8;
    }
    Scale::Of(max / LEVELS)
}

#[cfg(test)]
#[allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_at_most_half_a_step() {
        let x: [f32; 9] = [0.3, -1.0, 0.999, 1e-7, -0.5, 0.25, 0.0, -0.0039, 0.7];
        let mut q = [0u8; 9];
        let Scale::Of(s) = quantize(&x, &mut q) else {
            panic!("expected a scale")
        };
        assert_eq!(q[1], 1, "-max maps to -63, stored as 1");
        assert_eq!(q[6], 64, "0 maps to the offset");
        for (v, &b) in x.iter().zip(&q) {
            assert!((1..=127).contains(&b));
            let back = (i32::from(b) - ZERO) as f32 * s;
            assert!((back - v).abs() <= s * 0.5 + 1e-7, "{v} -> {back}");
        }
    }

    #[test]
    fn zero_and_non_finite_vectors_are_flagged() {
        let mut q = [0u8; 3];
        assert!(matches!(quantize(&[0.0, -0.0, 0.0], &mut q), Scale::Zero));
        assert!(matches!(
            quantize(&[1.0, f32::NAN, 0.0], &mut q),
            Scale::NonFinite
        ));
        assert!(matches!(
            quantize(&[1.0, f32::NEG_INFINITY], &mut q),
            Scale::NonFinite
        ));
    }
}
