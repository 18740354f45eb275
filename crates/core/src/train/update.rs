//! What happens to a step's gradients between backward and the optimizer, for a stack of
//! independent members trained as one module (engine only): each member's Grokfast filter
//! (Lee et al. 2024) and weight decay, as a few element-wise passes over whole parameter
//! tensors instead of a loop over members.
//!
//! A stacked parameter carries a leading member axis (`[members, ...]`). A coefficient that
//! differs between members multiplies through a `[members, 1, ..., 1]` broadcast; one that all
//! members share is a scalar, and a term whose gain is zero for every member is skipped. So a
//! single member (a module without a member axis, such as one transformer run) uses only
//! scalar passes, and each member's numbers are the ones it would get alone: the same
//! element-wise operations in the same order on its slice.
//!
//! The filters are the reference's: EMA `ema = α·ema + (1−α)·g` (starting at the first
//! gradient, no bias correction) then `g += λ·ema`; MA `g += λ·mean(last w gradients)` once
//! the window is full. Weight decay follows the optimizer's kind: the coupled L2 of Adam and
//! SGD is added to the filtered gradient (`g += wd·θ`, as burn's decay does inside the
//! optimizer), AdamW's decoupled decay scales the weights by `1 − lr·wd` before the step (as
//! burn's AdamW does). The optimizer itself is built without weight decay.

use std::collections::{HashMap, VecDeque};

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};

use super::grokfast::Filter;
use super::{OptimizerKind, build_optimizer};

/// How one member of a stack is trained beyond the shared optimizer settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Member {
    pub filter: Option<Filter>,
    pub weight_decay: f64,
}

/// A per-member factor: one scalar when every member shares it, else a `[members]` tensor.
// A handful per update: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Coef {
    Same(f64),
    Each(Tensor<1>),
}

impl Coef {
    fn new(values: &[f64], device: &Device) -> Self {
        match values {
            [first, rest @ ..] if rest.iter().all(|v| v == first) => Coef::Same(*first),
            [] => Coef::Same(0.0),
            _ => Coef::Each(Tensor::from_data(
                TensorData::new(
                    values.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                    [values.len()],
                ),
                device,
            )),
        }
    }

    fn is_zero(&self) -> bool {
        matches!(self, Coef::Same(v) if *v == 0.0)
    }

    /// `t · coef`, member by member along `t`'s first axis.
    fn times<const D: usize>(&self, t: Tensor<D>) -> Tensor<D> {
        match self {
            Coef::Same(v) => t.mul_scalar(*v),
            Coef::Each(c) => {
                let mut shape = [1usize; D];
                shape[0] = c.dims()[0];
                t.mul(c.clone().reshape(shape))
            }
        }
    }
}

/// One parameter's filter state, flattened so that one map serves parameters of every rank.
#[derive(Default)]
struct State {
    ema: Option<Tensor<1>>,
    /// The MA window's gradients (oldest first) and their running sum: each step adds the
    /// newest and subtracts the one leaving instead of re-summing the window.
    window: VecDeque<Tensor<1>>,
    sum: Option<Tensor<1>>,
}

/// The per-member filters and weight decay of a stack, with the filters' state.
pub struct StackUpdate {
    kind: OptimizerKind,
    /// EMA: α, 1 − α (both from f64, as a lone filter computes them) and λ. Members that do
    /// not filter get the first filtering member's α and λ = 0.
    ema: Option<(Coef, Coef, Coef)>,
    /// MA: the window and λ / window.
    ma: Option<(usize, Coef)>,
    /// Coupled L2 (Adam, SGD) or decoupled decay rate (AdamW) per member.
    decay: Vec<f64>,
    l2: Coef,
    device: Device,
    state: HashMap<ParamId, State>,
}

impl StackUpdate {
    /// The update for `members`, in stack order, and the optimizer (without weight decay: it is
    /// applied here) that goes with it. MA members must share one window.
    pub fn new(
        kind: OptimizerKind,
        betas: (f64, f64),
        members: &[Member],
        device: &Device,
    ) -> (Self, ModuleOptimizer) {
        // Gradients live on the device without autodiff; so do the coefficients.
        let device = &device.clone().inner();
        let ema_alpha = members
            .iter()
            .find_map(|m| match m.filter {
                Some(Filter::Ema { alpha, .. }) => Some(alpha),
                _ => None,
            })
            .unwrap_or(0.0);
        let ema_lambda: Vec<f64> = members
            .iter()
            .map(|m| match m.filter {
                Some(Filter::Ema { lambda, .. }) => lambda,
                _ => 0.0,
            })
            .collect();
        let alphas: Vec<f64> = members
            .iter()
            .map(|m| match m.filter {
                Some(Filter::Ema { alpha, .. }) => alpha,
                _ => ema_alpha,
            })
            .collect();
        let windows: Vec<usize> = members
            .iter()
            .filter_map(|m| match m.filter {
                Some(Filter::Ma { window, .. }) => Some(window),
                _ => None,
            })
            .collect();
        assert!(
            windows.windows(2).all(|w| w[0] == w[1]),
            "MA members of one stack share a window: {windows:?}"
        );
        let ma = windows.first().map(|&window| {
            let gains: Vec<f64> = members
                .iter()
                .map(|m| match m.filter {
                    Some(Filter::Ma { lambda, .. }) => lambda / window as f64,
                    _ => 0.0,
                })
                .collect();
            (window, Coef::new(&gains, device))
        });
        let ema = ema_lambda.iter().any(|&l| l != 0.0).then(|| {
            let rest: Vec<f64> = alphas.iter().map(|a| 1.0 - a).collect();
            (
                Coef::new(&alphas, device),
                Coef::new(&rest, device),
                Coef::new(&ema_lambda, device),
            )
        });
        let decay: Vec<f64> = members.iter().map(|m| m.weight_decay).collect();
        // burn's decay keeps its rate as f32; so does this, so one member's numbers match.
        let l2: Vec<f64> = decay.iter().map(|&d| f64::from(d as f32)).collect();
        let update = Self {
            kind,
            ema,
            ma: ma.filter(|(_, gain)| !gain.is_zero()),
            l2: if kind == OptimizerKind::Adamw {
                Coef::Same(0.0)
            } else {
                Coef::new(&l2, device)
            },
            decay: l2,
            device: device.clone(),
            state: HashMap::new(),
        };
        (update, build_optimizer(kind, 0.0, betas))
    }

    /// One optimizer step of `model` with these gradients, after filtering them and applying
    /// each member's weight decay.
    pub fn step<M: Module>(
        &mut self,
        optim: &mut ModuleOptimizer,
        lr: f64,
        model: M,
        grads: GradientsParams,
    ) -> M {
        let grads = self.filtered(&model, grads);
        let model = if self.kind == OptimizerKind::Adamw && self.decay.iter().any(|&d| d > 0.0) {
            // The same factor burn's AdamW computes: 1 − lr·wd in f64, applied as f32.
            let factors: Vec<f64> = self.decay.iter().map(|&d| 1.0 - lr * d).collect();
            model.map(&mut Scale(Coef::new(&factors, &self.device)))
        } else {
            model
        };
        optim.step(lr, model, grads)
    }
}

impl StackUpdate {
    /// `grads` after each member's filter and coupled weight decay.
    fn filtered<M: Module>(&mut self, model: &M, mut grads: GradientsParams) -> GradientsParams {
        model.visit(&mut Filters {
            update: self,
            grads: &mut grads,
        });
        grads
    }
}

struct Filters<'a> {
    update: &'a mut StackUpdate,
    grads: &'a mut GradientsParams,
}

impl ModuleVisitor for Filters<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let u = &mut *self.update;
        if u.ema.is_none() && u.ma.is_none() && u.l2.is_zero() {
            return;
        }
        let id = param.id;
        let Some(mut g) = self.grads.remove::<D>(id) else {
            return;
        };
        let shape = g.shape();
        let flat = |t: Tensor<D>| t.reshape([shape.num_elements()]);
        let state = u.state.entry(id).or_default();
        if let Some((alpha, rest, lambda)) = &u.ema {
            let ema = match state.ema.take() {
                Some(prev) => alpha
                    .times(prev.reshape(shape.clone()))
                    .add(rest.times(g.clone())),
                None => g.clone(),
            };
            let out = g.clone().add(lambda.times(ema.clone()));
            state.ema = Some(flat(ema));
            g = out;
        }
        if let Some((window, gain)) = &u.ma {
            let newest = flat(g.clone());
            let mut sum = match state.sum.take() {
                Some(sum) => sum.add(newest.clone()),
                None => newest.clone(),
            };
            state.window.push_back(newest);
            if state.window.len() > *window
                && let Some(oldest) = state.window.pop_front()
            {
                sum = sum.sub(oldest);
            }
            if state.window.len() == *window {
                g = g.add(gain.times(sum.clone().reshape(shape.clone())));
            }
            state.sum = Some(sum);
        }
        if !u.l2.is_zero() {
            // burn's coupled decay: θ·wd + g.
            g = u.l2.times(param.val().inner()).add(g);
        }
        self.grads.register::<D>(id, g);
    }
}

/// Scales every float parameter member by member (AdamW's decoupled decay).
struct Scale(Coef);

/// `model` with every parameter of member m multiplied by `factors[m]` (a `[members]` tensor
/// on the device without autodiff): one pass, no read-back.
pub fn scale_members<M: Module>(model: M, factors: Tensor<1>) -> M {
    model.map(&mut Scale(Coef::Each(factors)))
}

/// Each member's squared weight norm, all parameters: `[members]`, without autodiff.
pub fn member_norms_squared<M: Module>(model: &M, members: usize) -> Option<Tensor<1>> {
    struct Squares {
        members: usize,
        total: Option<Tensor<1>>,
    }
    impl ModuleVisitor for Squares {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let part = param
                .val()
                .inner()
                .powi_scalar(2)
                .reshape([self.members as i32, -1])
                .sum_dim(1)
                .reshape([self.members]);
            self.total = Some(match self.total.take() {
                Some(t) => t + part,
                None => part,
            });
        }
    }
    let mut squares = Squares {
        members,
        total: None,
    };
    model.visit(&mut squares);
    squares.total
}

impl ModuleMapper for Scale {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let coef = self.0.clone();
        param.map(|t| {
            let (autodiff, tracked) = (t.is_autodiff(), t.is_require_grad());
            let scaled = coef.times(t.inner());
            match (autodiff, tracked) {
                (true, true) => scaled.autodiff().require_grad(),
                (true, false) => scaled.autodiff(),
                _ => scaled,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Module, Debug)]
    struct One {
        w: Param<Tensor<2>>,
    }

    fn update(members: &[Member]) -> StackUpdate {
        StackUpdate::new(OptimizerKind::Adam, (0.9, 0.98), members, &Device::flex()).0
    }

    /// Filters `grads` (one `[members, 2]` gradient per step) through `members`' update, for
    /// weights all equal to `weight`.
    fn run(members: &[Member], grads: &[Vec<f32>], weight: f32) -> Vec<Vec<f32>> {
        let device = Device::flex();
        let rows = members.len();
        let model = One {
            w: Param::from_tensor(Tensor::full([rows, 2], weight, &device)),
        };
        let mut u = update(members);
        grads
            .iter()
            .map(|g| {
                let mut params = GradientsParams::new();
                params.register(
                    model.w.id,
                    Tensor::<2>::from_data(TensorData::new(g.clone(), [rows, 2]), &device),
                );
                let mut out = u.filtered(&model, params);
                let t = out
                    .remove::<2>(model.w.id)
                    .expect("the gradient stays registered");
                assert_eq!(t.dims(), [rows, 2]);
                t.into_data().try_to_vec::<f32>().expect("f32 data")
            })
            .collect()
    }

    fn alone(filter: Filter) -> [Member; 1] {
        [Member {
            filter: Some(filter),
            weight_decay: 0.0,
        }]
    }

    #[test]
    fn ema_matches_a_hand_computed_sequence() {
        // ema1 = g1 = [1, 2]       -> g1 + 2 ema1 = [3, 6]
        // ema2 = .5 ema1 + .5 g2 = [2, 1] -> g2 + 2 ema2 = [7, 2]
        // ema3 = .5 ema2 + .5 g3 = [1, 2.5] -> g3 + 2 ema3 = [2, 9]
        let ema = alone(Filter::Ema {
            alpha: 0.5,
            lambda: 2.0,
        });
        let out = run(&ema, &[vec![1.0, 2.0], vec![3.0, 0.0], vec![0.0, 4.0]], 0.0);
        assert_eq!(out, vec![vec![3.0, 6.0], vec![7.0, 2.0], vec![2.0, 9.0]]);
    }

    #[test]
    fn ma_waits_for_a_full_window_then_adds_the_window_mean() {
        // w = 2: step 1 passes through; step 2 adds mean(g1, g2) = [2, 1];
        // step 3 adds mean(g2, g3) = [1.5, 2] (g1 has left the window).
        let ma = alone(Filter::Ma {
            window: 2,
            lambda: 1.0,
        });
        let out = run(&ma, &[vec![1.0, 2.0], vec![3.0, 0.0], vec![0.0, 4.0]], 0.0);
        assert_eq!(out, vec![vec![1.0, 2.0], vec![5.0, 1.0], vec![1.5, 6.0]]);
    }

    #[test]
    fn ma_running_sum_equals_the_resummed_window_over_many_steps() {
        let grads: Vec<Vec<f32>> = (0..40)
            .map(|i| vec![(i % 7) as f32 - 3.0, (i * i % 11) as f32])
            .collect();
        let ma = alone(Filter::Ma {
            window: 5,
            lambda: 0.5,
        });
        let out = run(&ma, &grads, 0.0);
        for (i, got) in out.iter().enumerate() {
            for k in 0..2 {
                let expected = if i + 1 < 5 {
                    grads[i][k]
                } else {
                    let mean = grads[i + 1 - 5..=i].iter().map(|g| g[k]).sum::<f32>() / 5.0;
                    grads[i][k] + 0.5 * mean
                };
                assert!((got[k] - expected).abs() < 1e-4, "step {i}: {got:?}");
            }
        }
    }

    /// Members of one stack get exactly what each would get alone: their own filter, gain and
    /// weight decay, and nothing from their neighbours.
    #[test]
    fn a_stack_filters_each_member_as_if_alone() {
        let members = [
            Member {
                filter: None,
                weight_decay: 0.0,
            },
            Member {
                filter: Some(Filter::Ema {
                    alpha: 0.9,
                    lambda: 3.0,
                }),
                weight_decay: 0.02,
            },
            Member {
                filter: Some(Filter::Ma {
                    window: 3,
                    lambda: 5.0,
                }),
                weight_decay: 0.01,
            },
            Member {
                filter: None,
                weight_decay: 0.02,
            },
        ];
        let rows = members.len();
        let step = |i: usize| -> Vec<f32> {
            (0..rows * 2)
                .map(|k| ((i * 7 + k * 3) % 11) as f32 - 5.0)
                .collect()
        };
        let grads: Vec<Vec<f32>> = (0..8).map(step).collect();
        // Weights of 1 so that the coupled decay shows as + wd.
        let stacked = run(&members, &grads, 1.0);
        for (r, member) in members.iter().enumerate() {
            let own: Vec<Vec<f32>> = grads.iter().map(|g| g[r * 2..r * 2 + 2].to_vec()).collect();
            let single = run(&[*member], &own, 1.0);
            for (s, (all, mine)) in stacked.iter().zip(&single).enumerate() {
                assert_eq!(
                    &all[r * 2..r * 2 + 2],
                    mine.as_slice(),
                    "member {r}, step {s}"
                );
            }
        }
        // A member without a filter gets its gradient plus its decay, bit for bit.
        assert_eq!(stacked[0][0..2], grads[0][0..2]);
        assert_eq!(stacked[5][6], grads[5][6] + 0.02);
    }

    /// With one member, weight decay here is burn's own, bit for bit: coupled L2 for Adam and
    /// SGD, decoupled for AdamW.
    #[test]
    fn one_member_decays_as_burns_optimizers_do() {
        let device = Device::flex().autodiff();
        for kind in [
            OptimizerKind::Adam,
            OptimizerKind::Sgd,
            OptimizerKind::Adamw,
        ] {
            let start = || One {
                w: Param::from_tensor(Tensor::from_data(
                    TensorData::new(vec![0.5f32, -1.5, 2.0, 0.25], [2, 2]),
                    &device,
                )),
            };
            let grads_of = |m: &One, step: usize| {
                let x = Tensor::<2>::from_data(
                    TensorData::new(vec![1.0f32, step as f32, -2.0, 0.5], [2, 2]),
                    &device,
                );
                let loss = (m.w.val() * x).powi_scalar(2).sum();
                GradientsParams::from_grads(loss.backward(), m)
            };
            let (mut ours, mut theirs) = (start(), start());
            let member = Member {
                filter: None,
                weight_decay: 0.1,
            };
            let (mut update, mut optim) = StackUpdate::new(kind, (0.9, 0.98), &[member], &device);
            let mut reference = build_optimizer(kind, 0.1, (0.9, 0.98));
            for step in 0..5 {
                let g = grads_of(&ours, step);
                ours = update.step(&mut optim, 0.01, ours, g);
                let g = grads_of(&theirs, step);
                theirs = reference.step(0.01, theirs, g);
            }
            let (a, b) = (
                ours.w.val().into_data().try_to_vec::<f32>().expect("f32"),
                theirs.w.val().into_data().try_to_vec::<f32>().expect("f32"),
            );
            assert_eq!(a, b, "{kind:?}");
            assert_ne!(a, [0.5, -1.5, 2.0, 0.25], "{kind:?}: the weights moved");
        }
    }
}
