//! Portable kernels. Eight independent accumulators per row let LLVM vectorise the dot product
//! without reassociating floating-point sums.

pub(super) fn matvec_f32(w: &[u8], x: &[f32], y: &mut [f32]) {
    let row_bytes = x.len().saturating_mul(4).max(1);
    for (row, out) in w.chunks_exact(row_bytes).zip(y.iter_mut()) {
        *out += dot_f32(row, x);
    }
}

pub(super) fn matvec_i8(w: &[u8], scales: &[u8], x: &[f32], y: &mut [f32]) {
    let (scales, _) = scales.as_chunks::<4>();
    for ((row, s), out) in w.chunks_exact(x.len().max(1)).zip(scales).zip(y.iter_mut()) {
        *out += dot_i8(row, x) * f32::from_le_bytes(*s);
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
    let mut tail = 0.0;
    for (w, xv) in wt.as_chunks::<4>().0.iter().zip(xt) {
        tail += f32::from_le_bytes(*w) * xv;
    }
    sum8(acc) + tail
}

#[inline(always)]
fn dot_i8(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (wb, wt) = row.as_chunks::<8>();
    let (xb, xt) = x.as_chunks::<8>();
    for (w8, x8) in wb.iter().zip(xb) {
        for ((a, &w), xv) in acc.iter_mut().zip(w8).zip(x8) {
            *a += f32::from(w as i8) * xv;
        }
    }
    let mut tail = 0.0;
    for (&w, xv) in wt.iter().zip(xt) {
        tail += f32::from(w as i8) * xv;
    }
    sum8(acc) + tail
}

/// Pairwise sum, the same tree the AVX2 horizontal sum uses.
#[inline(always)]
fn sum8(a: [f32; 8]) -> f32 {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))
}
