//! Matrix products on plain `f32` slices through the `gemm` crate, behind a safe interface:
//! every index the product can touch is checked against the slices before the call.

pub use gemm::Parallelism;

/// A read-only matrix view: `rows × cols` elements of `data` at `r·row_stride + c·col_stride`.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, as a view (no copy).
    pub fn t(self) -> Self {
        Mat {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride
                < self.data.len()
    }
}

/// `dst = a·b`, or `dst += a·b` with `accumulate`; `dst` is row-major `a.rows × b.cols`.
///
/// Panics on mismatched shapes (a bug in the caller, never input-dependent).
pub fn matmul(dst: &mut [f32], a: Mat, b: Mat, accumulate: bool, parallelism: Parallelism) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "matmul: inner dimensions differ");
    assert_eq!(dst.len(), m * n, "matmul: destination has the wrong size");
    assert!(
        a.fits() && b.fits(),
        "matmul: a view reaches past its slice"
    );
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: `dst` holds exactly m·n elements addressed row-major (column stride 1, row stride
    // n); `fits` proved that every element of `a` and `b` that gemm reads lies inside its slice;
    // the three slices cannot alias (`dst` is borrowed mutably).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: Mat, b: Mat) -> Vec<f32> {
        let at = |m: &Mat, r: usize, c: usize| m.data[r * m.row_stride + c * m.col_stride];
        let mut out = vec![0.0; a.rows * b.cols];
        for r in 0..a.rows {
            for c in 0..b.cols {
                out[r * b.cols + c] = (0..a.cols).map(|k| at(&a, r, k) * at(&b, k, c)).sum();
            }
        }
        out
    }

    #[test]
    fn products_and_transposes_match_the_definition() {
        let x: Vec<f32> = (0..35).map(|i| (i as f32 * 0.37).sin()).collect();
        let y: Vec<f32> = (0..35).map(|i| (i as f32 * 0.91).cos()).collect();
        let cases = [
            (Mat::new(&x, 5, 7), Mat::new(&y, 7, 5)),
            (Mat::new(&x, 7, 5).t(), Mat::new(&y, 7, 5)),
            (Mat::new(&x, 5, 7), Mat::new(&y, 5, 7).t()),
        ];
        for (a, b) in cases {
            let want = naive(a, b);
            let mut got = vec![1.0; want.len()];
            matmul(&mut got, a, b, false, Parallelism::None);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-5, "{g} vs {w}");
            }
            matmul(&mut got, a, b, true, Parallelism::None);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - 2.0 * w).abs() < 1e-5, "accumulate: {g} vs {}", 2.0 * w);
            }
        }
    }

    #[test]
    #[should_panic(expected = "reaches past")]
    fn a_view_larger_than_its_slice_is_refused() {
        let x = [0.0; 6];
        let mut out = [0.0; 9];
        matmul(
            &mut out,
            Mat::new(&x, 3, 3),
            Mat::new(&x, 3, 3),
            false,
            Parallelism::None,
        );
    }
}
