//! The fused layer as burn tensors: on burn-flex directly (inference), and as one custom
//! autodiff op on `Autodiff<Flex>` (training) whose backward pass is [`host::backward`].

use std::sync::Arc;

use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::CheckpointStrategy;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_flex::FlexTensor;
use format::CellKind;

use super::host::{self, Dims, Saved};
use crate::model::cells::LayerState;
use crate::model::layer::RecurrentLayer;

/// A float tensor whose values can be borrowed as one contiguous `[f32]` (no copy when it
/// already is one).
#[derive(Clone, Debug)]
struct Values(FlexTensor);

impl Values {
    fn new(t: &FlexTensor) -> Self {
        let t = t.to_contiguous();
        assert!(
            t.as_slice::<f32>().is_some(),
            "the trainer's float tensors are f32"
        );
        Values(t)
    }

    fn get(&self) -> &[f32] {
        self.0.as_slice::<f32>().unwrap_or_default()
    }
}

fn flex(data: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape.to_vec()))
}

fn prim<B: burn::tensor::backend::Backend, const D: usize>(
    t: Tensor<B, D>,
) -> B::FloatTensorPrimitive {
    t.into_primitive().tensor()
}

fn tensor<B: burn::tensor::backend::Backend, const D: usize>(
    p: B::FloatTensorPrimitive,
) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

/// The plain inputs of one layer run.
struct Inputs {
    dims: Dims,
    gi: Values,
    w_hh: Values,
    b_hh: Values,
    h0: Values,
    c0: Option<Values>,
}

impl Inputs {
    fn new(
        cell: CellKind,
        gi: &FlexTensor,
        w_hh: &FlexTensor,
        b_hh: &FlexTensor,
        s: LayerState<Flex>,
    ) -> Self {
        let [batch, time, width] = gi.layout().shape().dims::<3>();
        let hidden = width / cell.gates();
        Inputs {
            dims: Dims {
                batch,
                time,
                hidden,
                gates: cell.gates(),
            },
            gi: Values::new(gi),
            w_hh: Values::new(w_hh),
            b_hh: Values::new(b_hh),
            h0: Values::new(&prim(s.h)),
            c0: s.c.map(|c| Values::new(&prim(c))),
        }
    }

    fn run(&self, cell: CellKind, save: bool) -> host::Forward {
        let c0 = self.c0.as_ref().map_or(&[][..], Values::get);
        let (gi, w_hh, b_hh, h0) = (
            self.gi.get(),
            self.w_hh.get(),
            self.b_hh.get(),
            self.h0.get(),
        );
        host::forward(cell, self.dims, gi, w_hh, b_hh, h0, c0, save)
    }
}

/// The outputs as flex tensors: every step's `h`, and the final state.
fn outputs(
    cell: CellKind,
    d: Dims,
    f: &mut host::Forward,
) -> (FlexTensor, FlexTensor, Option<FlexTensor>) {
    let hs = flex(std::mem::take(&mut f.hs), &[d.batch, d.time, d.hidden]);
    let h = flex(std::mem::take(&mut f.h), &[d.batch, d.hidden]);
    let c = (cell == CellKind::Lstm).then(|| flex(std::mem::take(&mut f.c), &[d.batch, d.hidden]));
    (hs, h, c)
}

/// Runs the layer on burn-flex without autodiff.
pub fn inference(
    cell: CellKind,
    gi: Tensor<Flex, 3>,
    layer: &RecurrentLayer<Flex>,
    s: LayerState<Flex>,
) -> (Tensor<Flex, 3>, LayerState<Flex>) {
    let inputs = Inputs::new(
        cell,
        &prim(gi),
        &prim(layer.weight_hh.val()),
        &prim(layer.bias_hh.val()),
        s,
    );
    let mut f = inputs.run(cell, false);
    let (hs, h, c) = outputs(cell, inputs.dims, &mut f);
    (
        tensor(hs),
        LayerState {
            h: tensor(h),
            c: c.map(tensor),
        },
    )
}

/// The training backend.
type Ad<C> = Autodiff<Flex, C>;

/// The backward step of the fused layer; its parents are `gi`, `W_hh`, `b_hh`.
#[derive(Debug)]
struct FusedLayerBackward;

#[derive(Clone, Debug)]
struct BackwardState {
    cell: CellKind,
    dims: Dims,
    gi: Values,
    w_hh: Values,
    saved: Arc<Saved>,
}

impl Backward<Flex, 3> for FusedLayerBackward {
    type State = BackwardState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let s = ops.state;
        let d = s.dims;
        let dhs = Values::new(&grads.consume::<Flex>(&ops.node));
        let g = host::backward(s.cell, d, s.gi.get(), s.w_hh.get(), &s.saved, dhs.get());
        let width = d.gates * d.hidden;
        let [gi, w_hh, b_hh] = ops.parents;
        let shapes = [
            (gi, g.gi, vec![d.batch, d.time, width]),
            (w_hh, g.w_hh, vec![d.hidden, width]),
            (b_hh, g.b_hh, vec![width]),
        ];
        for (parent, grad, shape) in shapes {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, flex(grad, &shape));
            }
        }
    }
}

/// Runs the layer as one op of the autodiff graph. The final state comes back untracked
/// (truncated BPTT detaches it anyway).
pub fn tracked<C: CheckpointStrategy>(
    cell: CellKind,
    gi: Tensor<Ad<C>, 3>,
    layer: &RecurrentLayer<Ad<C>>,
    s: LayerState<Ad<C>>,
) -> (Tensor<Ad<C>, 3>, LayerState<Ad<C>>) {
    let (gi, w_hh, b_hh) = (
        prim(gi),
        prim(layer.weight_hh.val()),
        prim(layer.bias_hh.val()),
    );
    let inner = LayerState {
        h: s.h.inner(),
        c: s.c.map(Tensor::inner),
    };
    let inputs = Inputs::new(cell, &gi.primitive, &w_hh.primitive, &b_hh.primitive, inner);
    let d = inputs.dims;
    let prep = FusedLayerBackward
        .prepare::<C>([gi.node.clone(), w_hh.node.clone(), b_hh.node.clone()])
        .compute_bound()
        .stateful();
    let (hs, h, c) = match prep {
        OpsKind::Tracked(prep) => {
            let mut f = inputs.run(cell, true);
            let (hs, h, c) = outputs(cell, d, &mut f);
            let state = BackwardState {
                cell,
                dims: d,
                gi: inputs.gi.clone(),
                w_hh: inputs.w_hh.clone(),
                saved: Arc::new(f.saved.take().expect("forward ran with save")),
            };
            (prep.finish(state, hs), h, c)
        }
        OpsKind::UnTracked(prep) => {
            let mut f = inputs.run(cell, false);
            let (hs, h, c) = outputs(cell, d, &mut f);
            (prep.finish(hs), h, c)
        }
    };
    let untracked = |t: FlexTensor| tensor::<Ad<C>, 2>(<Ad<C> as AutodiffBackend>::from_inner(t));
    (
        tensor(hs),
        LayerState {
            h: untracked(h),
            c: c.map(untracked),
        },
    )
}
