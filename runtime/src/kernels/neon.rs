//! aarch64 NEON kernels (every ARMv8-A core has NEON; phones, Apple silicon, Graviton).
//!
//! int8, four rows per pass over 16-column blocks. The activations are made signed once per
//! product (`q − 64`, so no row sums are needed: ARM multiplies signed by signed) and loaded
//! once per block for four rows:
//! - baseline: `SMULL` + `SMLAL2` + `SMLAL` + `SMLAL2` multiply 32 weights into eight 16-bit
//!   sums (each |w·x| ≤ 128·63, four of them fit `i16`), `SADALP` adds those pairwise into four
//!   `i32` lanes;
//! - with the dot-product extension (ARMv8.2+, `dotprod`): one `SDOT` per 16 weights.
//!
//! A partial last block is loaded overlapping the one before, with the repeated columns'
//! activations masked to zero; rows shorter than 16 columns go through the scalar loop. The
//! four rows' sums are scaled as one vector. The integers are the portable kernel's, and so are
//! the results, bit for bit.
//!
//! f32: four rows per pass, four 4-column blocks a loop turn with `FMLA` (fused, and the even
//! and odd blocks into separate accumulators, so sums agree with the portable kernel's to
//! rounding), then a horizontal add per row.

use core::arch::aarch64::{
    float32x4_t, int8x16_t, int32x4_t, vaddq_f32, vaddvq_f32, vaddvq_s32, vandq_s8, vandq_u32,
    vcvtq_f32_s32, vdupq_n_f32, vdupq_n_s32, vfmaq_f32, vget_low_s8, vld1q_f32, vld1q_s8, vld1q_u8,
    vld1q_u32, vmlal_high_s8, vmlal_s8, vmull_s8, vmulq_f32, vmulq_n_f32, vpadalq_s16, vpaddq_f32,
    vpaddq_s32, vreinterpretq_f32_u32, vreinterpretq_s8_u8, vreinterpretq_u32_f32, vst1q_f32,
};

use super::quantize::ZERO;

/// 16 bytes of the slice, or `None` past its end.
#[inline(always)]
fn block(s: &[u8], at: usize) -> Option<&[u8; 16]> {
    s.get(at..at.checked_add(16)?)?.first_chunk::<16>()
}

/// 16 signed bytes (weights, or the signed activations).
#[inline(always)]
fn weights(w: &[u8; 16]) -> int8x16_t {
    // SAFETY: `w` is 16 readable bytes.
    unsafe { vld1q_s8(w.as_ptr().cast()) }
}

/// Lanes `i ≥ 16 − rem` kept, the others zeroed: the last, overlapping block's mask.
static TAIL_MASK: [u8; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, //
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
];

/// Lanes `i ≥ 4 − rem` kept, the others zeroed: the f32 kernel's last, overlapping block.
static F32_TAIL_MASK: [u32; 8] = [0, 0, 0, 0, u32::MAX, u32::MAX, u32::MAX, u32::MAX];

/// One 16-column step of one row: `acc += w·x` in four `i32` lanes.
pub(super) trait Dot {
    fn step(acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t;

    /// Two 16-column steps of one row (columns `w0`/`x0`, then `w1`/`x1`).
    #[inline(always)]
    fn step2(
        acc: int32x4_t,
        w0: int8x16_t,
        x0: int8x16_t,
        w1: int8x16_t,
        x1: int8x16_t,
    ) -> int32x4_t {
        Self::step(Self::step(acc, w0, x0), w1, x1)
    }
}

/// `SMULL`, `SMLAL2`, `SADALP`.
pub(super) struct Baseline;

impl Dot for Baseline {
    #[inline(always)]
    fn step(acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t {
        // SAFETY: register-only NEON arithmetic.
        unsafe {
            let p = vmull_s8(vget_low_s8(w), vget_low_s8(x));
            let p = vmlal_high_s8(p, w, x);
            vpadalq_s16(acc, p)
        }
    }

    /// Four products into each 16-bit lane before the one `SADALP` (|w·x| ≤ 128·63, and four
    /// of them, 32,256, still fit `i16`): 5 instructions per 32 columns instead of 6.
    #[inline(always)]
    fn step2(
        acc: int32x4_t,
        w0: int8x16_t,
        x0: int8x16_t,
        w1: int8x16_t,
        x1: int8x16_t,
    ) -> int32x4_t {
        // SAFETY: register-only NEON arithmetic.
        unsafe {
            let p = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));
            let p = vmlal_high_s8(p, w0, x0);
            let p = vmlal_s8(p, vget_low_s8(w1), vget_low_s8(x1));
            let p = vmlal_high_s8(p, w1, x1);
            vpadalq_s16(acc, p)
        }
    }
}

/// `SDOT` (the dot-product extension).
pub(super) struct DotProd;

impl Dot for DotProd {
    #[inline(always)]
    fn step(mut acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t {
        // SAFETY: `DotProd` is only used by a `Kernel::NeonDot`, which exists only where the
        // CPU has the dot-product extension (compile-time target feature or the caller's
        // assertion in `Kernel::neon_dotprod`). Register-only.
        unsafe {
            core::arch::asm!(
                ".arch_extension dotprod",
                "sdot {acc:v}.4s, {w:v}.16b, {x:v}.16b",
                acc = inout(vreg) acc,
                w = in(vreg) w,
                x = in(vreg) x,
                options(pure, nomem, nostack, preserves_flags)
            );
        }
        acc
    }
}

/// `y += (W·(q − 64)) · scale_row · sx`; `scratch` takes the signed activations (one byte per
/// column). Without room for them it computes the same integers the portable way.
pub(super) fn matvec_q8<D: Dot>(
    w: &[u8],
    scales: &[u8],
    q: &[u8],
    scratch: &mut [u8],
    sx: f32,
    y: &mut [f32],
) {
    let cols = q.len().max(1);
    let (scales, _) = scales.as_chunks::<4>();
    if cols < 16 {
        for ((row, s), o) in w.chunks_exact(cols).zip(scales).zip(y.iter_mut()) {
            *o += super::portable::dot_q8(row, q) as f32 * (f32::from_le_bytes(*s) * sx);
        }
        return;
    }
    // The activations made signed once for every row (not once per block of four rows).
    let Some(xs) = scratch.get_mut(..q.len()) else {
        super::portable::matvec_q8(w, scales.as_flattened(), q, sx, y);
        return;
    };
    for (d, &b) in xs.iter_mut().zip(q) {
        *d = b.wrapping_sub(ZERO as u8);
    }
    let xs: &[u8] = xs;
    // Whole blocks of 16, then (if the row has a partial block) the last 16 columns with the
    // ones already counted masked off in the activations.
    let (qb, _) = xs.as_chunks::<16>();
    let rem = cols % 16;
    let last = cols.saturating_sub(16);
    let x_last = match (
        block(xs, last),
        TAIL_MASK.get(rem..).and_then(|m| m.first_chunk::<16>()),
    ) {
        (Some(x), Some(m)) if rem != 0 => {
            // SAFETY: `m` is 16 readable bytes (a `[u8; 16]`); the rest is register-only.
            Some(unsafe { vandq_s8(weights(x), vreinterpretq_s8_u8(vld1q_u8(m.as_ptr()))) })
        }
        _ => None,
    };
    let one_row = |row: &[u8]| -> i32 {
        // SAFETY: register-only.
        let mut acc = unsafe { vdupq_n_s32(0) };
        for (x16, w16) in qb.iter().zip(row.as_chunks::<16>().0) {
            acc = D::step(acc, weights(w16), weights(x16));
        }
        if let (Some(xv), Some(wv)) = (x_last, block(row, last)) {
            acc = D::step(acc, weights(wv), xv);
        }
        // SAFETY: register-only.
        unsafe { vaddvq_s32(acc) }
    };

    let mut blocks = w.chunks_exact(cols.saturating_mul(4));
    let mut outs = y.chunks_exact_mut(4);
    let mut block_scales = scales.chunks_exact(4);
    for ((rows, out), s) in (&mut blocks).zip(&mut outs).zip(&mut block_scales) {
        let (r0, rest) = rows.split_at_checked(cols).unwrap_or_default();
        let (r1, rest) = rest.split_at_checked(cols).unwrap_or_default();
        let (r2, r3) = rest.split_at_checked(cols).unwrap_or_default();
        // SAFETY: register-only.
        let zero = unsafe { vdupq_n_s32(0) };
        let (mut a0, mut a1, mut a2, mut a3) = (zero, zero, zero, zero);
        // Four rows share each activation block.
        // SAFETY: `rows` is 4 rows of `cols` bytes (`chunks_exact`) and `qb` has
        // `cols / 16` blocks, so every 16-byte load below is inside its row or `q`.
        unsafe {
            let p = rows.as_ptr();
            // Offsets below the slice's length: they cannot wrap.
            let (p1, p2, p3) = (
                p.add(cols),
                p.add(cols.wrapping_mul(2)),
                p.add(cols.wrapping_mul(3)),
            );
            // Four blocks a loop turn (two `step2`s a row), then a pair, then the odd one.
            let w = |r: *const u8, at: usize| vld1q_s8(r.add(at).cast());
            let (quads, rest) = qb.as_chunks::<4>();
            for (i, [xa, xb, xc, xd]) in quads.iter().enumerate() {
                let (x0, x1, x2, x3) = (weights(xa), weights(xb), weights(xc), weights(xd));
                let at = i.wrapping_mul(64);
                let [bt, ct, dt] = [16, 32, 48].map(|d| at.wrapping_add(d));
                let four = |a, r| {
                    D::step2(
                        D::step2(a, w(r, at), x0, w(r, bt), x1),
                        w(r, ct),
                        x2,
                        w(r, dt),
                        x3,
                    )
                };
                a0 = four(a0, p);
                a1 = four(a1, p1);
                a2 = four(a2, p2);
                a3 = four(a3, p3);
            }
            let (pairs, odd) = rest.as_chunks::<2>();
            let base = quads.len().wrapping_mul(64);
            if let Some([xa, xb]) = pairs.first() {
                let (x0, x1) = (weights(xa), weights(xb));
                let (at, bt) = (base, base.wrapping_add(16));
                a0 = D::step2(a0, w(p, at), x0, w(p, bt), x1);
                a1 = D::step2(a1, w(p1, at), x0, w(p1, bt), x1);
                a2 = D::step2(a2, w(p2, at), x0, w(p2, bt), x1);
                a3 = D::step2(a3, w(p3, at), x0, w(p3, bt), x1);
            }
            if let Some(x16) = odd.first() {
                let xv = weights(x16);
                let at = base.wrapping_add(pairs.len().wrapping_mul(32));
                a0 = D::step(a0, vld1q_s8(p.add(at).cast()), xv);
                a1 = D::step(a1, vld1q_s8(p1.add(at).cast()), xv);
                a2 = D::step(a2, vld1q_s8(p2.add(at).cast()), xv);
                a3 = D::step(a3, vld1q_s8(p3.add(at).cast()), xv);
            }
        }
        if let Some(xv) = x_last {
            for (a, r) in [&mut a0, &mut a1, &mut a2, &mut a3]
                .into_iter()
                .zip([r0, r1, r2, r3])
            {
                if let Some(wv) = block(r, last) {
                    *a = D::step(*a, weights(wv), xv);
                }
            }
        }
        // The four rows' sums and scaling as one vector each: lane by lane the same operations
        // as `*o += sum as f32 * (scale · sx)` (integer adds in any order, then one rounding
        // conversion, two multiplies and an add, none fused).
        if let (Ok(out), Some(s)) = (
            <&mut [f32; 4]>::try_from(out),
            s.as_flattened().first_chunk::<16>(),
        ) {
            // SAFETY: `out` is 4 writable f32 and `s` 16 readable bytes (unaligned loads are
            // allowed); the rest is register-only.
            unsafe {
                let sums = vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
                let scale = vmulq_n_f32(vld1q_f32(s.as_ptr().cast()), sx);
                let add = vmulq_f32(vcvtq_f32_s32(sums), scale);
                vst1q_f32(out.as_mut_ptr(), vaddq_f32(vld1q_f32(out.as_ptr()), add));
            }
        }
    }
    for ((row, s), o) in blocks
        .remainder()
        .chunks_exact(cols)
        .zip(block_scales.remainder())
        .zip(outs.into_remainder())
    {
        *o += one_row(row) as f32 * (f32::from_le_bytes(*s) * sx);
    }
}

/// 4 f32 from 16 bytes.
#[inline(always)]
fn f32x4(b: &[u8; 16]) -> float32x4_t {
    // SAFETY: `b` is 16 readable bytes; unaligned loads are allowed.
    unsafe { vld1q_f32(b.as_ptr().cast()) }
}

pub(super) fn matvec_f32(w: &[u8], x: &[f32], y: &mut [f32]) {
    if x.len() < 4 {
        super::portable::matvec_f32(w, x, y);
        return;
    }
    let cols = x.len().max(1);
    let row_bytes = cols.saturating_mul(4);
    let (xb, xt) = x.as_chunks::<4>();
    let start = xb.len().saturating_mul(16);
    let tail = |row: &[u8]| -> f32 {
        let (r, _) = row.get(start..).unwrap_or_default().as_chunks::<4>();
        r.iter()
            .zip(xt)
            .fold(0f32, |acc, (w, xv)| acc + f32::from_le_bytes(*w) * xv)
    };
    // SAFETY: (each `vld1q_f32` on `x4`) a `[f32; 4]` is 16 readable bytes.
    let xv = |x4: &[f32; 4]| unsafe { vld1q_f32(x4.as_ptr()) };
    let mut blocks = w.chunks_exact(row_bytes.saturating_mul(4));
    let mut outs = y.chunks_exact_mut(4);
    for (rows, out) in (&mut blocks).zip(&mut outs) {
        let (r0, rest) = rows.split_at_checked(row_bytes).unwrap_or_default();
        let (r1, rest) = rest.split_at_checked(row_bytes).unwrap_or_default();
        let (r2, r3) = rest.split_at_checked(row_bytes).unwrap_or_default();
        // SAFETY: register-only.
        let zero = unsafe { vdupq_n_f32(0.0) };
        let (mut a0, mut a1, mut a2, mut a3) = (zero, zero, zero, zero);
        // SAFETY: `rows` is 4 rows of `row_bytes` bytes (`chunks_exact`) and `xb` has
        // `cols / 4` blocks, so every 16-byte load below is inside its row or `x`: the tail
        // block's at `row_bytes − 16` (rows are at least 4 columns here), `x4` a `[f32; 4]`,
        // `m` a `[u32; 4]`; `out` is 4 writable f32.
        unsafe {
            let p = rows.as_ptr();
            // Offsets below the slice's length: they cannot wrap.
            let (p1, p2, p3) = (
                p.add(row_bytes),
                p.add(row_bytes.wrapping_mul(2)),
                p.add(row_bytes.wrapping_mul(3)),
            );
            let w = |r: *const u8, at: usize| vld1q_f32(r.add(at).cast());
            // Four blocks a loop turn (paired loads, a quarter of the loop's overhead), the
            // even blocks into one set of accumulators and the odd into another, added at the
            // end; then a pair, then the odd block.
            let (mut b0, mut b1, mut b2, mut b3) = (zero, zero, zero, zero);
            let (quads, rest) = xb.as_chunks::<4>();
            for (i, [xa, xc, xd, xe]) in quads.iter().enumerate() {
                let x = |x4: &[f32; 4]| vld1q_f32(x4.as_ptr());
                let (x0, x1, x2, x3) = (x(xa), x(xc), x(xd), x(xe));
                let at = i.wrapping_mul(64);
                let [bt, ct, dt] = [16, 32, 48].map(|d| at.wrapping_add(d));
                a0 = vfmaq_f32(vfmaq_f32(a0, w(p, at), x0), w(p, ct), x2);
                a1 = vfmaq_f32(vfmaq_f32(a1, w(p1, at), x0), w(p1, ct), x2);
                a2 = vfmaq_f32(vfmaq_f32(a2, w(p2, at), x0), w(p2, ct), x2);
                a3 = vfmaq_f32(vfmaq_f32(a3, w(p3, at), x0), w(p3, ct), x2);
                b0 = vfmaq_f32(vfmaq_f32(b0, w(p, bt), x1), w(p, dt), x3);
                b1 = vfmaq_f32(vfmaq_f32(b1, w(p1, bt), x1), w(p1, dt), x3);
                b2 = vfmaq_f32(vfmaq_f32(b2, w(p2, bt), x1), w(p2, dt), x3);
                b3 = vfmaq_f32(vfmaq_f32(b3, w(p3, bt), x1), w(p3, dt), x3);
            }
            let base = quads.len().wrapping_mul(64);
            let (pairs, odd) = rest.as_chunks::<2>();
            if let Some([xa, xc]) = pairs.first() {
                let (x0, x1) = (vld1q_f32(xa.as_ptr()), vld1q_f32(xc.as_ptr()));
                let (at, bt) = (base, base.wrapping_add(16));
                a0 = vfmaq_f32(a0, w(p, at), x0);
                a1 = vfmaq_f32(a1, w(p1, at), x0);
                a2 = vfmaq_f32(a2, w(p2, at), x0);
                a3 = vfmaq_f32(a3, w(p3, at), x0);
                b0 = vfmaq_f32(b0, w(p, bt), x1);
                b1 = vfmaq_f32(b1, w(p1, bt), x1);
                b2 = vfmaq_f32(b2, w(p2, bt), x1);
                b3 = vfmaq_f32(b3, w(p3, bt), x1);
            }
            if let Some(x4) = odd.first() {
                let x4 = vld1q_f32(x4.as_ptr());
                let at = base.wrapping_add(pairs.len().wrapping_mul(32));
                a0 = vfmaq_f32(a0, w(p, at), x4);
                a1 = vfmaq_f32(a1, w(p1, at), x4);
                a2 = vfmaq_f32(a2, w(p2, at), x4);
                a3 = vfmaq_f32(a3, w(p3, at), x4);
            }
            // The columns past the last whole block: the last 4 columns again, the ones
            // already counted with their activations zeroed (rows of 4 or more columns).
            if let (Some(x4), Some(m)) = (
                x.len()
                    .checked_sub(4)
                    .and_then(|at| x.get(at..)?.first_chunk::<4>()),
                F32_TAIL_MASK
                    .get(xt.len()..)
                    .and_then(|m| m.first_chunk::<4>()),
            ) && !xt.is_empty()
            {
                let xl = vreinterpretq_f32_u32(vandq_u32(
                    vreinterpretq_u32_f32(vld1q_f32(x4.as_ptr())),
                    vld1q_u32(m.as_ptr()),
                ));
                let at = row_bytes.wrapping_sub(16);
                b0 = vfmaq_f32(b0, w(p, at), xl);
                b1 = vfmaq_f32(b1, w(p1, at), xl);
                b2 = vfmaq_f32(b2, w(p2, at), xl);
                b3 = vfmaq_f32(b3, w(p3, at), xl);
            }
            // The four rows' sums as one vector, added to theirs.
            let sums = vpaddq_f32(
                vpaddq_f32(vaddq_f32(a0, b0), vaddq_f32(a1, b1)),
                vpaddq_f32(vaddq_f32(a2, b2), vaddq_f32(a3, b3)),
            );
            if let Ok(out) = <&mut [f32; 4]>::try_from(&mut *out) {
                vst1q_f32(out.as_mut_ptr(), vaddq_f32(vld1q_f32(out.as_ptr()), sums));
            }
        }
        let _ = (r0, r1, r2, r3);
    }
    for (row, o) in blocks
        .remainder()
        .chunks_exact(row_bytes)
        .zip(outs.into_remainder())
    {
        // SAFETY: register-only.
        let mut a = unsafe { vdupq_n_f32(0.0) };
        for (x4, w4) in xb.iter().zip(row.as_chunks::<16>().0) {
            // SAFETY: register-only.
            a = unsafe { vfmaq_f32(a, f32x4(w4), xv(x4)) };
        }
        // SAFETY: register-only.
        *o += unsafe { vaddvq_f32(a) } + tail(row);
    }
}
