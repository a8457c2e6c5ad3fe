//! AVX2 + FMA kernels for x86_64, four weight rows per pass so each load of `x` feeds four
//! FMAs. Weights are read with unaligned loads straight from the model bytes (x86 is
//! little-endian, the file's byte order).

// Index and pointer arithmetic here is bounded by the length checks at the safe entry points
// (rows × cols × size == data length, checked without overflow), so the lints are off for it.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use core::arch::x86_64::*;

use crate::math::{self, EXP_MAX, EXP_MIN, LN2_HI, LN2_LO, LOG2E, P0, P1, P2, P3, ROUND};

cpufeatures::new!(avx2_fma, "avx2", "fma");

/// Proof that AVX2 and FMA were detected on this CPU: the only way to reach the
/// `#[target_feature]` functions below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avx2Token(());

impl Avx2Token {
    pub(super) fn detect() -> Option<Self> {
        avx2_fma::get().then_some(Avx2Token(()))
    }

    /// Runs `f` compiled for AVX2 + FMA, so the loops it inlines (the gate math, written once
    /// in `cell.rs` with `#[inline(always)]`) vectorise 8 wide.
    #[inline(always)]
    pub(crate) fn vectorized<R>(self, f: impl FnOnce() -> R) -> R {
        #[target_feature(enable = "avx2,fma")]
        fn run<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the token exists only if the CPU has AVX2 and FMA.
        unsafe { run(f) }
    }

    pub(super) fn matvec_f32(self, w: &[u8], x: &[f32], y: &mut [f32]) {
        if Some(w.len()) != x.len().checked_mul(y.len()).and_then(|n| n.checked_mul(4)) {
            return;
        }
        // SAFETY: the token exists only if the CPU has AVX2 and FMA, and the lengths were
        // checked above: w holds y.len() rows of x.len() f32.
        unsafe { matvec_f32_avx2(w, x, y) }
    }

    pub(super) fn matvec_q8(
        self,
        w: &[u8],
        scales: &[u8],
        sums: &[i32],
        q: &[u8],
        sx: f32,
        y: &mut [f32],
    ) {
        if Some(w.len()) != q.len().checked_mul(y.len())
            || Some(scales.len()) != y.len().checked_mul(4)
            || sums.len() != y.len()
        {
            return;
        }
        // SAFETY: as above; w holds y.len() rows of q.len() i8, scales y.len() f32, sums y.len().
        unsafe { matvec_q8_avx2(w, scales, sums, q, sx, y) }
    }
}

impl Avx2Token {
    /// `v ← σ(v)`: 8 at a time with FMA, the last `len % 8` by the scalar formula.
    pub(super) fn sigmoid(self, v: &mut [f32]) {
        // SAFETY: the token exists only if the CPU has AVX2 and FMA.
        unsafe { sigmoid_avx2(v) }
    }

    /// `v ← tanh(v)`, as [`sigmoid`](Self::sigmoid).
    pub(super) fn tanh(self, v: &mut [f32]) {
        // SAFETY: as above.
        unsafe { tanh_avx2(v) }
    }
}

#[target_feature(enable = "avx2,fma")]
fn sigmoid_avx2(v: &mut [f32]) {
    let (blocks, tail) = v.as_chunks_mut::<8>();
    for b in blocks {
        // SAFETY: b is 8 f32.
        unsafe { _mm256_storeu_ps(b.as_mut_ptr(), sigmoid8(_mm256_loadu_ps(b.as_ptr()))) };
    }
    tail.iter_mut().for_each(|x| *x = math::sigmoid(*x));
}

#[target_feature(enable = "avx2,fma")]
fn tanh_avx2(v: &mut [f32]) {
    let (blocks, tail) = v.as_chunks_mut::<8>();
    for b in blocks {
        // SAFETY: b is 8 f32.
        unsafe { _mm256_storeu_ps(b.as_mut_ptr(), tanh8(_mm256_loadu_ps(b.as_ptr()))) };
    }
    tail.iter_mut().for_each(|x| *x = math::tanh(*x));
}

/// `math::exp`, 8 wide, with fused multiply-adds.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn exp8(x: __m256) -> __m256 {
    let set = _mm256_set1_ps;
    // max/min return their second operand when one is NaN: the NaN passes through.
    let x = _mm256_min_ps(set(EXP_MAX), _mm256_max_ps(set(EXP_MIN), x));
    let t = _mm256_fmadd_ps(x, set(LOG2E), set(ROUND));
    let n = _mm256_sub_ps(t, set(ROUND));
    let r = _mm256_fnmadd_ps(n, set(LN2_HI), x);
    let r = _mm256_fnmadd_ps(n, set(LN2_LO), r);
    let r2 = _mm256_mul_ps(r, r);
    let lo = _mm256_fmadd_ps(set(P1), r, set(P0));
    let hi = _mm256_fmadd_ps(set(P3), r, set(P2));
    let p = _mm256_fmadd_ps(r2, hi, lo);
    let er = _mm256_fmadd_ps(r2, p, _mm256_add_ps(set(1.0), r));
    // t's bits are 0x4B40_0000 + n; 2^n's are (n + 127) << 23.
    let bits = _mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127 - 0x4B40_0000));
    _mm256_mul_ps(er, _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23)))
}

/// `math::sigmoid`, 8 wide: 1 / (1 + e^-x).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn sigmoid8(x: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    let e = exp8(_mm256_xor_ps(x, _mm256_set1_ps(-0.0)));
    _mm256_div_ps(one, _mm256_add_ps(one, e))
}

/// `math::tanh`, 8 wide: 1 − 2 / (e^2x + 1).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn tanh8(x: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    let e = exp8(_mm256_add_ps(x, x));
    _mm256_sub_ps(
        one,
        _mm256_div_ps(_mm256_set1_ps(2.0), _mm256_add_ps(e, one)),
    )
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
    // SAFETY: (the whole body) row r occupies w[r*cols*4 .. (r+1)*cols*4), r < rows, and every
    // column index is < cols, so each pointer stays inside `w` or `x`.
    unsafe {
        // Short rows (an embedding-wide input, a small model): eight rows per pass, their sums
        // reduced together and added as one vector, and the columns past the last whole block
        // of 8 as one more block ending at the last column with the repeated columns' x zeroed
        // (weights are validated finite, so those lanes add exactly 0). With a horizontal sum
        // and a scalar tail per row, a 42-wide input cost as much as a 256-wide one.
        if (8..64).contains(&cols) {
            let rem = cols - c8;
            let last = cols - 8;
            let fresh = _mm256_castsi256_ps(_mm256_cmpgt_epi32(
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                _mm256_set1_epi32(7 - rem as i32),
            ));
            let x_last = _mm256_and_ps(_mm256_loadu_ps(xp.add(last)), fresh);
            while r + 8 <= rows {
                let w0 = wp.add(r * cols);
                let mut acc = [_mm256_setzero_ps(); 8];
                let mut c = 0;
                while c < c8 {
                    let xv = _mm256_loadu_ps(xp.add(c));
                    for (k, a) in acc.iter_mut().enumerate() {
                        *a = _mm256_fmadd_ps(_mm256_loadu_ps(w0.add(k * cols + c)), xv, *a);
                    }
                    c += 8;
                }
                if rem != 0 {
                    for (k, a) in acc.iter_mut().enumerate() {
                        *a = _mm256_fmadd_ps(_mm256_loadu_ps(w0.add(k * cols + last)), x_last, *a);
                    }
                }
                let yp = y.as_mut_ptr().add(r);
                _mm256_storeu_ps(yp, _mm256_add_ps(_mm256_loadu_ps(yp), reduce8_ps(acc)));
                r += 8;
            }
        }
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
            // The next four rows, one cache line per row per 16 columns: weights past L2
            // stream from L3, and asking early keeps more lines in flight than the hardware
            // prefetcher does (−15 % on LSTM 1×256's 1 MB W_hh). Prefetches never fault, so
            // running past the last row is harmless; `wrapping_add` keeps the address math
            // defined there.
            let next = w0.wrapping_add(4 * cols);
            while c < c8 {
                if c % 16 == 0 {
                    for k in 0..4 {
                        _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(k * cols + c).cast());
                    }
                }
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

/// The lane sums of eight f32 accumulators, as one vector (lane k = Σ of `a[k]`).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn reduce8_ps(a: [__m256; 8]) -> __m256 {
    let t0 = _mm256_hadd_ps(a[0], a[1]);
    let t1 = _mm256_hadd_ps(a[2], a[3]);
    let t2 = _mm256_hadd_ps(a[4], a[5]);
    let t3 = _mm256_hadd_ps(a[6], a[7]);
    let u0 = _mm256_hadd_ps(t0, t1);
    let u1 = _mm256_hadd_ps(t2, t3);
    _mm256_add_ps(
        _mm256_permute2f128_ps(u0, u1, 0x20),
        _mm256_permute2f128_ps(u0, u1, 0x31),
    )
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum_i32(v: __m256i) -> i32 {
    let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b00_00_11_10));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b00_00_00_01));
    _mm_cvtsi128_si32(s)
}

/// The lane sums of eight accumulators, as one vector (lane k = Σ of `a[k]`).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn reduce8(a: [__m256i; 8]) -> __m256i {
    let t0 = _mm256_hadd_epi32(a[0], a[1]);
    let t1 = _mm256_hadd_epi32(a[2], a[3]);
    let t2 = _mm256_hadd_epi32(a[4], a[5]);
    let t3 = _mm256_hadd_epi32(a[6], a[7]);
    // Per 128-bit half: [Σa0, Σa1, Σa2, Σa3] (low) and the same for a4..a7.
    let u0 = _mm256_hadd_epi32(t0, t1);
    let u1 = _mm256_hadd_epi32(t2, t3);
    _mm256_add_epi32(
        _mm256_permute2x128_si256(u0, u1, 0x20),
        _mm256_permute2x128_si256(u0, u1, 0x31),
    )
}

/// Σ over 32 columns of w·q into eight i32 lanes, `q` unsigned (offset 7-bit activations,
/// ≤ 127) and `w` signed: `maddubs` pair sums are at most 2·127·127 = 32258 (the format rejects
/// −128), clear of its i16 saturation, and `madd` by 1 widens them to i32.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn dot32(acc: __m256i, w: __m256i, q: __m256i) -> __m256i {
    let pairs = _mm256_maddubs_epi16(q, w);
    _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
}

#[target_feature(enable = "avx2,fma")]
unsafe fn matvec_q8_avx2(w: &[u8], scales: &[u8], sums: &[i32], q: &[u8], sx: f32, y: &mut [f32]) {
    let cols = q.len();
    let c32 = cols & !31;
    let wp = w.as_ptr();
    let sp = scales.as_ptr().cast::<f32>();
    let qp = q.as_ptr();
    let rows = y.len();
    // Σ w·q over the columns past the last whole block of 32.
    let tail = |row: *const u8, acc: i32, c: usize| -> i32 {
        let mut acc = acc;
        for k in c..cols {
            // SAFETY: k < cols and row points at a row of cols bytes.
            let (wk, qk) = unsafe { (*row.add(k) as i8, *qp.add(k)) };
            acc += i32::from(wk) * i32::from(qk);
        }
        acc
    };
    // Σ w·(q − 64) = Σ w·q − 64·Σ w: exact in i32 (see `portable::dot_q8` for the bound).
    let unoffset = |dot: i32, r: usize| dot - (sums[r] << 6);
    let mut r = 0;
    // SAFETY: (the whole body) row r occupies w[r*cols .. (r+1)*cols), its scale sp[r]; r < rows and
    // every 32-byte load starts at a column c ≤ c32 − 32 of a row or of q.
    unsafe {
        // Eight rows per pass: each load of q feeds eight rows, and the eight sums are reduced
        // together and scaled, added and stored as one vector.
        let sxv = _mm256_set1_ps(sx);
        // Columns past the last whole block (e.g. a 42-wide embedding's last 10) are one more
        // block ending at the last column, its q zeroed where the previous block already went.
        let rem = cols - c32;
        let last = cols.wrapping_sub(32);
        let fresh = _mm256_cmpgt_epi8(
            _mm256_setr_epi8(
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27, 28, 29, 30, 31,
            ),
            _mm256_set1_epi8(31 - rem as i8),
        );
        while r + 8 <= rows && cols >= 32 {
            let w0 = wp.add(r * cols);
            let mut acc = [_mm256_setzero_si256(); 8];
            let mut c = 0;
            // The next eight rows' lines, as in the f32 kernel (for weights beyond L2).
            let next = w0.wrapping_add(8 * cols);
            while c < c32 {
                if c % 64 == 0 {
                    for k in 0..8 {
                        _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(k * cols + c).cast());
                    }
                }
                let qv = _mm256_loadu_si256(qp.add(c).cast());
                for (k, a) in acc.iter_mut().enumerate() {
                    *a = dot32(*a, _mm256_loadu_si256(w0.add(k * cols + c).cast()), qv);
                }
                c += 32;
            }
            if rem != 0 {
                // `last` = cols − 32 ≥ 0 here, so these loads stay inside each row and q.
                let qv = _mm256_and_si256(_mm256_loadu_si256(qp.add(last).cast()), fresh);
                for (k, a) in acc.iter_mut().enumerate() {
                    *a = dot32(*a, _mm256_loadu_si256(w0.add(k * cols + last).cast()), qv);
                }
            }
            let offset = _mm256_slli_epi32(_mm256_loadu_si256(sums.as_ptr().add(r).cast()), 6);
            let dots = _mm256_cvtepi32_ps(_mm256_sub_epi32(reduce8(acc), offset));
            let scale = _mm256_mul_ps(_mm256_loadu_ps(sp.add(r)), sxv);
            let yp = y.as_mut_ptr().add(r);
            _mm256_storeu_ps(
                yp,
                _mm256_add_ps(_mm256_loadu_ps(yp), _mm256_mul_ps(dots, scale)),
            );
            r += 8;
        }
        while r + 4 <= rows {
            let w0 = wp.add(r * cols);
            let (w1, w2, w3) = (w0.add(cols), w0.add(2 * cols), w0.add(3 * cols));
            let mut acc = [_mm256_setzero_si256(); 4];
            let mut c = 0;
            while c < c32 {
                let qv = _mm256_loadu_si256(qp.add(c).cast());
                acc[0] = dot32(acc[0], _mm256_loadu_si256(w0.add(c).cast()), qv);
                acc[1] = dot32(acc[1], _mm256_loadu_si256(w1.add(c).cast()), qv);
                acc[2] = dot32(acc[2], _mm256_loadu_si256(w2.add(c).cast()), qv);
                acc[3] = dot32(acc[3], _mm256_loadu_si256(w3.add(c).cast()), qv);
                c += 32;
            }
            for (k, (a, row)) in acc.into_iter().zip([w0, w1, w2, w3]).enumerate() {
                let dot = unoffset(tail(row, hsum_i32(a), c), r + k);
                *y.as_mut_ptr().add(r + k) += dot as f32 * (sp.add(r + k).read_unaligned() * sx);
            }
            r += 4;
        }
        while r < rows {
            let w0 = wp.add(r * cols);
            let mut a0 = _mm256_setzero_si256();
            let mut c = 0;
            while c < c32 {
                let qv = _mm256_loadu_si256(qp.add(c).cast());
                a0 = dot32(a0, _mm256_loadu_si256(w0.add(c).cast()), qv);
                c += 32;
            }
            let dot = unoffset(tail(w0, hsum_i32(a0), c), r);
            *y.as_mut_ptr().add(r) += dot as f32 * (sp.add(r).read_unaligned() * sx);
            r += 1;
        }
    }
}
