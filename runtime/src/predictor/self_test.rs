//! The self-test: the model run on the prime text its file recorded at export, compared with
//! the outputs the exporter saw — a model damaged in flash, or arithmetic that differs on this
//! device, is found before a person types on it.

use crate::{Error, Predictor};

impl Predictor<'_, '_> {
    /// Checks the model against the expected outputs recorded in its file at export; leaves
    /// the predictor reset.
    pub fn self_test(&mut self) -> Result<(), Error> {
        let st = *self.model.self_test().ok_or(Error::NoSelfTest)?;
        let tol = st.tolerance();
        self.reset();
        let result = (|| {
            for (step, (ch, expected)) in st.prime().chars().zip(st.expected_top1()).enumerate() {
                self.feed_char(ch);
                let found = self.argmax();
                if found != expected {
                    // Only a near-tie may flip between builds (summation order, FMA).
                    let logit = |t: u32| self.logits.get(t as usize).copied().unwrap_or(f32::NAN);
                    if !within(logit(found), logit(expected), tol) {
                        return Err(Error::SelfTestTop1 {
                            step,
                            expected,
                            found,
                        });
                    }
                }
            }
            for (index, (expected, &found)) in
                st.expected_logits().zip(self.logits.iter()).enumerate()
            {
                if !within(expected, found, tol) {
                    return Err(Error::SelfTestLogit {
                        index,
                        expected,
                        found,
                    });
                }
            }
            Ok(())
        })();
        self.reset();
        result
    }
}

/// `|a − b| ≤ tol`, false if either is NaN.
fn within(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol
}
