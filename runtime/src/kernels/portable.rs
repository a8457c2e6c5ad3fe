//! Portable kernels. Eight independent accumulators per row let LLVM vectorise the dot product
//! without reassociating floating-point sums.

use super::quantize::ZERO;

pub(super) fn matvec_f32(w: &[u8], x: &[f32], y: &mut [f32]) {
    let row_bytes = x.len().saturating_mul(4).max(1);
    for (row, out) in w.chunks_exact(row_bytes).zip(y.iter_mut()) {
        *out += dot_f32(row, x);
    }
}

/// int8 weights × offset 7-bit activations `q` (scale `sx`), exact `i32` dot products.
pub(super) fn matvec_q8(w: &[u8], scales: &[u8], q: &[u8], sx: f32, y: &mut [f32]) {
    let (scales, _) = scales.as_chunks::<4>();
    for ((row, s), out) in w.chunks_exact(q.len().max(1)).zip(scales).zip(y.iter_mut()) {
        *out += dot_q8(row, q) as f32 * (f32::from_le_bytes(*s) * sx);
    }
}

#[inline(always)]
fn dot_f32(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (wb, wt) = row.as_chunks::<32>();
    let (xb, xt) = x.as_chunks::<8>();
    for (w8, x8) in wb.iter().zip(xb) {
        let (w4, _) = w8.as_chunks::<4>();
        for ((a, w), xv) in acc.iter_mut().zip(w4).zip(x8) {
            *a += f32::from_le_bytes(*w) * xv;
        }
    }
    sum8(acc) + dot_f32_tail(wt, xt)
}

/// The columns after the last whole block of 8, in order: the tail every f32 kernel that
/// matches this one bit for bit adds last.
#[inline(always)]
pub(super) fn dot_f32_tail(w: &[u8], x: &[f32]) -> f32 {
    let mut tail = 0.0;
    for (w, xv) in w.as_chunks::<4>().0.iter().zip(x) {
        tail += f32::from_le_bytes(*w) * xv;
    }
    tail
}

/// Σ w·(q − 64) in `i32`: |w| ≤ 128, |q − 64| ≤ 64 and at most `MAX_DIM` = 16384 columns,
/// so the sum stays below 2^27; wrapping arithmetic only keeps the lints satisfied.
#[inline(always)]
pub(super) fn dot_q8(row: &[u8], q: &[u8]) -> i32 {
    row.iter().zip(q).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(i32::from(w as i8).wrapping_mul(i32::from(x).wrapping_sub(ZERO)))
    })
}

/// Each int8 row's sum (for the kernels that subtract `64 · Σ row`; see `quill_row_sums`).
#[cfg(quill_row_sums)]
#[inline(always)]
pub(super) fn row_sums(w: &[u8], cols: usize, out: &mut [i32]) {
    for (row, o) in w.chunks_exact(cols.max(1)).zip(out.iter_mut()) {
        // |Σ| ≤ 128 · 16384 (`MAX_DIM`): no overflow; wrapping only satisfies the lints.
        *o = row
            .iter()
            .fold(0i32, |a, &b| a.wrapping_add(i32::from(b as i8)));
    }
}

/// Pairwise sum, the same tree the AVX2 horizontal sum uses.
#[inline(always)]
fn sum8(a: [f32; 8]) -> f32 {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))
}
