//! The filters applied to a model's gradients (engine only).

use std::collections::{HashMap, VecDeque};

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

use super::Filter;

/// Per-parameter filter state. Gradients are kept flattened so that one map serves
/// parameters of every rank.
enum State {
    Ema(Tensor<1>),
    /// The window's gradients (oldest first) and their running sum: each step adds the newest
    /// and subtracts the one leaving the window instead of re-summing the window.
    Ma {
        window: VecDeque<Tensor<1>>,
        sum: Tensor<1>,
    },
}

/// A Grokfast filter with its state for one model.
pub struct Grokfast {
    filter: Filter,
    state: HashMap<ParamId, State>,
}

impl Grokfast {
    pub fn new(filter: Filter) -> Self {
        Self {
            filter,
            state: HashMap::new(),
        }
    }

    /// Returns the filtered gradients of `model`'s parameters.
    pub fn apply<M: Module>(&mut self, model: &M, mut grads: GradientsParams) -> GradientsParams {
        let mut visitor = Visitor {
            filter: self.filter,
            state: &mut self.state,
            grads: &mut grads,
        };
        model.visit(&mut visitor);
        grads
    }
}

struct Visitor<'a> {
    filter: Filter,
    state: &'a mut HashMap<ParamId, State>,
    grads: &'a mut GradientsParams,
}

impl ModuleVisitor for Visitor<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let id = param.id;
        let Some(grad) = self.grads.remove::<D>(id) else {
            return;
        };
        let shape = grad.shape();
        let g: Tensor<1> = grad.reshape([shape.num_elements()]);
        let out = match self.filter {
            Filter::Ema { alpha, lambda } => {
                let ema = match self.state.remove(&id) {
                    Some(State::Ema(prev)) => prev
                        .mul_scalar(alpha)
                        .add(g.clone().mul_scalar(1.0 - alpha)),
                    _ => g.clone(),
                };
                let out = g.add(ema.clone().mul_scalar(lambda));
                self.state.insert(id, State::Ema(ema));
                out
            }
            Filter::Ma {
                window: size,
                lambda,
            } => {
                let (mut window, mut sum) = match self.state.remove(&id) {
                    Some(State::Ma { window, sum }) => (window, sum.add(g.clone())),
                    _ => (VecDeque::with_capacity(size + 1), g.clone()),
                };
                window.push_back(g.clone());
                if window.len() > size
                    && let Some(oldest) = window.pop_front()
                {
                    sum = sum.sub(oldest);
                }
                let out = if window.len() == size {
                    g.add(sum.clone().mul_scalar(lambda / size as f64))
                } else {
                    g
                };
                self.state.insert(id, State::Ma { window, sum });
                out
            }
        };
        self.grads.register::<D>(id, out.reshape::<D, _>(shape));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[derive(Module, Debug)]
    struct One {
        w: Param<Tensor<2>>,
    }

    fn run(filter: Filter, grads: &[[f32; 2]]) -> Vec<Vec<f32>> {
        let device = Device::flex();
        let model = One {
            w: Param::from_tensor(Tensor::zeros([1, 2], &device)),
        };
        let mut gf = Grokfast::new(filter);
        grads
            .iter()
            .map(|g| {
                let mut params = GradientsParams::new();
                params.register(
                    model.w.id,
                    Tensor::<2>::from_data(TensorData::new(g.to_vec(), [1, 2]), &device),
                );
                let mut out = gf.apply(&model, params);
                let t = out
                    .remove::<2>(model.w.id)
                    .expect("the gradient stays registered");
                assert_eq!(t.dims(), [1, 2]);
                t.into_data().try_to_vec::<f32>().expect("f32 data")
            })
            .collect()
    }

    #[test]
    fn ema_matches_a_hand_computed_sequence() {
        // ema1 = g1 = [1, 2]       -> g1 + 2 ema1 = [3, 6]
        // ema2 = .5 ema1 + .5 g2 = [2, 1] -> g2 + 2 ema2 = [7, 2]
        // ema3 = .5 ema2 + .5 g3 = [1, 2.5] -> g3 + 2 ema3 = [2, 9]
        let out = run(
            Filter::Ema {
                alpha: 0.5,
                lambda: 2.0,
            },
            &[[1.0, 2.0], [3.0, 0.0], [0.0, 4.0]],
        );
        assert_eq!(out, vec![vec![3.0, 6.0], vec![7.0, 2.0], vec![2.0, 9.0]]);
    }

    #[test]
    fn ma_waits_for_a_full_window_then_adds_the_window_mean() {
        // w = 2: step 1 passes through; step 2 adds mean(g1, g2) = [2, 1];
        // step 3 adds mean(g2, g3) = [1.5, 2] (g1 has left the window).
        let out = run(
            Filter::Ma {
                window: 2,
                lambda: 1.0,
            },
            &[[1.0, 2.0], [3.0, 0.0], [0.0, 4.0]],
        );
        assert_eq!(out, vec![vec![1.0, 2.0], vec![5.0, 1.0], vec![1.5, 6.0]]);
    }

    #[test]
    fn ma_running_sum_equals_the_resummed_window_over_many_steps() {
        let grads: Vec<[f32; 2]> = (0..40)
            .map(|i| [(i % 7) as f32 - 3.0, (i * i % 11) as f32])
            .collect();
        let out = run(
            Filter::Ma {
                window: 5,
                lambda: 0.5,
            },
            &grads,
        );
        for (i, got) in out.iter().enumerate() {
            let expected: Vec<f32> = (0..2)
                .map(|k| {
                    if i + 1 < 5 {
                        grads[i][k]
                    } else {
                        let mean = grads[i + 1 - 5..=i].iter().map(|g| g[k]).sum::<f32>() / 5.0;
                        grads[i][k] + 0.5 * mean
                    }
                })
                .collect();
            for k in 0..2 {
                assert!(
                    (got[k] - expected[k]).abs() < 1e-4,
                    "step {i}: {got:?} vs {expected:?}"
                );
            }
        }
    }
}
