//! The lesson's stateful layout: the token stream cut into `bs` contiguous streams; each batch
//! takes the next `bptt` steps of every stream, so row `i` of one batch continues row `i` of the
//! batch before it and the hidden state can be carried over. Targets are inputs shifted by one.

use crate::rng::Rng;

/// One batch, row-major `[bs, len]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub bs: usize,
    pub len: usize,
    pub inputs: Vec<u32>,
    pub targets: Vec<u32>,
}

/// Batches over one epoch of a token stream.
#[derive(Clone, Debug)]
pub struct StreamBatches {
    /// `bs` streams of `stream_len` tokens each, stream-major.
    streams: Vec<u32>,
    bs: usize,
    stream_len: usize,
}

impl StreamBatches {
    /// Lays `tokens` out in `bs` streams (the tail that does not divide evenly is dropped, as
    /// fastai does). `None` if there is not enough text for one step per stream.
    pub fn new(tokens: &[u32], bs: usize) -> Option<Self> {
        let stream_len = tokens.len() / bs.max(1);
        if bs == 0 || stream_len < 2 {
            return None;
        }
        Some(StreamBatches {
            streams: tokens[..bs * stream_len].to_vec(),
            bs,
            stream_len,
        })
    }

    /// Steps of text per stream (the number of characters one epoch predicts, per stream).
    pub fn steps_per_epoch(&self) -> usize {
        self.stream_len - 1
    }

    pub fn bs(&self) -> usize {
        self.bs
    }

    /// The batch of `len` steps starting at step `pos` (clamped to the end of the streams).
    pub fn batch(&self, pos: usize, len: usize) -> Batch {
        let len = len.min(self.stream_len - 1 - pos.min(self.stream_len - 1));
        let mut inputs = Vec::with_capacity(self.bs * len);
        let mut targets = Vec::with_capacity(self.bs * len);
        for s in self.streams.chunks(self.stream_len) {
            inputs.extend_from_slice(&s[pos..pos + len]);
            targets.extend_from_slice(&s[pos + 1..pos + 1 + len]);
        }
        Batch {
            bs: self.bs,
            len,
            inputs,
            targets,
        }
    }

    /// The sequence lengths of one epoch: `bptt` each, or with fastai's jitter (95 % of the time
    /// around `bptt`, else around `bptt / 2`, spread with σ = 5, at least 5).
    pub fn epoch_lengths(&self, bptt: usize, jitter: bool, rng: &mut Rng) -> Vec<usize> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < self.steps_per_epoch() {
            let len = if jitter {
                let base = if rng.uniform() < 0.95 {
                    bptt as f64
                } else {
                    bptt as f64 / 2.0
                };
                (base + 5.0 * rng.normal()).round().max(5.0) as usize
            } else {
                bptt
            };
            let len = len.min(self.steps_per_epoch() - pos);
            out.push(len);
            pos += len;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_continue_across_batches_and_targets_shift_by_one() {
        let tokens: Vec<u32> = (0..22).collect();
        let b = StreamBatches::new(&tokens, 3).unwrap(); // streams 0..7, 7..14, 14..21
        assert_eq!(b.steps_per_epoch(), 6);
        let first = b.batch(0, 4);
        assert_eq!(first.inputs, vec![0, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 17]);
        assert_eq!(
            first.targets,
            vec![1, 2, 3, 4, 8, 9, 10, 11, 15, 16, 17, 18]
        );
        let second = b.batch(4, 4); // clamped to the 2 steps left
        assert_eq!(second.len, 2);
        assert_eq!(second.inputs, vec![4, 5, 11, 12, 18, 19]);
        assert_eq!(second.targets, vec![5, 6, 12, 13, 19, 20]);
        // Each row of the second batch starts where that row of the first ended.
        for r in 0..3 {
            assert_eq!(second.inputs[r * 2], first.targets[r * 4 + 3]);
        }
    }

    #[test]
    fn epoch_lengths_cover_the_epoch_exactly() {
        let tokens: Vec<u32> = (0..10_000).map(|i| i % 7).collect();
        let b = StreamBatches::new(&tokens, 8).unwrap();
        let mut rng = Rng::new(1);
        for jitter in [false, true] {
            let lens = b.epoch_lengths(70, jitter, &mut rng);
            assert_eq!(lens.iter().sum::<usize>(), b.steps_per_epoch());
            assert!(lens.iter().all(|&l| l >= 1));
        }
        assert!(b.epoch_lengths(70, true, &mut rng).iter().any(|&l| l != 70));
    }
}
