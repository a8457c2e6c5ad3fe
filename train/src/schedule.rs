//! Learning-rate schedules: constant, and SGDR (cosine annealing with warm restarts, as the
//! lesson's `CosAnneal(cycle_mult=2)`): within cycle k, of `cycle_len · cycle_mult^k` epochs,
//! `lr(t) = max_lr / 2 · (1 + cos(π t / T_k))`, restarting at `max_lr` each cycle.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    Constant {
        lr: f64,
    },
    Sgdr {
        max_lr: f64,
        steps_per_epoch: usize,
        cycle_len: usize,
        cycle_mult: usize,
    },
}

impl Schedule {
    /// The learning rate of optimiser step `step` (0-based).
    pub fn lr(&self, step: usize) -> f64 {
        match *self {
            Schedule::Constant { lr } => lr,
            Schedule::Sgdr { max_lr, .. } => {
                let (t, len, _) = self.position(step);
                max_lr / 2.0 * (1.0 + (std::f64::consts::PI * t as f64 / len as f64).cos())
            }
        }
    }

    /// Whether `step` is the last step of an SGDR cycle (the model is saved there).
    pub fn is_cycle_end(&self, step: usize) -> bool {
        match self {
            Schedule::Constant { .. } => false,
            Schedule::Sgdr { .. } => {
                let (t, len, _) = self.position(step);
                t + 1 == len
            }
        }
    }

    /// Epochs needed to finish `cycles` whole cycles; `None` when that overflows.
    pub fn epochs_for_cycles(cycle_len: usize, cycle_mult: usize, cycles: usize) -> Option<usize> {
        let (mut total, mut len) = (0usize, cycle_len);
        for k in 0..cycles {
            if k > 0 {
                len = len.checked_mul(cycle_mult)?;
            }
            total = total.checked_add(len)?;
        }
        Some(total)
    }

    /// (step within its cycle, cycle length in steps, cycle index).
    fn position(&self, step: usize) -> (usize, usize, usize) {
        let Schedule::Sgdr {
            steps_per_epoch,
            cycle_len,
            cycle_mult,
            ..
        } = *self
        else {
            return (step, usize::MAX, 0);
        };
        let mut len = (cycle_len * steps_per_epoch).max(1);
        let (mut start, mut k) = (0, 0);
        while step >= start + len {
            start += len;
            len = len.saturating_mul(cycle_mult.max(1));
            k += 1;
        }
        (step - start, len, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn sgdr_matches_the_closed_form() {
        let s = Schedule::Sgdr {
            max_lr: 1e-2,
            steps_per_epoch: 10,
            cycle_len: 1,
            cycle_mult: 2,
        };
        // Cycles of 10, 20, 40 steps.
        let closed = |t: f64, len: f64| 1e-2 / 2.0 * (1.0 + (PI * t / len).cos());
        for step in 0..70 {
            let (t, len) = match step {
                0..=9 => (step, 10),
                10..=29 => (step - 10, 20),
                _ => (step - 30, 40),
            };
            assert!(
                (s.lr(step) - closed(t as f64, len as f64)).abs() < 1e-15,
                "step {step}"
            );
        }
        assert_eq!(s.lr(0), 1e-2);
        assert_eq!(s.lr(10), 1e-2);
        assert!(s.lr(9) < 1e-3);
        let ends: Vec<usize> = (0..70).filter(|&i| s.is_cycle_end(i)).collect();
        assert_eq!(ends, vec![9, 29, 69]);
        assert_eq!(Schedule::epochs_for_cycles(1, 2, 3), Some(7));
        assert_eq!(Schedule::epochs_for_cycles(1, 1000, 10), None);
    }
}
