//! WebAssembly SIMD128 kernels (`core::arch::wasm32`), for builds with
//! `-C target-feature=+simd128` (every current browser and Node runs them; a page that must
//! also serve older engines ships a second build without it and picks by `WebAssembly.validate`).
//!
//! Four rows per pass, so each activation vector is loaded and widened once for four rows.
//! - int8: the 7-bit activations are centred (`q − 64`, which fits `i8`) and widened to `i16`
//!   once per 16 columns; each weight row is widened `i8 → i16` and multiplied with
//!   `i32x4.dot_i16x8_s` (`pmaddwd` on x86, `smull`+`addp` on ARM). The sums are exact `i32`s,
//!   the same integers the portable kernel computes, and the final float expression is the
//!   same, so the products agree bit for bit.
//! - f32: two `f32x4` accumulators per row are exactly the portable kernel's eight
//!   (`acc[j] += w·x` for column `8k + j`, a multiply then an add: SIMD128 has no fused
//!   multiply-add outside relaxed-simd), summed in the same tree, then the same scalar tail:
//!   also bit for bit.
//!
//! The SIMD intrinsics are safe to call here: the whole module only exists when the build
//! enables `simd128`. The loads are the only `unsafe`: each reads 16 bytes through a reference
//! to a 16-byte array (in bounds by its type; `v128_load` has no alignment requirement).

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
        let Some(rows) = split_rows(wb, row_bytes) else {
            break;
        };
        for (out, d) in ys.iter_mut().zip(dot_f32_rows(rows, xb, xt)) {
            *out += d;
        }
    }
    let tail = w.chunks_exact(row_bytes).skip(y4.len().saturating_mul(ROWS));
    for (row, out) in tail.zip(yt) {
        let [d] = dot_f32_rows([row], xb, xt);
        *out += d;
    }
}

/// The four rows of a block of `ROWS · row_len` bytes.
#[inline(always)]
fn split_rows(block: &[u8], row_len: usize) -> Option<[&[u8]; ROWS]> {
    let mut rows = block.chunks_exact(row_len);
    Some([rows.next()?, rows.next()?, rows.next()?, rows.next()?])
}

/// The portable kernel's dot product for `N` rows at once, bit for bit.
#[inline(always)]
fn dot_f32_rows<const N: usize>(rows: [&[u8]; N], xb: &[[f32; 8]], xt: &[f32]) -> [f32; N] {
    let mut lo = [f32x4_splat(0.0); N];
    let mut hi = [f32x4_splat(0.0); N];
    let blocks = rows.map(|r| r.as_chunks::<32>().0);
    for (k, x8) in xb.iter().enumerate() {
        let x_lo = f32x4(x8[0], x8[1], x8[2], x8[3]);
        let x_hi = f32x4(x8[4], x8[5], x8[6], x8[7]);
        for ((l, h), b) in lo.iter_mut().zip(hi.iter_mut()).zip(&blocks) {
            let Some(w) = b.get(k) else { continue };
            let (w16, _) = w.as_chunks::<16>();
            let (Some(w_lo), Some(w_hi)) = (w16.first(), w16.get(1)) else {
                continue;
            };
            *l = f32x4_add(*l, f32x4_mul(load(w_lo), x_lo));
            *h = f32x4_add(*h, f32x4_mul(load(w_hi), x_hi));
        }
    }
    let mut out = [0f32; N];
    for (((o, l), h), row) in out.iter_mut().zip(lo).zip(hi).zip(rows) {
        // ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)), the portable `sum8` tree.
        let c = f32x4_add(l, h);
        let d = f32x4_add(c, i32x4_shuffle::<2, 3, 0, 1>(c, c));
        let sum = f32x4_extract_lane::<0>(d) + f32x4_extract_lane::<1>(d);
        let tail_w = row.get(xb.len().saturating_mul(32)..).unwrap_or_default();
        let mut tail = 0.0;
        for (w, xv) in tail_w.as_chunks::<4>().0.iter().zip(xt) {
            tail += f32::from_le_bytes(*w) * xv;
        }
        *o = sum + tail;
    }
    out
}

/// `y += (W·(q − 64)) · scale_row · sx` over int8 weights and offset 7-bit activations `q`.
pub(super) fn matvec_q8(w: &[u8], scales: &[u8], q: &[u8], sx: f32, y: &mut [f32]) {
    let cols = q.len().max(1);
    let (scales, _) = scales.as_chunks::<4>();
    let (qb, qt) = q.as_chunks::<16>();
    let offset = i8x16_splat(ZERO as i8);
    let finish = |out: &mut f32, dot: i32, s: &[u8; 4]| {
        *out += dot as f32 * (f32::from_le_bytes(*s) * sx);
    };
    let (y4, yt) = y.as_chunks_mut::<ROWS>();
    let (s4, _) = scales.as_chunks::<ROWS>();
    let blocks = w.chunks_exact(cols.saturating_mul(ROWS));
    for ((wb, ys), ss) in blocks.zip(y4.iter_mut()).zip(s4) {
        let Some(rows) = split_rows(wb, cols) else {
            break;
        };
        let dots = dot_q8_rows(rows, qb, qt, offset);
        for ((out, dot), s) in ys.iter_mut().zip(dots).zip(ss) {
            finish(out, dot, s);
        }
    }
    let done = y4.len().saturating_mul(ROWS);
    let tail = w.chunks_exact(cols).zip(scales).skip(done);
    for ((row, s), out) in tail.zip(yt) {
        let [dot] = dot_q8_rows([row], qb, qt, offset);
        finish(out, dot, s);
    }
}

/// Σ w·(q − 64) for `N` rows, exact in `i32` (see `portable::dot_q8` for the bound).
#[inline(always)]
fn dot_q8_rows<const N: usize>(
    rows: [&[u8]; N],
    qb: &[[u8; 16]],
    qt: &[u8],
    offset: v128,
) -> [i32; N] {
    let mut acc = [i32x4_splat(0); N];
    let blocks = rows.map(|r| r.as_chunks::<16>().0);
    for (k, q16) in qb.iter().enumerate() {
        let a = i8x16_sub(load(q16), offset); // −63..=63
        let (a_lo, a_hi) = (i16x8_extend_low_i8x16(a), i16x8_extend_high_i8x16(a));
        for (s, b) in acc.iter_mut().zip(&blocks) {
            let Some(w16) = b.get(k) else { continue };
            let w = load(w16);
            let lo = i32x4_dot_i16x8(i16x8_extend_low_i8x16(w), a_lo);
            let hi = i32x4_dot_i16x8(i16x8_extend_high_i8x16(w), a_hi);
            *s = i32x4_add(*s, i32x4_add(lo, hi));
        }
    }
    let mut out = [0i32; N];
    for ((o, s), row) in out.iter_mut().zip(acc).zip(rows) {
        let lanes = i32x4_add(s, i32x4_shuffle::<2, 3, 0, 1>(s, s));
        let sum = i32x4_extract_lane::<0>(lanes).wrapping_add(i32x4_extract_lane::<1>(lanes));
        let tail_w = row.get(qb.len().saturating_mul(16)..).unwrap_or_default();
        *o = sum.wrapping_add(portable::dot_q8(tail_w, qt));
    }
    out
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

    use super::super::{Kernel, quantize};
    use super::*;

    fn lcg(seed: u64) -> impl FnMut() -> u32 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 33) as u32
        }
    }

    #[test]
    fn simd128_is_the_kernel_this_build_picks() {
        assert_eq!(Kernel::detect(), Kernel::Simd128);
        assert_eq!(Kernel::detect().name(), "wasm-simd128");
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

                let wf: Vec<u8> = (0..rows * cols).flat_map(|_| unit().to_le_bytes()).collect();
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
                portable::matvec_q8(&w8, &scales, &q, sx, &mut a);
                matvec_q8(&w8, &scales, &q, sx, &mut b);
                for (i, (p, s)) in a.iter().zip(&b).enumerate() {
                    assert_eq!(p.to_bits(), s.to_bits(), "int8 {rows}x{cols} row {i}");
                }
            }
        }
    }
}
