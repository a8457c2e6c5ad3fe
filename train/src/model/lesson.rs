//! The lesson's first char models, before the stateful RNN: `char3` (three chars in, one out),
//! `loop` (CharLoopModel: the same cell looped over 8 chars, input added to the hidden state)
//! and `loop-concat` (CharLoopConcatModel: input concatenated to the hidden state). They map a
//! fixed window of characters to the next one; they have no state across windows and no place in
//! the model file (which holds embedding → RNN stacks → output).

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LessonKind {
    /// `Char3Model`: h = tanh(l_hidden(h + relu(l_in(e(c))))) for c1, c2, c3.
    Char3,
    /// `CharLoopModel`: the same over a window of 8.
    Loop,
    /// `CharLoopConcatModel`: h = tanh(l_hidden(relu(l_in([h, e(c)])))) over a window of 8.
    LoopConcat,
}

impl LessonKind {
    /// Characters of context per prediction.
    pub fn window(self) -> usize {
        match self {
            LessonKind::Char3 => 3,
            LessonKind::Loop | LessonKind::LoopConcat => 8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LessonKind::Char3 => "char3",
            LessonKind::Loop => "loop",
            LessonKind::LoopConcat => "loop-concat",
        }
    }
}

#[derive(Module, Debug)]
pub struct LessonModel<B: Backend> {
    pub embedding: Embedding<B>,
    pub l_in: Linear<B>,
    pub l_hidden: Linear<B>,
    pub l_out: Linear<B>,
    #[module(skip)]
    pub kind: LessonKind,
    pub hidden: usize,
}

impl<B: Backend> LessonModel<B> {
    pub fn new(
        kind: LessonKind,
        vocab: usize,
        embed: usize,
        hidden: usize,
        device: &B::Device,
    ) -> Self {
        let l_in_width = match kind {
            LessonKind::LoopConcat => embed + hidden,
            _ => embed,
        };
        LessonModel {
            embedding: EmbeddingConfig::new(vocab, embed).init(device),
            l_in: LinearConfig::new(l_in_width, hidden).init(device),
            l_hidden: LinearConfig::new(hidden, hidden).init(device),
            l_out: LinearConfig::new(hidden, vocab).init(device),
            kind,
            hidden,
        }
    }

    /// `context` is `[batch, window]`; returns next-char logits `[batch, vocab]`.
    pub fn forward(&self, context: Tensor<B, 2, Int>) -> Tensor<B, 2> {
        let [batch, window] = context.dims();
        let embed = self.embedding.weight.dims()[1];
        let mut h = Tensor::<B, 2>::zeros([batch, self.hidden], &context.device());
        for t in 0..window {
            let e = self
                .embedding
                .forward(context.clone().narrow(1, t, 1))
                .reshape([batch, embed]);
            h = match self.kind {
                LessonKind::Char3 | LessonKind::Loop => {
                    let inp = relu(self.l_in.forward(e));
                    tanh(self.l_hidden.forward(h + inp))
                }
                LessonKind::LoopConcat => {
                    let inp = relu(self.l_in.forward(Tensor::cat(vec![h, e], 1)));
                    tanh(self.l_hidden.forward(inp))
                }
            };
        }
        self.l_out.forward(h)
    }
}
