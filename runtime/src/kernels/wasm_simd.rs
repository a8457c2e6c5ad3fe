//! WebAssembly SIMD128 kernels (`core::arch::wasm32`), for builds with
//! `-C target-feature=+simd128` (every current browser and Node runs them), and the int8 product
//! through relaxed SIMD with `+relaxed-simd`. The web page ships these builds and one without
//! SIMD, and loads the first the engine validates and `Kernel::verify` accepts (`web/quill.js`).
//!
//! Four rows per pass, so each activation vector is loaded and widened once for four rows.
//! - int8: the 7-bit activations are widened to `i16` and centred (`q − 64`) once per 16
//!   columns for four rows; each row's weights are loaded widened (`v128.load8x8_s`) and
//!   multiplied with `i32x4.dot_i16x8_s` (`pmaddwd` on x86, `smull`+`addp` on ARM). The sums
//!   are exact `i32`s, the same integers the portable kernel computes, and the final float
//!   expression is the same, so the products agree bit for bit.
//! - f32: two `f32x4` accumulators per row are exactly the portable kernel's eight
//!   (`acc[j] += w·x` for column `8k + j`, a multiply then an add: SIMD128 has no fused
//!   multiply-add outside relaxed-simd), summed in the same tree, then the same scalar tail:
//!   also bit for bit.
//!
//! The SIMD intrinsics are safe to call here: the whole module only exists when the build
//! enables `simd128`. The loads are the only `unsafe`: each reads 8 or 16 bytes through a
//! reference to an array of that length (in bounds by its type; wasm loads have no alignment
//! requirement).

use core::arch::wasm32::*;

use super::portable;
use super::quantize::ZERO;

/// Rows per pass: four accumulators and the two widened activation halves stay in registers.
const ROWS: usize = 4;

#[inline(always)]
fn load(bytes: &[u8; 16]) -> v128 {
    // SAFETY: `bytes` is 16 readable bytes; `v128_load` emits an alignment-1 load.
    unsafe { v128_load(bytes.as_ptr().cast::<v128>()) }
}

/// `y += W·x` over f32 weights (row-major little-endian bytes, `x.len()` columns).
pub(super) fn matvec_f32(w: &[u8], x: &[f32], y: &mut [f32]) {
    let row_bytes = x.len().saturating_mul(4).max(1);
    let (xb, xt) = x.as_chunks::<8>();
    let (y4, yt) = y.as_chunks_mut::<ROWS>();
    let blocks = w.chunks_exact(row_bytes.saturating_mul(ROWS));
    for (wb, ys) in blocks.zip(y4.iter_mut()) {
        let Some([r0, r1, r2, r3]) = split_rows(wb, row_bytes) else {
            break;
        };
        let (b0, b1, b2, b3) = (blocks_of(r0), blocks_of(r1), blocks_of(r2), blocks_of(r3));
        let z = f32x4_splat(0.0);
        let mut acc = [(z, z); ROWS];
        // Written out for four rows (not a loop over an array of accumulators), so that the
        // eight accumulators stay in registers at every optimisation level, "s" included.
        for ((((x8, w0), w1), w2), w3) in xb.iter().zip(b0).zip(b1).zip(b2).zip(b3) {
            let (x_lo, x_hi) = halves(x8);
            acc[0] = mac_f32(acc[0], w0, x_lo, x_hi);
            acc[1] = mac_f32(acc[1], w1, x_lo, x_hi);
            acc[2] = mac_f32(acc[2], w2, x_lo, x_hi);
            acc[3] = mac_f32(acc[3], w3, x_lo, x_hi);
        }
        for ((out, a), row) in ys.iter_mut().zip(acc).zip([r0, r1, r2, r3]) {
            *out += finish_f32(a, row, xb.len(), xt);
        }
    }
    let tail = w
        .chunks_exact(row_bytes)
        .skip(y4.len().saturating_mul(ROWS));
    for (row, out) in tail.zip(yt) {
        let z = f32x4_splat(0.0);
        let mut acc = (z, z);
        for (x8, w) in xb.iter().zip(blocks_of(row)) {
            let (x_lo, x_hi) = halves(x8);
            acc = mac_f32(acc, w, x_lo, x_hi);
        }
        *out += finish_f32(acc, row, xb.len(), xt);
    }
}

/// The four rows of a block of `ROWS · row_len` bytes.
#[inline(always)]
fn split_rows(block: &[u8], row_len: usize) -> Option<[&[u8]; ROWS]> {
    let mut rows = block.chunks_exact(row_len);
    Some([rows.next()?, rows.next()?, rows.next()?, rows.next()?])
}

/// A row's whole 32-byte blocks (eight f32 weights each).
#[inline(always)]
fn blocks_of(row: &[u8]) -> &[[u8; 32]] {
    row.as_chunks::<32>().0
}

#[inline(always)]
fn halves(x8: &[f32; 8]) -> (v128, v128) {
    let [a, b, c, d, e, f, g, h] = *x8;
    (f32x4(a, b, c, d), f32x4(e, f, g, h))
}

/// The portable kernel's `acc[j] += w·x` for eight columns: lanes 0–3 and 4–7.
#[inline(always)]
fn mac_f32((lo, hi): (v128, v128), w: &[u8; 32], x_lo: v128, x_hi: v128) -> (v128, v128) {
    let (w16, _) = w.as_chunks::<16>();
    let (Some(w_lo), Some(w_hi)) = (w16.first(), w16.get(1)) else {
        return (lo, hi); // unreachable: 32 bytes are two 16-byte halves
    };
    (
        f32x4_add(lo, f32x4_mul(load(w_lo), x_lo)),
        f32x4_add(hi, f32x4_mul(load(w_hi), x_hi)),
    )
}

/// The portable kernel's `sum8(acc) + tail`, bit for bit.
#[inline(always)]
fn finish_f32((lo, hi): (v128, v128), row: &[u8], blocks: usize, xt: &[f32]) -> f32 {
    // ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)), the portable `sum8` tree.
    let c = f32x4_add(lo, hi);
    let d = f32x4_add(c, i32x4_shuffle::<2, 3, 0, 1>(c, c));
    let sum = f32x4_extract_lane::<0>(d) + f32x4_extract_lane::<1>(d);
    let tail_w = row.get(blocks.saturating_mul(32)..).unwrap_or_default();
    sum + portable::dot_f32_tail(tail_w, xt)
}

/// `y += (W·(q − 64)) · scale_row · sx` over int8 weights and offset 7-bit activations `q`;
/// `sums` holds each row's weight sum where the build has relaxed SIMD (`quill_row_sums`).
pub(super) fn matvec_q8(w: &[u8], scales: &[u8], sums: &[i32], q: &[u8], sx: f32, y: &mut [f32]) {
    let cols = q.len().max(1);
    let (scales, _) = scales.as_chunks::<4>();
    let (qb, qt) = q.as_chunks::<16>();
    let finish = |out: &mut f32, dot: i32, s: &[u8; 4]| {
        *out += dot as f32 * (f32::from_le_bytes(*s) * sx);
    };
    let (y4, yt) = y.as_chunks_mut::<ROWS>();
    let (s4, _) = scales.as_chunks::<ROWS>();
    let (sum4, _) = sums.as_chunks::<ROWS>();
    let blocks = w.chunks_exact(cols.saturating_mul(ROWS));
    let mut sum4 = sum4.iter();
    for ((wb, ys), ss) in blocks.zip(y4.iter_mut()).zip(s4) {
        let Some(rows) = split_rows(wb, cols) else {
            break;
        };
        let row_sums = sum4.next().copied().unwrap_or_default();
        let [r0, r1, r2, r3] = rows.map(|r| r.as_chunks::<16>().0);
        let mut acc = [i32x4_splat(0); ROWS];
        // Four rows written out, as in `matvec_f32`.
        for ((((q16, w0), w1), w2), w3) in qb.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
            let a = Activations::of(q16);
            acc[0] = a.mac(acc[0], w0);
            acc[1] = a.mac(acc[1], w1);
            acc[2] = a.mac(acc[2], w2);
            acc[3] = a.mac(acc[3], w3);
        }
        for ((((out, a), row), s), sum) in ys.iter_mut().zip(acc).zip(rows).zip(ss).zip(row_sums) {
            finish(out, dot_q8(a, row, qb.len(), qt, sum), s);
        }
    }
    let done = y4.len().saturating_mul(ROWS);
    let tail = w.chunks_exact(cols).zip(scales).skip(done);
    let mut tail_sums = sums.get(done..).unwrap_or_default().iter();
    for ((row, s), out) in tail.zip(yt) {
        let mut acc = i32x4_splat(0);
        for (q16, w) in qb.iter().zip(row.as_chunks::<16>().0) {
            acc = Activations::of(q16).mac(acc, w);
        }
        let sum = tail_sums.next().copied().unwrap_or_default();
        finish(out, dot_q8(acc, row, qb.len(), qt, sum), s);
    }
}

/// 16 activations, prepared once for every row of a block.
#[cfg(not(target_feature = "relaxed-simd"))]
struct Activations {
    /// `q − 64` (−63..=63) widened to `i16`: columns 0–7 and 8–15.
    lo: v128,
    hi: v128,
}

#[cfg(not(target_feature = "relaxed-simd"))]
impl Activations {
    #[inline(always)]
    fn of(q16: &[u8; 16]) -> Self {
        let offset = i16x8_splat(ZERO as i16);
        let (q8, _) = q16.as_chunks::<8>();
        let (Some(lo), Some(hi)) = (q8.first(), q8.get(1)) else {
            return Activations {
                lo: offset,
                hi: offset,
            }; // unreachable: two 8-byte halves
        };
        Activations {
            lo: i16x8_sub(load_u8x8(lo), offset),
            hi: i16x8_sub(load_u8x8(hi), offset),
        }
    }

    /// `acc += Σ w·(q − 64)` over 16 columns, in four `i32` lanes (exact: see
    /// `portable::dot_q8`). Each half of the weights is loaded already widened
    /// (`v128.load8x8_s`: one `pmovsxbw` from memory on x86), then `i32x4.dot_i16x8_s`.
    #[inline(always)]
    fn mac(&self, acc: v128, w16: &[u8; 16]) -> v128 {
        let (w8, _) = w16.as_chunks::<8>();
        let (Some(w_lo), Some(w_hi)) = (w8.first(), w8.get(1)) else {
            return acc; // unreachable, as above
        };
        let lo = i32x4_dot_i16x8(load_i8x8(w_lo), self.lo);
        let hi = i32x4_dot_i16x8(load_i8x8(w_hi), self.hi);
        i32x4_add(acc, i32x4_add(lo, hi))
    }
}

/// The four lanes summed, plus the columns after the last whole 16 (portable code).
#[cfg(not(target_feature = "relaxed-simd"))]
#[inline(always)]
fn dot_q8(acc: v128, row: &[u8], blocks: usize, qt: &[u8], _row_sum: i32) -> i32 {
    let tail_w = row.get(blocks.saturating_mul(16)..).unwrap_or_default();
    lane_sum(acc).wrapping_add(portable::dot_q8(tail_w, qt))
}

/// With relaxed SIMD: the offset activations `q` (1..=127) are already the `i7` operand of
/// `i32x4.relaxed_dot_i8x16_i7x16_add_s` (x86: `pmaddubsw` + `pmaddwd` + `paddd`; ARM: `sdot`
/// or `smull` pairs). Its result is only implementation-defined for `i7` lanes ≥ 128 and pair
/// sums beyond `i16`; here |w| ≤ 127 and q ≤ 127 keep every pair within ±32,258, so every
/// engine computes the same exact `Σ w·q`, and `64 · Σ w` comes off once per row.
#[cfg(target_feature = "relaxed-simd")]
struct Activations {
    q: v128,
}

#[cfg(target_feature = "relaxed-simd")]
impl Activations {
    #[inline(always)]
    fn of(q16: &[u8; 16]) -> Self {
        Activations { q: load(q16) }
    }

    #[inline(always)]
    fn mac(&self, acc: v128, w16: &[u8; 16]) -> v128 {
        i32x4_relaxed_dot_i8x16_i7x16_add(load(w16), self.q, acc)
    }
}

/// `Σ w·q − 64 · Σ w` = `Σ w·(q − 64)`, the same integer as the portable kernel's.
#[cfg(target_feature = "relaxed-simd")]
#[inline(always)]
fn dot_q8(acc: v128, row: &[u8], blocks: usize, qt: &[u8], row_sum: i32) -> i32 {
    let tail_w = row.get(blocks.saturating_mul(16)..).unwrap_or_default();
    let tail = tail_w.iter().zip(qt).fold(0i32, |a, (&w, &q)| {
        a.wrapping_add(i32::from(w as i8).wrapping_mul(i32::from(q)))
    });
    lane_sum(acc)
        .wrapping_add(tail)
        .wrapping_sub(row_sum.wrapping_mul(ZERO))
}

#[inline(always)]
fn lane_sum(acc: v128) -> i32 {
    let lanes = i32x4_add(acc, i32x4_shuffle::<2, 3, 0, 1>(acc, acc));
    i32x4_extract_lane::<0>(lanes).wrapping_add(i32x4_extract_lane::<1>(lanes))
}

#[cfg(not(target_feature = "relaxed-simd"))]
#[inline(always)]
fn load_i8x8(bytes: &[u8; 8]) -> v128 {
    // SAFETY: `bytes` is 8 readable bytes; the load has no alignment requirement.
    unsafe { i16x8_load_extend_i8x8(bytes.as_ptr().cast::<i8>()) }
}

#[cfg(not(target_feature = "relaxed-simd"))]
#[inline(always)]
fn load_u8x8(bytes: &[u8; 8]) -> v128 {
    // SAFETY: as in `load_i8x8`.
    unsafe { u16x8_load_extend_u8x8(bytes.as_ptr()) }
}

/// Against the portable kernel, bit for bit, int8 and f32, on every shape class: four-row
/// blocks with 1–3 row tails, whole and partial 8-, 16- and 32-column blocks, rows shorter
/// than any block. Runs in Node (wasm32-wasip1 built with `+simd128`, `scripts/cross-check.sh`).
#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::super::test_data::lcg;
    use super::super::{Kernel, quantize};
    use super::*;

    #[test]
    fn simd128_is_the_kernel_this_build_picks() {
        assert_eq!(Kernel::detect(), Kernel::Simd128);
        let name = if cfg!(target_feature = "relaxed-simd") {
            "wasm-relaxed-simd"
        } else {
            "wasm-simd128"
        };
        assert_eq!(Kernel::detect().name(), name);
    }

    #[test]
    fn products_are_bit_identical_to_the_portable_kernel() {
        let mut next = lcg(11);
        let mut unit = || (next() % 20_001) as f32 * 1e-4 - 1.0;
        let mut next = lcg(12);
        for rows in [1usize, 2, 3, 4, 5, 7, 8, 9, 13, 85, 768] {
            for cols in [1usize, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 42, 64, 67, 256] {
                let x: Vec<f32> = (0..cols).map(|_| unit()).collect();
                let y0: Vec<f32> = (0..rows).map(|i| i as f32 * 0.25 - 3.0).collect();

                let wf: Vec<u8> = (0..rows * cols)
                    .flat_map(|_| unit().to_le_bytes())
                    .collect();
                let (mut a, mut b) = (y0.clone(), y0.clone());
                portable::matvec_f32(&wf, &x, &mut a);
                matvec_f32(&wf, &x, &mut b);
                for (i, (p, s)) in a.iter().zip(&b).enumerate() {
                    assert_eq!(p.to_bits(), s.to_bits(), "f32 {rows}x{cols} row {i}");
                }

                let w8: Vec<u8> = (0..rows * cols)
                    .map(|_| ((next() % 255) as i32 - 127) as i8 as u8)
                    .collect();
                let scales: Vec<u8> = (0..rows)
                    .flat_map(|_| (1e-3 + (next() % 1000) as f32 * 1e-5).to_le_bytes())
                    .collect();
                let mut q = std::vec![0u8; cols];
                let quantize::Scale::Of(sx) = quantize::quantize(&x, &mut q) else {
                    panic!("random x has a scale")
                };
                let (mut a, mut b) = (y0.clone(), y0);
                #[allow(unused_mut)]
                let mut sums = std::vec![0i32; rows];
                #[cfg(quill_row_sums)]
                portable::row_sums(&w8, cols, &mut sums);
                portable::matvec_q8(&w8, &scales, &q, sx, &mut a);
                matvec_q8(&w8, &scales, &sums, &q, sx, &mut b);
                for (i, (p, s)) in a.iter().zip(&b).enumerate() {
                    assert_eq!(p.to_bits(), s.to_bits(), "int8 {rows}x{cols} row {i}");
                }
            }
        }
    }
}
