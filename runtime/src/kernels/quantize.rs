//! Quantisation of activations for the int8 kernels: symmetric, one scale per vector, computed
//! afresh for every product (the vectors are a few hundred values; their range changes from
//! step to step).

/// The scale of a quantised vector.
pub(super) enum Scale {
    /// Every element is 0: the product is 0.
    Zero,
    /// An element is infinite or NaN.
    NonFinite,
    /// `x ≈ s · q`.
    Of(f32),
}

/// 1.5 · 2^23: adding and subtracting it rounds an |v| < 2^22 to the nearest integer (ties to
/// even) without `round`, which `core` lacks.
const ROUND: f32 = 12_582_912.0;

/// Writes `q = round(x / s)` (as `i8` bytes, within ±127) with `s = max|x| / 127`.
#[inline(always)]
pub(super) fn quantize(x: &[f32], q: &mut [u8]) -> Scale {
    // One pass for the range and for NaN/∞ (a NaN fails every comparison).
    let (max, finite) = x.iter().fold((0.0f32, true), |(m, ok), v| {
        let a = v.abs();
        (m.max(a), ok & (a <= f32::MAX))
    });
    if !finite {
        return Scale::NonFinite;
    }
    if max == 0.0 {
        return Scale::Zero;
    }
    let inv = 127.0 / max;
    for (o, v) in q.iter_mut().zip(x) {
        // |v · inv| ≤ 127 (+ rounding), so the `as` conversions are exact.
        *o = ((v * inv + ROUND) - ROUND) as i32 as i8 as u8;
    }
    Scale::Of(max / 127.0)
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
        assert_eq!(q[1] as i8, -127);
        for (v, &b) in x.iter().zip(&q) {
            let back = f32::from(b as i8) * s;
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
