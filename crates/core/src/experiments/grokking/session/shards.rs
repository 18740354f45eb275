//! The transformer's batch shards: each part's forward and backward is its own graph, so
//! two threads can build theirs at once and their gradients add up to the whole batch's.

use super::*;

/// Makes every parameter a new leaf (same values and ids, no shared autodiff history): each
/// shard's forward and backward is its own graph, and two threads can build theirs at once.
struct OwnLeaves;

impl ModuleMapper for OwnLeaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.detach().require_grad())
    }
}

/// Adds `from`'s gradients into `into`, parameter by parameter.
struct AddGradients<'a> {
    into: &'a mut GradientsParams,
    from: GradientsParams,
}

impl ModuleVisitor for AddGradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.from.remove::<D>(param.id) {
            let sum = match self.into.remove::<D>(param.id) {
                Some(acc) => acc + g,
                None => g,
            };
            self.into.register(param.id, sum);
        }
    }
}

/// The transformer's last-position logits for equation tokens `[members, n, 4]`
/// (`x, op, y, =`): `[members, n, vocabulary]`. The first two positions depend on x alone (one
/// operation per spec), so they come from the `prefixes` table (`[p, 2]`, row x is `x, op`;
/// see [`Transformer::forward_last_shared`]).
pub(super) fn transformer_logits(
    model: &Transformer,
    tokens: Tensor<3, Int>,
    prefixes: Tensor<2, Int>,
) -> Tensor<3> {
    let [members, n, width] = tokens.dims();
    let which = tokens
        .clone()
        .slice([0..members, 0..n, 0..1])
        .reshape([members, n]);
    model.forward_last_shared(prefixes, which, tokens.slice([0..members, 0..n, 2..width]))
}

/// The gradients of the sum of the members' mean cross-entropies on their batches (`x`
/// `[members, batch, 4]`, `y` `[members, batch, 1]`), computed in `shards` parts of each
/// member's batch (each part's summed loss over the whole batch's size, so the parts add up to
/// the batch's mean) on up to `threads` threads. The result depends on `shards`, never on
/// `threads`.
pub(super) fn transformer_gradients(
    model: &Transformer,
    (x, y): (Tensor<3, Int>, Tensor<3, Int>),
    prefixes: &Tensor<2, Int>,
    shards: usize,
    threads: usize,
) -> GradientsParams {
    let [members, batch, width] = x.dims();
    let loss = |model: &Transformer, x: Tensor<3, Int>, y: Tensor<3, Int>| {
        crate::train::member_cross_entropy(transformer_logits(model, x, prefixes.clone()), y).sum()
    };
    let size = batch.div_ceil(shards.max(1)).max(1);
    if batch <= size {
        return GradientsParams::from_grads(loss(model, x, y).backward(), model);
    }
    let parts: Vec<(Tensor<3, Int>, Tensor<3, Int>)> = (0..batch)
        .step_by(size)
        .map(|from| {
            let to = (from + size).min(batch);
            (
                x.clone().slice([0..members, from..to, 0..width]),
                y.clone().slice([0..members, from..to, 0..1]),
            )
        })
        .collect();
    let shard = |(x, y): (Tensor<3, Int>, Tensor<3, Int>)| {
        let own = model.clone().map(&mut OwnLeaves);
        let share = x.dims()[1] as f64 / batch as f64;
        let grads = loss(&own, x, y).mul_scalar(share).backward();
        GradientsParams::from_grads(grads, &own)
    };
    let parts = map_on_threads(parts, threads, shard);
    let mut sum = GradientsParams::new();
    for from in parts {
        model.visit(&mut AddGradients {
            into: &mut sum,
            from,
        });
    }
    sum
}
