//! IEEE 754 single-precision addition and multiplication on integers, for the Cortex-M0 (ARMv6-M:
//! no FPU, no `CLZ`, no 32 × 32 → 64 multiply).
//!
//! The Cortex-M0 does every `f32` operation of a step (the gates' exponentials, the scaling of
//! the int8 products, the word search's softmax) through the compiler's soft-float routines,
//! and on the keyboard session they took two thirds of a key's cycles: `compiler_builtins`'
//! generic `__mulsf3` calls `__aeabi_lmul` for its 24 × 24-bit product and `__addsf3` calls
//! `__clzsi2` to normalise. These do the same arithmetic with four 16-bit multiplies and an
//! inline count of leading zeros. They are correctly rounded (to nearest, ties to even, with
//! subnormals), as the routines they replace are, so every result is bit for bit the same and
//! the Cortex-M0 still agrees with every other target. NaN results follow `compiler_builtins`: a
//! NaN operand comes back quieted (the first one), an invalid operation gives `0x7FC0_0000`.
//!
//! The functions are plain `u32 → u32` code compiled and tested on every target (`tests`
//! compare them with the host's hardware on special values and random operands); only the
//! ARMv6-M build with the `soft-float` feature exports them under the ABI names, replacing the
//! weak definitions of `compiler_builtins`.

const SIGN: u32 = 0x8000_0000;
const ABS: u32 = 0x7FFF_FFFF;
const INF: u32 = 0x7F80_0000;
const QUIET: u32 = 0x0040_0000;
const DEFAULT_NAN: u32 = 0x7FC0_0000;
const FRAC: u32 = 0x007F_FFFF;
const IMPLICIT: u32 = 0x0080_0000;

/// `a + b` on the bits of two `f32`.
#[inline(always)]
pub(crate) fn add(a: u32, b: u32) -> u32 {
    let (aa, ba) = (a & ABS, b & ABS);
    // Zero, infinity or NaN on either side.
    if aa.wrapping_sub(1) >= INF.wrapping_sub(1) || ba.wrapping_sub(1) >= INF.wrapping_sub(1) {
        return add_special(a, b, aa, ba);
    }
    // The larger magnitude gives the sign and (near) the exponent.
    let (big, small, sign) = if ba > aa {
        (ba, aa, b & SIGN)
    } else {
        (aa, ba, a & SIGN)
    };
    let (mut ex, mut mx) = unpack(big);
    let (ey, mut my) = unpack(small);
    // Three bits below the significand: guard, round and sticky.
    mx <<= 3;
    my <<= 3;
    let d = ex.wrapping_sub(ey) as u32;
    if d != 0 {
        my = if d < 32 {
            let sticky = u32::from(my.wrapping_shl(32u32.wrapping_sub(d)) != 0);
            (my >> d) | sticky
        } else {
            1
        };
    }
    if (a ^ b) & SIGN == 0 {
        mx = mx.wrapping_add(my);
        if mx & (IMPLICIT << 4) != 0 {
            mx = (mx >> 1) | (mx & 1);
            ex = ex.wrapping_add(1);
            if ex >= 255 {
                return sign | INF;
            }
        }
    } else {
        mx = mx.wrapping_sub(my);
        if mx < IMPLICIT << 3 {
            if mx == 0 {
                return 0; // x − x is +0 when rounding to nearest
            }
            // Cancellation: shift up to the implicit bit, but not below the smallest
            // exponent (the result is then subnormal).
            let shift = (clz(mx).wrapping_sub(5) as i32).min(ex.wrapping_sub(1));
            mx <<= shift;
            ex = ex.wrapping_sub(shift);
        }
    }
    let low = mx & 7;
    mx >>= 3;
    // A subnormal has ex = 1 and no implicit bit: its exponent field comes out 0. A carry
    // out of the significand when rounding moves into the exponent (up to infinity).
    let r = sign | ((ex.wrapping_sub(1) as u32) << 23).wrapping_add(mx);
    if low > 4 || (low == 4 && r & 1 != 0) {
        r.wrapping_add(1)
    } else {
        r
    }
}

/// `a × b` on the bits of two `f32`.
#[inline(always)]
pub(crate) fn mul(a: u32, b: u32) -> u32 {
    let sign = (a ^ b) & SIGN;
    let (aa, ba) = (a & ABS, b & ABS);
    let (ea, ma, eb, mb) = if aa.wrapping_sub(IMPLICIT) >= INF.wrapping_sub(IMPLICIT)
        || ba.wrapping_sub(IMPLICIT) >= INF.wrapping_sub(IMPLICIT)
    {
        // Zero, subnormal, infinity or NaN on either side.
        match mul_special(a, b, aa, ba) {
            Ok(operands) => operands,
            Err(done) => return done,
        }
    } else {
        let (ea, ma) = unpack(aa);
        let (eb, mb) = unpack(ba);
        (ea, ma, eb, mb)
    };
    // The 48-bit product of two 24-bit significands from 16-bit halves (ARMv6-M multiplies
    // 32 × 32 → 32 only).
    let (a1, a0) = (ma >> 16, ma & 0xFFFF);
    let (b1, b0) = (mb >> 16, mb & 0xFFFF);
    let mid = a1.wrapping_mul(b0).wrapping_add(a0.wrapping_mul(b1));
    let (lo, carry) = a0.wrapping_mul(b0).overflowing_add(mid << 16);
    let hi = a1
        .wrapping_mul(b1)
        .wrapping_add(mid >> 16)
        .wrapping_add(u32::from(carry));
    // The product is in [2^46, 2^48): keep 24 bits, the rest decides the rounding.
    let mut e = ea.wrapping_add(eb).wrapping_sub(127);
    let (sig, rest, half) = if hi & 0x8000 != 0 {
        e = e.wrapping_add(1);
        ((hi << 8) | (lo >> 24), lo & 0x00FF_FFFF, 0x0080_0000)
    } else {
        ((hi << 9) | (lo >> 23), lo & 0x007F_FFFF, 0x0040_0000)
    };
    if e >= 255 {
        return sign | INF;
    }
    if e <= 0 {
        return sign | subnormal(sig, rest, e);
    }
    let r = sign | ((e.wrapping_sub(1) as u32) << 23).wrapping_add(sig);
    if rest > half || (rest == half && r & 1 != 0) {
        r.wrapping_add(1)
    } else {
        r
    }
}

/// Exponent and significand of a finite, non-zero magnitude; a subnormal gets the exponent 1
/// and no implicit bit, which is what it is worth.
#[inline(always)]
fn unpack(m: u32) -> (i32, u32) {
    let e = (m >> 23) as i32;
    if e == 0 {
        (1, m & FRAC)
    } else {
        (e, (m & FRAC) | IMPLICIT)
    }
}

/// `a + b` where either is zero, infinite or NaN.
#[cold]
fn add_special(a: u32, b: u32, aa: u32, ba: u32) -> u32 {
    if aa > INF {
        a | QUIET
    } else if ba > INF {
        b | QUIET
    } else if aa == INF {
        if ba == INF && (a ^ b) & SIGN != 0 {
            DEFAULT_NAN // ∞ − ∞
        } else {
            a
        }
    } else if ba == INF {
        b
    } else if aa == 0 {
        if ba == 0 { a & b } else { b } // −0 + −0 is −0, any other sum of zeros +0
    } else {
        a
    }
}

/// `a × b` where either is zero, subnormal, infinite or NaN: the result, or the operands as
/// exponent and a significand normalised to its implicit bit.
#[cold]
fn mul_special(a: u32, b: u32, aa: u32, ba: u32) -> Result<(i32, u32, i32, u32), u32> {
    let sign = (a ^ b) & SIGN;
    if aa > INF {
        return Err(a | QUIET);
    }
    if ba > INF {
        return Err(b | QUIET);
    }
    if aa == INF {
        return Err(if ba == 0 { DEFAULT_NAN } else { sign | INF });
    }
    if ba == INF {
        return Err(if aa == 0 { DEFAULT_NAN } else { sign | INF });
    }
    if aa == 0 || ba == 0 {
        return Err(sign);
    }
    let (ea, ma) = normalised(aa);
    let (eb, mb) = normalised(ba);
    Ok((ea, ma, eb, mb))
}

/// A finite, non-zero magnitude with its significand shifted up to the implicit bit (a
/// subnormal's exponent goes below 1 to match).
fn normalised(m: u32) -> (i32, u32) {
    let (e, s) = unpack(m);
    let shift = clz(s).wrapping_sub(8);
    (e.wrapping_sub(shift as i32), s << shift)
}

/// A result below the normal range: `sig` (24 bits, `rest` below it) shifted right by
/// `1 − e`, rounded to nearest, ties to even.
fn subnormal(sig: u32, rest: u32, e: i32) -> u32 {
    let s = 1u32.wrapping_sub(e as u32);
    if s >= 25 {
        return 0; // below half the smallest subnormal
    }
    let q = sig >> s;
    let r = sig & ((1u32 << s).wrapping_sub(1));
    let h = 1u32 << s.wrapping_sub(1);
    if r > h || (r == h && (rest != 0 || q & 1 != 0)) {
        q.wrapping_add(1)
    } else {
        q
    }
}

/// Leading zeros of a non-zero `x`, by halving (ARMv6-M has no `CLZ`; `leading_zeros` would
/// be a call).
#[inline(always)]
fn clz(mut x: u32) -> u32 {
    let mut n = 0;
    if x < 1 << 16 {
        n = 16;
        x <<= 16;
    }
    if x < 1 << 24 {
        n |= 8;
        x <<= 8;
    }
    if x < 1 << 28 {
        n |= 4;
        x <<= 4;
    }
    if x < 1 << 30 {
        n |= 2;
        x <<= 2;
    }
    if x < 1 << 31 {
        n |= 1;
    }
    n
}

/// The ABI names, on ARMv6-M with the `soft-float` feature: strong definitions that the linker
/// takes over `compiler_builtins`' weak ones, for every `f32` addition, subtraction and
/// multiplication in the program.
#[cfg(all(quill_soft_float, feature = "soft-float"))]
mod exports {
    use super::{SIGN, add, mul};

    #[unsafe(no_mangle)]
    extern "aapcs" fn __aeabi_fadd(a: f32, b: f32) -> f32 {
        f32::from_bits(add(a.to_bits(), b.to_bits()))
    }

    #[unsafe(no_mangle)]
    extern "aapcs" fn __aeabi_fsub(a: f32, b: f32) -> f32 {
        f32::from_bits(add(a.to_bits(), b.to_bits() ^ SIGN))
    }

    #[unsafe(no_mangle)]
    extern "aapcs" fn __aeabi_fmul(a: f32, b: f32) -> f32 {
        f32::from_bits(mul(a.to_bits(), b.to_bits()))
    }

    #[unsafe(no_mangle)]
    extern "C" fn __addsf3(a: f32, b: f32) -> f32 {
        f32::from_bits(add(a.to_bits(), b.to_bits()))
    }

    #[unsafe(no_mangle)]
    extern "C" fn __subsf3(a: f32, b: f32) -> f32 {
        f32::from_bits(add(a.to_bits(), b.to_bits() ^ SIGN))
    }

    #[unsafe(no_mangle)]
    extern "C" fn __mulsf3(a: f32, b: f32) -> f32 {
        f32::from_bits(mul(a.to_bits(), b.to_bits()))
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    /// Bits that stress every path: zeros, subnormals, the normal range's edges, values near
    /// one, infinities and NaNs, with both signs.
    fn specials() -> Vec<u32> {
        let mut v = Vec::new();
        for m in [
            0,
            1,
            2,
            3,
            0x0000_0FFF,
            0x0040_0000,
            0x007F_FFFE,
            0x007F_FFFF,
            0x0080_0000,
            0x0080_0001,
            0x00FF_FFFF,
            0x0100_0000,
            0x0C00_0000,
            0x1FFF_FFFF,
            0x3400_0000,
            0x3F00_0000,
            0x3F7F_FFFF,
            0x3F80_0000,
            0x3F80_0001,
            0x3FFF_FFFF,
            0x4000_0000,
            0x4B40_0000,
            0x5F00_0000,
            0x7E7F_FFFF,
            0x7F00_0000,
            0x7F7F_FFFE,
            0x7F7F_FFFF,
            INF,
            INF | 1,
            DEFAULT_NAN,
            0x7FFF_FFFF,
        ] {
            v.push(m);
            v.push(m | SIGN);
        }
        v
    }

    /// Whether `got` is what the host's FPU computes (any NaN for a NaN: hardware and
    /// `compiler_builtins` differ only in which one).
    fn same(want: f32, got: u32) -> bool {
        if want.is_nan() {
            f32::from_bits(got).is_nan()
        } else {
            want.to_bits() == got
        }
    }

    fn check(a: u32, b: u32) {
        let (x, y) = (f32::from_bits(a), f32::from_bits(b));
        assert!(
            same(x + y, add(a, b)),
            "{a:#010x} + {b:#010x}: {:#010x}",
            add(a, b)
        );
        assert!(
            same(x * y, mul(a, b)),
            "{a:#010x} × {b:#010x}: {:#010x}",
            mul(a, b)
        );
    }

    #[test]
    fn special_operands_match_the_hardware() {
        let s = specials();
        for &a in &s {
            for &b in &s {
                check(a, b);
            }
        }
    }

    #[test]
    fn nans_come_back_as_compiler_builtins_gives_them() {
        assert_eq!(add(INF | 1, 0x3F80_0000), INF | 1 | QUIET);
        assert_eq!(add(0x3F80_0000, SIGN | INF | 5), SIGN | INF | 5 | QUIET);
        assert_eq!(add(INF, SIGN | INF), DEFAULT_NAN);
        assert_eq!(mul(INF, 0), DEFAULT_NAN);
        assert_eq!(mul(SIGN, SIGN | INF), DEFAULT_NAN);
        assert_eq!(add(SIGN, SIGN), SIGN);
        assert_eq!(add(SIGN, 0), 0);
    }

    #[test]
    fn clz_counts_leading_zeros() {
        for i in 0..32 {
            for low in [0u32, 1, 0x5555_5555, u32::MAX] {
                let x = (1u32 << i) | (low & ((1u32 << i) - 1));
                assert_eq!(clz(x), x.leading_zeros(), "{x:#x}");
            }
        }
    }

    /// Random operands in three mixes: any bits, close exponents (cancellation, carries,
    /// ties) and products near the subnormal and overflow edges.
    #[test]
    fn random_operands_match_the_hardware() {
        let mut state = 0x0005_EEDF_10A7_u64;
        let mut next = move || {
            // xorshift64*: every bit of the 32 taken is random (the sign included).
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
        };
        for _ in 0..2_000_000 {
            let (a, b) = (next(), next());
            check(a, b);
            // Same exponent band: the low bits decide.
            let near = (a & 0xC3FF_FFFF) | 0x3C00_0000;
            check(near, (b & 0x80FF_FFFF) | (near & 0x7F00_0000));
            // Products whose exponents sum near the subnormal range or overflow.
            let e = next() % 40;
            check(
                (a & 0x807F_FFFF) | ((e + 1) << 23),
                (b & 0x807F_FFFF) | (100 << 23),
            );
            check(
                (a & 0x807F_FFFF) | ((e + 200) << 23),
                (b & 0x807F_FFFF) | (160 << 23),
            );
            // Subnormal with anything small.
            check(a & 0x807F_FFFF, (b & 0x81FF_FFFF) | 0x0100_0000);
        }
    }
}
