//! AVX2 + FMA kernels for x86_64, four weight rows per pass so each load of `x` feeds four
//! FMAs. Weights are read with unaligned loads straight from the model bytes (x86 is
//! little-endian, the file's byte order).

// Index and pointer arithmetic here is bounded by the length checks at the safe entry points
// (rows × cols × size == data length, checked without overflow), so the lints are off for it.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use core::arch::x86_64::*;

cpufeatures::new!(avx2_fma, "avx2", "fma");

/// Proof that AVX2 and FMA were detected on this CPU: the only way to reach the
/// `#[target_feature]` functions below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avx2Token(());

impl Avx2Token {
    pub(super) fn detect() -> Option<Self> {
        avx2_fma::get().then_some(Avx2Token(()))
    }

    pub(super) fn matvec_f32(self, w: &[u8], x: &[f32], y: &mut [f32]) {
        if Some(w.len()) != x.len().checked_mul(y.len()).and_then(|n| n.checked_mul(4)) {
            return;
        }
        // SAFETY: the token exists only if the CPU has AVX2 and FMA, and the lengths were
        // checked above: w holds y.len() rows of x.len() f32.
        unsafe { matvec_f32_avx2(w, x, y) }
    }

    pub(super) fn matvec_i8(self, w: &[u8], scales: &[u8], x: &[f32], y: &mut [f32]) {
        if Some(w.len()) != x.len().checked_mul(y.len())
            || Some(scales.len()) != y.len().checked_mul(4)
        {
            return;
        }
        // SAFETY: as above; w holds y.len() rows of x.len() i8, scales y.len() f32.
        unsafe { matvec_i8_avx2(w, scales, x, y) }
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    // Same pairwise tree as the portable sum8: (a0+a4, a1+a5, a2+a6, a3+a7) then halves.
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0b01));
    _mm_cvtss_f32(s)
}

#[target_feature(enable = "avx2,fma")]
unsafe fn matvec_f32_avx2(w: &[u8], x: &[f32], y: &mut [f32]) {
    let cols = x.len();
    let c8 = cols & !7;
    let wp = w.as_ptr().cast::<f32>();
    let xp = x.as_ptr();
    let rows = y.len();
    let mut r = 0;
    // SAFETY (whole body): row r occupies w[r*cols*4 .. (r+1)*cols*4), r < rows, and every
    // column index is < cols, so each pointer stays inside `w` or `x`.
    unsafe {
        while r + 4 <= rows {
            let w0 = wp.add(r * cols);
            let (w1, w2, w3) = (w0.add(cols), w0.add(2 * cols), w0.add(3 * cols));
            let (mut a0, mut a1, mut a2, mut a3) = (
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
            );
            let mut c = 0;
            while c < c8 {
                let xv = _mm256_loadu_ps(xp.add(c));
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0.add(c)), xv, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1.add(c)), xv, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2.add(c)), xv, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3.add(c)), xv, a3);
                c += 8;
            }
            let mut s = [hsum(a0), hsum(a1), hsum(a2), hsum(a3)];
            while c < cols {
                let xv = *xp.add(c);
                s[0] += w0.add(c).read_unaligned() * xv;
                s[1] += w1.add(c).read_unaligned() * xv;
                s[2] += w2.add(c).read_unaligned() * xv;
                s[3] += w3.add(c).read_unaligned() * xv;
                c += 1;
            }
            let yp = y.as_mut_ptr().add(r);
            for (k, v) in s.into_iter().enumerate() {
                *yp.add(k) += v;
            }
            r += 4;
        }
        while r < rows {
            let w0 = wp.add(r * cols);
            let mut a0 = _mm256_setzero_ps();
            let mut c = 0;
            while c < c8 {
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0.add(c)), _mm256_loadu_ps(xp.add(c)), a0);
                c += 8;
            }
            let mut s = hsum(a0);
            while c < cols {
                s += w0.add(c).read_unaligned() * *xp.add(c);
                c += 1;
            }
            *y.as_mut_ptr().add(r) += s;
            r += 1;
        }
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load8_i8(p: *const u8) -> __m256 {
    // SAFETY: caller guarantees 8 readable bytes at p.
    unsafe { _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(p.cast()))) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn matvec_i8_avx2(w: &[u8], scales: &[u8], x: &[f32], y: &mut [f32]) {
    let cols = x.len();
    let c8 = cols & !7;
    let wp = w.as_ptr();
    let sp = scales.as_ptr().cast::<f32>();
    let xp = x.as_ptr();
    let rows = y.len();
    let mut r = 0;
    // SAFETY (whole body): row r occupies w[r*cols .. (r+1)*cols), its scale sp[r]; r < rows and
    // every column index is < cols.
    unsafe {
        while r + 4 <= rows {
            let w0 = wp.add(r * cols);
            let (w1, w2, w3) = (w0.add(cols), w0.add(2 * cols), w0.add(3 * cols));
            let (mut a0, mut a1, mut a2, mut a3) = (
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
            );
            let mut c = 0;
            while c < c8 {
                let xv = _mm256_loadu_ps(xp.add(c));
                a0 = _mm256_fmadd_ps(load8_i8(w0.add(c)), xv, a0);
                a1 = _mm256_fmadd_ps(load8_i8(w1.add(c)), xv, a1);
                a2 = _mm256_fmadd_ps(load8_i8(w2.add(c)), xv, a2);
                a3 = _mm256_fmadd_ps(load8_i8(w3.add(c)), xv, a3);
                c += 8;
            }
            let mut s = [hsum(a0), hsum(a1), hsum(a2), hsum(a3)];
            while c < cols {
                let xv = *xp.add(c);
                for (k, sk) in s.iter_mut().enumerate() {
                    *sk += f32::from(*w0.add(k * cols + c) as i8) * xv;
                }
                c += 1;
            }
            let yp = y.as_mut_ptr().add(r);
            for (k, v) in s.into_iter().enumerate() {
                *yp.add(k) += v * sp.add(r + k).read_unaligned();
            }
            r += 4;
        }
        while r < rows {
            let w0 = wp.add(r * cols);
            let mut a0 = _mm256_setzero_ps();
            let mut c = 0;
            while c < c8 {
                a0 = _mm256_fmadd_ps(load8_i8(w0.add(c)), _mm256_loadu_ps(xp.add(c)), a0);
                c += 8;
            }
            let mut s = hsum(a0);
            while c < cols {
                s += f32::from(*w0.add(c) as i8) * *xp.add(c);
                c += 1;
            }
            *y.as_mut_ptr().add(r) += s * sp.add(r).read_unaligned();
            r += 1;
        }
    }
}
