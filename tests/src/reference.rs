//! An independent f64 implementation of PyTorch's `nn.Embedding` → `nn.RNN`/`GRU`/`LSTM` →
//! `nn.Linear`, written straight from the PyTorch documentation with plain indexing, to check
//! the runtime against.

use format::{CellKind, OwnedModel};

struct RefLayer {
    w_ih: Vec<Vec<f64>>,
    w_hh: Vec<Vec<f64>>,
    b_ih: Vec<f64>,
    b_hh: Vec<f64>,
}

pub struct Reference {
    cell: CellKind,
    hidden: usize,
    emb: Vec<Vec<f64>>,
    layers: Vec<RefLayer>,
    w_out: Vec<Vec<f64>>,
    b_out: Vec<f64>,
    h: Vec<Vec<f64>>,
    c: Vec<Vec<f64>>,
}

fn rows(t: &format::OwnedTensor) -> Vec<Vec<f64>> {
    let (_, cols) = t.shape();
    t.to_f32()
        .chunks(cols)
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect()
}
fn vector(t: &format::OwnedTensor) -> Vec<f64> {
    t.to_f32().iter().map(|&v| f64::from(v)).collect()
}
fn matvec(w: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    w.iter()
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Reference {
    /// Uses the model's weights as stored (int8 dequantised exactly as `scale * q`).
    pub fn new(m: &OwnedModel) -> Self {
        let n = m.layers.len();
        let layers = m
            .layers
            .iter()
            .map(|l| RefLayer {
                w_ih: rows(&l.weight_ih),
                w_hh: rows(&l.weight_hh),
                b_ih: vector(&l.bias_ih),
                b_hh: vector(&l.bias_hh),
            })
            .collect();
        let hidden = m.arch.hidden as usize;
        Reference {
            cell: m.arch.cell,
            hidden,
            emb: rows(&m.embedding),
            layers,
            w_out: rows(&m.output_weight),
            b_out: vector(&m.output_bias),
            h: vec![vec![0.0; hidden]; n],
            c: vec![vec![0.0; hidden]; n],
        }
    }

    /// Feeds one token and returns the logits for the next.
    pub fn step(&mut self, token: usize) -> Vec<f64> {
        let hs = self.hidden;
        let mut x = self.emb[token].clone();
        for (l, layer) in self.layers.iter().enumerate() {
            let gi: Vec<f64> = matvec(&layer.w_ih, &x)
                .iter()
                .zip(&layer.b_ih)
                .map(|(a, b)| a + b)
                .collect();
            let gh: Vec<f64> = matvec(&layer.w_hh, &self.h[l])
                .iter()
                .zip(&layer.b_hh)
                .map(|(a, b)| a + b)
                .collect();
            let h = &mut self.h[l];
            let c = &mut self.c[l];
            for j in 0..hs {
                match self.cell {
                    CellKind::RnnTanh => h[j] = (gi[j] + gh[j]).tanh(),
                    CellKind::RnnRelu => h[j] = (gi[j] + gh[j]).max(0.0),
                    CellKind::Gru => {
                        let r = sigmoid(gi[j] + gh[j]);
                        let z = sigmoid(gi[hs + j] + gh[hs + j]);
                        let n = (gi[2 * hs + j] + r * gh[2 * hs + j]).tanh();
                        h[j] = (1.0 - z) * n + z * h[j];
                    }
                    CellKind::Lstm => {
                        let i = sigmoid(gi[j] + gh[j]);
                        let f = sigmoid(gi[hs + j] + gh[hs + j]);
                        let g = (gi[2 * hs + j] + gh[2 * hs + j]).tanh();
                        let o = sigmoid(gi[3 * hs + j] + gh[3 * hs + j]);
                        c[j] = f * c[j] + i * g;
                        h[j] = o * c[j].tanh();
                    }
                }
            }
            x = h.clone();
        }
        matvec(&self.w_out, &x)
            .iter()
            .zip(&self.b_out)
            .map(|(a, b)| a + b)
            .collect()
    }
}
