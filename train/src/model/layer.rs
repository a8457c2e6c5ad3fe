//! One recurrent layer's parameters and a layer's input/output over time: the data that the
//! model (`recurrent`) and the backends' ways of running a layer (`fused`) share.

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// One recurrent layer. Weights are stored as `x·W` wants them: `weight_ih` is `[in, G·H]`, the
/// transpose of PyTorch's `weight_ih_l{k}`.
#[derive(Module, Debug)]
pub struct RecurrentLayer<B: Backend> {
    pub weight_ih: Param<Tensor<B, 2>>,
    pub weight_hh: Param<Tensor<B, 2>>,
    pub bias_ih: Param<Tensor<B, 1>>,
    pub bias_hh: Param<Tensor<B, 1>>,
}

/// A layer's input or output over time, in the form its backend's recurrent op wants: one
/// tensor per step (burn ops step by step: slicing a tracked tensor per step is costly in
/// burn), or one `[batch, time, features]` tensor (fused ops).
pub enum Sequence<B: Backend> {
    Steps(Vec<Tensor<B, 2>>),
    Whole(Tensor<B, 3>),
}

impl<B: Backend> Sequence<B> {
    pub fn into_whole(self) -> Tensor<B, 3> {
        match self {
            Sequence::Steps(steps) => Tensor::stack(steps, 1),
            Sequence::Whole(t) => t,
        }
    }

    pub fn into_steps(self) -> Vec<Tensor<B, 2>> {
        match self {
            Sequence::Steps(steps) => steps,
            Sequence::Whole(t) => {
                let [batch, time, features] = t.dims();
                (0..time)
                    .map(|i| t.clone().narrow(1, i, 1).reshape([batch, features]))
                    .collect()
            }
        }
    }
}
