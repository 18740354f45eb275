//! The decoder-only transformer of the grokking experiments (Power et al. 2022; the block as
//! in the Grokfast reference code): token + learned position embeddings, `layers` blocks of
//! `x = ln1(x); x = x + attn(x); x = x + mlp(ln2(x))` (note: the attention residual adds to
//! the *normalised* input), a final LayerNorm and a bias-free output head.
//!
//! Several independent networks of one shape (grokking's runs and seeds) form one module, as
//! the embedding MLP's do: every parameter carries a leading member axis, so one forward pass,
//! one backward pass and one optimizer step train them all, each member on its own batch, in a
//! few large operations instead of a kernel per member and operation.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};

use crate::rng::Stream;

/// LayerNorm's epsilon (PyTorch's and burn's default).
const EPSILON: f64 = 1e-5;

fn param(values: Vec<f32>, shape: [usize; 3], device: &Device) -> Param<Tensor<3>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// A linear layer per member: `[members, rows, d_in] -> [members, rows, d_out]`.
#[derive(Module, Debug)]
struct StackLinear {
    /// `[members, d_in, d_out]` and `[members, 1, d_out]`.
    weight: Param<Tensor<3>>,
    bias: Option<Param<Tensor<3>>>,
}

impl StackLinear {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let y = x.matmul(self.weight.val());
        match &self.bias {
            Some(bias) => y + bias.val(),
            None => y,
        }
    }

    /// The layer on `[members, n, positions, d_in]`.
    fn forward4(&self, x: Tensor<4>) -> Tensor<4> {
        let [members, n, positions, d_in] = x.dims();
        let y = self.forward(x.reshape([members, n * positions, d_in]));
        let d_out = y.dims()[2];
        y.reshape([members, n, positions, d_out])
    }
}

/// LayerNorm over the last axis with each member's gain and bias (`[members, 1, d]`).
#[derive(Module, Debug)]
struct StackNorm {
    gamma: Param<Tensor<3>>,
    beta: Param<Tensor<3>>,
}

impl StackNorm {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [members, n, positions, d] = x.dims();
        let unit = Tensor::<1>::ones([d], &x.device());
        let normed = burn::tensor::module::layer_norm(
            x.reshape([members, n * positions, d]),
            unit,
            None,
            EPSILON,
        );
        (normed * self.gamma.val() + self.beta.val()).reshape([members, n, positions, d])
    }
}

/// Causal multi-head self-attention with input and output projections.
#[derive(Module, Debug)]
struct CausalSelfAttention {
    query: StackLinear,
    key: StackLinear,
    value: StackLinear,
    output: StackLinear,
    #[module(skip)]
    heads: usize,
}

impl CausalSelfAttention {
    /// Every position's keys and values: `[members, n, seq, d_model]` each.
    fn keys_values(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        (self.key.forward4(x.clone()), self.value.forward4(x))
    }

    /// Attention from the queries of `x` (positions `from..from + rows`) over `keys` and
    /// `values` (positions `0..seq`).
    ///
    /// # Shapes
    /// - x: `[members, n, rows, d_model]`, keys and values: `[members, n, seq, d_model]`,
    ///   mask: at least `[from + rows, seq]` (0 on and below the diagonal, a large negative
    ///   number above it)
    /// - output: `[members, n, rows, d_model]`
    fn attend(
        &self,
        x: Tensor<4>,
        (keys, values): (Tensor<4>, Tensor<4>),
        mask: Tensor<2>,
        from: usize,
    ) -> Tensor<4> {
        let [members, n, queries, d_model] = x.dims();
        let seq = keys.dims()[2];
        let d_head = d_model / self.heads;
        // [members, n, rows, d_model] -> [members·n, heads, rows, d_head]
        let split = |t: Tensor<4>, rows: usize| {
            t.reshape([members * n, rows, self.heads, d_head])
                .swap_dims(1, 2)
        };
        let q = split(self.query.forward4(x), queries);
        let k = split(keys, seq);
        let v = split(values, seq);
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .div_scalar((d_head as f64).sqrt()); // [m·n, h, queries, s]
        let mask = mask.slice([from..from + queries, 0..seq]);
        let weights = activation::softmax(scores + mask.unsqueeze::<4>(), 3);
        let mixed = weights
            .matmul(v)
            .swap_dims(1, 2)
            .reshape([members, n, queries, d_model]);
        self.output.forward4(mixed)
    }
}

/// One transformer block.
#[derive(Module, Debug)]
struct Block {
    ln1: StackNorm,
    attention: CausalSelfAttention,
    ln2: StackNorm,
    up: StackLinear,
    down: StackLinear,
}

impl Block {
    /// The block's output at positions `from..seq`: `[members, n, seq - from, d_model]` (every
    /// position's keys and values still come from all of `x`). The plain block, which
    /// [`Self::forward_shared`] is checked against.
    #[cfg(test)]
    fn forward(&self, x: Tensor<4>, mask: Tensor<2>, from: usize) -> Tensor<4> {
        let [members, n, seq, d] = x.dims();
        let x = self.ln1.forward(x);
        let kv = self.attention.keys_values(x.clone());
        self.finish(x.slice([0..members, 0..n, from..seq, 0..d]), kv, mask, from)
    }

    /// The rest of the block for the normalised inputs `kept` (positions `from..`), given every
    /// position's keys and values.
    fn finish(
        &self,
        kept: Tensor<4>,
        kv: (Tensor<4>, Tensor<4>),
        mask: Tensor<2>,
        from: usize,
    ) -> Tensor<4> {
        let x = kept.clone() + self.attention.attend(kept, kv, mask, from);
        let hidden = activation::gelu(self.up.forward4(self.ln2.forward(x.clone())));
        x + self.down.forward4(hidden)
    }

    /// The block over rows whose first `P` positions are rows of a table: `table`
    /// `[members, u, P, d]` (before the block), `which` `[members·n]` picks each row's row of
    /// the flattened `[members·u, P, d]` table, `rest` `[members, n, R, d]` holds its positions
    /// `P..P + R`. Returns the table's outputs (when `table_too`) and the rows' outputs at
    /// positions `from..P + R` (`from ≥ P`): the same as the block over the whole rows, with
    /// the table's positions computed once per table row.
    fn forward_shared(
        &self,
        table: Tensor<4>,
        which: &Tensor<1, Int>,
        rest: Tensor<4>,
        mask: Tensor<2>,
        (from, table_too): (usize, bool),
    ) -> (Option<Tensor<4>>, Tensor<4>) {
        let [members, u, p, d] = table.dims();
        let [_, n, r, _] = rest.dims();
        let table = self.ln1.forward(table);
        let rest = self.ln1.forward(rest);
        let (table_keys, table_values) = self.attention.keys_values(table.clone());
        let (keys, values) = self.attention.keys_values(rest.clone());
        let rows = |t: &Tensor<4>, own: Tensor<4>| {
            let looked_up = t
                .clone()
                .reshape([members * u, p, d])
                .select(0, which.clone())
                .reshape([members, n, p, d]);
            Tensor::cat(vec![looked_up, own], 2)
        };
        let kv = (rows(&table_keys, keys), rows(&table_values, values));
        let kept = rest.slice([0..members, 0..n, from - p..r, 0..d]);
        let out = self.finish(kept, kv, mask.clone(), from);
        let table = table_too.then(|| self.finish(table, (table_keys, table_values), mask, 0));
        (table, out)
    }
}

/// Sizes of a [`Transformer`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransformerShape {
    pub vocabulary: usize,
    pub seq_len: usize,
    pub d_model: usize,
    pub heads: usize,
    pub layers: usize,
    /// Attention projections started as PyTorch's multi-head attention: query, key and value
    /// weights Xavier-uniform as one `[3d, d]` matrix (bound √(6 / 4d)) with zero biases, the
    /// output weights within ±1/√d and a zero output bias. Otherwise every projection is
    /// uniform within ±1/√d, biases too.
    pub xavier_attention: bool,
}

/// Decoder-only transformers returning next-token logits, one per member.
#[derive(Module, Debug)]
pub struct Transformer {
    /// `[members, vocabulary, d_model]` and `[members, seq_len, d_model]`.
    tokens: Param<Tensor<3>>,
    positions: Param<Tensor<3>>,
    blocks: Vec<Block>,
    ln_final: StackNorm,
    head: StackLinear,
    mask: Tensor<2>,
}

/// One member's initial values, parameter by parameter in [`TransformerShape::init`]'s order, drawn
/// from its stream as described there.
fn member_values(shape: TransformerShape, rng: &mut Stream) -> Vec<Vec<f32>> {
    let (d, v, s) = (shape.d_model, shape.vocabulary, shape.seq_len);
    let mut uniform = |n: usize, bound: f64| -> Vec<f32> {
        (0..n).map(|_| rng.range(-bound, bound) as f32).collect()
    };
    let mut values = Vec::new();
    let bound = 1.0 / (d as f64).sqrt();
    let xavier = (6.0 / (4.0 * d as f64)).sqrt();
    for _ in 0..shape.layers {
        // Query, key, value, output.
        for projection in 0..4 {
            if shape.xavier_attention {
                values.push(uniform(d * d, if projection < 3 { xavier } else { bound }));
                values.push(vec![0.0; d]);
            } else {
                values.push(uniform(d * d, bound));
                values.push(uniform(d, bound));
            }
        }
        values.push(uniform(d * 4 * d, bound));
        values.push(uniform(4 * d, bound));
        let down = 1.0 / ((4 * d) as f64).sqrt();
        values.push(uniform(4 * d * d, down));
        values.push(uniform(d, down));
    }
    values.push(uniform(d * v, bound));
    // The head's bias is drawn (the stream moves on as for any linear layer) and dropped.
    let _ = uniform(v, bound);
    let mut normal = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
    values.push(normal(v * d));
    values.push(normal(s * d));
    values
}

impl TransformerShape {
    /// One member per stream in `inits`. Each member draws from its stream, in order: each
    /// block's query, key, value and output projections, its MLP's two layers (weights, then
    /// biases where they are drawn: uniform within ±1/√fan-in, or the Xavier start of
    /// [`TransformerShape::xavier_attention`] with zero biases), the head (its bias is drawn and
    /// dropped), then the token and position embeddings (N(0, 1)); LayerNorms start at
    /// identity. The same stream gives the same network in any stack.
    pub fn init(&self, inits: &mut [Stream], device: &Device) -> Transformer {
        let shape = *self;
        let members = inits.len();
        let (d, v, s) = (shape.d_model, shape.vocabulary, shape.seq_len);
        let each: Vec<Vec<Vec<f32>>> = inits
            .iter_mut()
            .map(|rng| member_values(shape, rng))
            .collect();
        let mut next = 0;
        let mut take = |shape3: [usize; 3]| {
            let values: Vec<f32> = each.iter().flat_map(|m| m[next].iter().copied()).collect();
            next += 1;
            param(values, shape3, device)
        };
        let linear =
            |take: &mut dyn FnMut([usize; 3]) -> Param<Tensor<3>>, d_in, d_out| StackLinear {
                weight: take([members, d_in, d_out]),
                bias: Some(take([members, 1, d_out])),
            };
        let norm = || StackNorm {
            gamma: param(vec![1.0; members * d], [members, 1, d], device),
            beta: param(vec![0.0; members * d], [members, 1, d], device),
        };
        let blocks = (0..shape.layers)
            .map(|_| {
                let query = linear(&mut take, d, d);
                let key = linear(&mut take, d, d);
                let value = linear(&mut take, d, d);
                let output = linear(&mut take, d, d);
                let up = linear(&mut take, d, 4 * d);
                let down = linear(&mut take, 4 * d, d);
                Block {
                    ln1: norm(),
                    attention: CausalSelfAttention {
                        query,
                        key,
                        value,
                        output,
                        heads: shape.heads,
                    },
                    ln2: norm(),
                    up,
                    down,
                }
            })
            .collect();
        let head = StackLinear {
            weight: take([members, d, v]),
            bias: None,
        };
        let tokens = take([members, v, d]);
        let positions = take([members, s, d]);
        let mask: Vec<f32> = (0..s * s)
            .map(|i| if i % s > i / s { -1e9 } else { 0.0 })
            .collect();
        Transformer {
            tokens,
            positions,
            blocks,
            ln_final: norm(),
            head,
            mask: Tensor::from_data(TensorData::new(mask, [s, s]), device),
        }
    }
}

impl Transformer {
    pub fn members(&self) -> usize {
        self.tokens.dims()[0]
    }

    /// Trainable scalars of one member.
    pub fn parameters_per_member(&self) -> usize {
        self.num_params() / self.members()
    }

    /// Each member's embedded tokens `[members, n, len]` at positions `from..from + len`:
    /// `[members, n, len, d_model]`.
    fn embed(&self, tokens: Tensor<3, Int>, from: usize) -> Tensor<4> {
        let [members, n, len] = tokens.dims();
        let [_, vocabulary, d] = self.tokens.dims();
        let ids = tokens
            + member_offsets(members, vocabulary, &self.tokens.device()).reshape([members, 1, 1]);
        let embedded = self
            .tokens
            .val()
            .reshape([members * vocabulary, d])
            .select(0, ids.reshape([members * n * len]))
            .reshape([members, n, len, d]);
        let positions = self
            .positions
            .val()
            .slice([0..members, from..from + len, 0..d])
            .reshape([members, 1, len, d]);
        embedded + positions
    }

    /// Logits at every position: the model's plain definition, which training's
    /// [`Self::forward_last_shared`] is checked against (tests only).
    ///
    /// # Shapes
    /// - tokens: `[members, n, seq]`
    /// - output: `[members, n, seq, vocabulary]`
    #[cfg(test)]
    pub fn forward(&self, tokens: Tensor<3, Int>) -> Tensor<4> {
        let x = self.hidden(tokens, false);
        self.head.forward4(self.ln_final.forward(x))
    }

    /// The last block's output: `[members, n, seq, d_model]`, or `[members, n, 1, d_model]`
    /// with `last_only`.
    #[cfg(test)]
    fn hidden(&self, tokens: Tensor<3, Int>, last_only: bool) -> Tensor<4> {
        let seq = tokens.dims()[2];
        let mut x = self.embed(tokens, 0);
        let mask = self.mask.clone().slice([0..seq, 0..seq]);
        let last_block = self.blocks.len().saturating_sub(1);
        for (i, block) in self.blocks.iter().enumerate() {
            let from = if last_only && i == last_block {
                seq - 1
            } else {
                0
            };
            x = block.forward(x, mask.clone(), from);
        }
        x
    }

    /// Logits at the last position: `[members, n, vocabulary]`, the same as
    /// [`Self::forward`]'s last position for a third less arithmetic with the paper's two
    /// layers. Nothing after the last block's keys and values mixes positions, so in the last
    /// block only the last position's query, attention row, output projection and MLP are
    /// computed, and only it goes through the final LayerNorm and the head; the earlier blocks
    /// still give every position (the last block's keys and values need them). Tests only:
    /// training uses [`Self::forward_last_shared`].
    #[cfg(test)]
    pub fn forward_last(&self, tokens: Tensor<3, Int>) -> Tensor<3> {
        let x = self.hidden(tokens, true);
        let [members, n, _, _] = x.dims();
        let logits = self.head.forward4(self.ln_final.forward(x));
        let vocabulary = logits.dims()[3];
        logits.reshape([members, n, vocabulary])
    }

    /// Logits at the last position (`[members, n, vocabulary]`, the same as the plain model's)
    /// for rows whose first `P` tokens are one of a few prefixes:
    /// `prefixes` `[u, P]` lists them (the same for every member), `which` `[members, n]` picks
    /// each row's, `rest` `[members, n, R]` holds its other tokens. Causal attention makes the
    /// first `P` positions of every block a function of the prefix alone, so they are computed
    /// once per prefix (u rows a member) and looked up. Nothing after the last block's keys
    /// and values mixes positions, so the last block computes the last position only. For `x ∘ y =` with one operation the prefix
    /// `x ∘` has p values: with the paper's batch of 512 and p = 97 this is a third less
    /// arithmetic again.
    pub fn forward_last_shared(
        &self,
        prefixes: Tensor<2, Int>,
        which: Tensor<2, Int>,
        rest: Tensor<3, Int>,
    ) -> Tensor<3> {
        let [u, p] = prefixes.dims();
        let [members, n, r] = rest.dims();
        let seq = p + r;
        let device = self.tokens.device();
        let mut table = self.embed(prefixes.unsqueeze::<3>().repeat_dim(0, members), 0);
        let mut x = self.embed(rest, p);
        // Row i of member m is row m·u + which[m, i] of the flattened tables.
        let which = (which + member_offsets(members, u, &device).reshape([members, 1]))
            .reshape([members * n]);
        let mask = self.mask.clone().slice([0..seq, 0..seq]);
        let layers = self.blocks.len();
        for (i, block) in self.blocks.iter().enumerate() {
            let last = i + 1 == layers;
            let from = if last { seq - 1 } else { p };
            let (next, out) =
                block.forward_shared(table.clone(), &which, x, mask.clone(), (from, !last));
            x = out;
            if let Some(next) = next {
                table = next;
            }
        }
        let logits = self.head.forward4(self.ln_final.forward(x));
        let vocabulary = logits.dims()[3];
        logits.reshape([members, n, vocabulary])
    }

    /// The token embeddings of tokens `0..rows` of every member: `[members, rows, d_model]`,
    /// detached.
    pub fn embeddings(&self, rows: usize) -> Tensor<3> {
        let [members, _, d] = self.tokens.dims();
        self.tokens
            .val()
            .detach()
            .slice([0..members, 0..rows, 0..d])
    }

    /// The unembedding of the first `classes` output classes, class by class:
    /// `[members, classes, d_model]`, detached. The final LayerNorm's gain is folded in (the
    /// head reads `γ ⊙ x̂`), so a row is what a normalised residual direction adds to that
    /// class's logit.
    pub fn unembedding(&self, classes: usize) -> Tensor<3> {
        self.folded_head(classes).swap_dims(1, 2)
    }

    /// The last block's neuron-to-logit map (Nanda et al. 2023's `W_U · W_out`): how much each
    /// of its MLP's `4·d_model` neurons adds to each of the first `classes` logits through the
    /// residual stream, class by class: `[members, classes, 4·d_model]`, detached. The final
    /// LayerNorm's gain is folded in, its centring and scale are not (they are per example).
    pub fn neuron_logits(&self, classes: usize) -> Tensor<3> {
        let head = self.folded_head(classes); // [members, d, classes]
        let down = match self.blocks.last() {
            Some(block) => block.down.weight.val().detach(), // [members, 4d, d]
            None => return self.unembedding(classes),
        };
        down.matmul(head).swap_dims(1, 2)
    }

    /// The head's weights for the first `classes` classes times the final LayerNorm's gain:
    /// `[members, d_model, classes]`, detached.
    fn folded_head(&self, classes: usize) -> Tensor<3> {
        let [members, d, _] = self.head.weight.dims();
        let gain = self.ln_final.gamma.val().detach().reshape([members, d, 1]);
        self.head
            .weight
            .val()
            .detach()
            .slice([0..members, 0..d, 0..classes])
            * gain
    }

    /// Each member's weight norm (all parameters): `[members]`, detached.
    pub fn weight_norms(&self) -> Tensor<1> {
        let mut squares = MemberSquares {
            members: self.members(),
            sum: None,
        };
        self.visit(&mut squares);
        squares
            .sum
            .unwrap_or_else(|| Tensor::zeros([self.members()], &self.tokens.device()))
            .sqrt()
    }
}

/// `[members]`: `0, size, 2·size, …`, the first row of each member in a flattened stack.
fn member_offsets(members: usize, size: usize, device: &Device) -> Tensor<1, Int> {
    Tensor::<1, Int>::arange(0..members as i64, device).mul_scalar(size as i64)
}

/// Sums the squares of every float parameter, member by member.
struct MemberSquares {
    members: usize,
    sum: Option<Tensor<1>>,
}

impl ModuleVisitor for MemberSquares {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let s = param
            .val()
            .detach()
            .powi_scalar(2)
            .reshape([self.members as i32, -1])
            .sum_dim(1)
            .reshape([self.members]);
        self.sum = Some(match self.sum.take() {
            Some(acc) => acc + s,
            None => s,
        });
    }
}

#[cfg(test)]
mod tests;
