//! The decoder-only transformer of the grokking experiments (Power et al. 2022; the block as
//! in the Grokfast reference code): token + learned position embeddings, `layers` blocks of
//! `x = ln1(x); x = x + attn(x); x = x + mlp(ln2(x))` (note: the attention residual adds to
//! the *normalised* input), a final LayerNorm and a bias-free output head.

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};

use super::init;
use crate::rng::Stream;

/// Causal multi-head self-attention with input and output projections.
#[derive(Module, Debug)]
pub struct CausalSelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    #[module(skip)]
    heads: usize,
}

impl CausalSelfAttention {
    /// Every projection uniform within ±1/√d (biases too), or with `xavier` as PyTorch's
    /// multi-head attention starts: query, key and value weights Xavier-uniform as one
    /// `[3d, d]` matrix (bound √(6 / 4d)) with zero biases, the output weights within ±1/√d
    /// and a zero output bias.
    fn new(d_model: usize, heads: usize, xavier: bool, rng: &mut Stream, device: &Device) -> Self {
        if !xavier {
            return Self {
                query: init::linear(d_model, d_model, rng, device),
                key: init::linear(d_model, d_model, rng, device),
                value: init::linear(d_model, d_model, rng, device),
                output: init::linear(d_model, d_model, rng, device),
                heads,
            };
        }
        let d = d_model as f64;
        let in_bound = (6.0 / (4.0 * d)).sqrt();
        let mut projection =
            |bound| init::linear_within(d_model, d_model, bound, None, rng, device);
        Self {
            query: projection(in_bound),
            key: projection(in_bound),
            value: projection(in_bound),
            output: projection(1.0 / d.sqrt()),
            heads,
        }
    }

    /// Every position's keys and values: `[batch, seq, d_model]` each.
    fn keys_values(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        (self.key.forward(x.clone()), self.value.forward(x))
    }

    /// Attention from the queries of `x` (positions `from..from + rows`) over `keys` and
    /// `values` (positions `0..seq`).
    ///
    /// # Shapes
    /// - x: `[batch, rows, d_model]`, keys and values: `[batch, seq, d_model]`, mask: at least
    ///   `[from + rows, seq]` (0 on and below the diagonal, a large negative number above it)
    /// - output: `[batch, rows, d_model]`
    fn attend(
        &self,
        x: Tensor<3>,
        (keys, values): (Tensor<3>, Tensor<3>),
        mask: Tensor<2>,
        from: usize,
    ) -> Tensor<3> {
        let [batch, queries, d_model] = x.dims();
        let seq = keys.dims()[1];
        let d_head = d_model / self.heads;
        // [batch, rows, d_model] -> [batch, heads, rows, d_head]
        let split = |t: Tensor<3>, rows: usize| {
            t.reshape([batch, rows, self.heads, d_head]).swap_dims(1, 2)
        };
        let q = split(self.query.forward(x), queries);
        let k = split(keys, seq);
        let v = split(values, seq);
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .div_scalar((d_head as f64).sqrt()); // [b, h, queries, s]
        let mask = mask.slice([from..from + queries, 0..seq]);
        let weights = activation::softmax(scores + mask.unsqueeze::<4>(), 3);
        let mixed = weights
            .matmul(v)
            .swap_dims(1, 2)
            .reshape([batch, queries, d_model]);
        self.output.forward(mixed)
    }
}

/// One transformer block.
#[derive(Module, Debug)]
pub struct Block {
    ln1: LayerNorm,
    attention: CausalSelfAttention,
    ln2: LayerNorm,
    up: Linear,
    down: Linear,
}

impl Block {
    /// The block's output at positions `from..seq`: `[batch, seq - from, d_model]` (every
    /// position's keys and values still come from all of `x`).
    fn forward(&self, x: Tensor<3>, mask: Tensor<2>, from: usize) -> Tensor<3> {
        let [batch, seq, _] = x.dims();
        let x = self.ln1.forward(x);
        let kv = self.attention.keys_values(x.clone());
        self.finish(x.slice([0..batch, from..seq]), kv, mask, from)
    }

    /// The rest of the block for the normalised inputs `kept` (positions `from..`), given every
    /// position's keys and values.
    fn finish(
        &self,
        kept: Tensor<3>,
        kv: (Tensor<3>, Tensor<3>),
        mask: Tensor<2>,
        from: usize,
    ) -> Tensor<3> {
        let x = kept.clone() + self.attention.attend(kept, kv, mask, from);
        let hidden = activation::gelu(self.up.forward(self.ln2.forward(x.clone())));
        x + self.down.forward(hidden)
    }

    /// The block over rows whose first `P` positions are rows of a table: `table` `[u, P, d]`
    /// (before the block), `which` `[batch]` picks each row's, `rest` `[batch, R, d]` holds its
    /// positions `P..P + R`. Returns the table's outputs (when `table_too`) and the rows'
    /// outputs at positions `from..P + R` (`from ≥ P`): the same as the block over the whole
    /// rows, with the table's positions computed once per table row.
    fn forward_shared(
        &self,
        table: Tensor<3>,
        which: &Tensor<1, Int>,
        rest: Tensor<3>,
        mask: Tensor<2>,
        (from, table_too): (usize, bool),
    ) -> (Option<Tensor<3>>, Tensor<3>) {
        let [_, p, _] = table.dims();
        let [batch, r, _] = rest.dims();
        let table = self.ln1.forward(table);
        let rest = self.ln1.forward(rest);
        let (table_keys, table_values) = self.attention.keys_values(table.clone());
        let (keys, values) = self.attention.keys_values(rest.clone());
        let rows = |t: &Tensor<3>, own: Tensor<3>| {
            Tensor::cat(vec![t.clone().select(0, which.clone()), own], 1)
        };
        let kv = (rows(&table_keys, keys), rows(&table_values, values));
        let out = self.finish(rest.slice([0..batch, from - p..r]), kv, mask.clone(), from);
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
    /// Attention projections started as PyTorch's multi-head attention (see
    /// [`CausalSelfAttention::new`]).
    pub xavier_attention: bool,
}

/// A decoder-only transformer returning next-token logits at every position.
#[derive(Module, Debug)]
pub struct Transformer {
    tokens: Param<Tensor<2>>,
    positions: Param<Tensor<2>>,
    blocks: Vec<Block>,
    ln_final: LayerNorm,
    head: Linear,
    mask: Tensor<2>,
}

fn normal_param(rows: usize, cols: usize, rng: &mut Stream, device: &Device) -> Param<Tensor<2>> {
    let values: Vec<f32> = (0..rows * cols).map(|_| rng.normal() as f32).collect();
    Param::from_tensor(Tensor::from_data(
        TensorData::new(values, [rows, cols]),
        device,
    ))
}

impl Transformer {
    /// A new transformer with seeded host-side weights (embeddings N(0, 1), linear layers
    /// uniform ±1/sqrt(fan_in), LayerNorms at identity).
    pub fn new(shape: TransformerShape, rng: &mut Stream, device: &Device) -> Self {
        let d = shape.d_model;
        let blocks = (0..shape.layers)
            .map(|_| Block {
                ln1: LayerNormConfig::new(d).init(device),
                attention: CausalSelfAttention::new(
                    d,
                    shape.heads,
                    shape.xavier_attention,
                    rng,
                    device,
                ),
                ln2: LayerNormConfig::new(d).init(device),
                up: init::linear(d, 4 * d, rng, device),
                down: init::linear(4 * d, d, rng, device),
            })
            .collect();
        let mut head = init::linear(d, shape.vocabulary, rng, device);
        head.bias = None;
        let s = shape.seq_len;
        let mask: Vec<f32> = (0..s * s)
            .map(|i| if i % s > i / s { -1e9 } else { 0.0 })
            .collect();
        Self {
            tokens: normal_param(shape.vocabulary, d, rng, device),
            positions: normal_param(s, d, rng, device),
            blocks,
            ln_final: LayerNormConfig::new(d).init(device),
            head,
            mask: Tensor::from_data(TensorData::new(mask, [s, s]), device),
        }
    }

    /// # Shapes
    /// - tokens: `[batch, seq]`
    /// - output: `[batch, seq, vocabulary]`
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        self.head
            .forward(self.ln_final.forward(self.hidden(tokens, false)))
    }

    /// The last block's output: `[batch, seq, d_model]`, or `[batch, 1, d_model]` with
    /// `last_only`.
    fn hidden(&self, tokens: Tensor<2, Int>, last_only: bool) -> Tensor<3> {
        let [batch, seq] = tokens.dims();
        let d = self.tokens.dims()[1];
        let flat = tokens.reshape([batch * seq]);
        let embedded = self.tokens.val().select(0, flat).reshape([batch, seq, d]);
        let mut x = embedded + self.positions.val().slice(0..seq).unsqueeze::<3>();
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

    /// The token embeddings of tokens `0..rows`: `[rows, d_model]`, detached.
    pub fn embeddings(&self, rows: usize) -> Tensor<2> {
        let d = self.tokens.dims()[1];
        self.tokens.val().detach().slice([0..rows, 0..d])
    }

    /// [`Self::forward_last`] for rows whose first `P` tokens are one of a few prefixes:
    /// `prefixes` `[u, P]` lists them, `which` `[batch]` picks each row's, `rest` `[batch, R]`
    /// holds its other tokens. Causal attention makes the first `P` positions of every block
    /// a function of the prefix alone, so they are computed once per prefix (u rows) and looked
    /// up; the logits equal [`Self::forward_last`]'s on the whole rows. For `x ∘ y =` with one
    /// operation the prefix `x ∘` has p values: with the paper's batch of 512 and p = 97 this
    /// is a third less arithmetic again.
    pub fn forward_last_shared(
        &self,
        prefixes: Tensor<2, Int>,
        which: Tensor<1, Int>,
        rest: Tensor<2, Int>,
    ) -> Tensor<2> {
        let [u, p] = prefixes.dims();
        let [batch, r] = rest.dims();
        let seq = p + r;
        let d = self.tokens.dims()[1];
        let embed = |tokens: Tensor<2, Int>, rows: usize, from: usize, len: usize| {
            self.tokens
                .val()
                .select(0, tokens.reshape([rows * len]))
                .reshape([rows, len, d])
                + self
                    .positions
                    .val()
                    .slice(from..from + len)
                    .unsqueeze::<3>()
        };
        let mut table = embed(prefixes, u, 0, p);
        let mut x = embed(rest, batch, p, r);
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
        self.head
            .forward(self.ln_final.forward(x.reshape([batch, d])))
    }

    /// Logits at the last position: `[batch, vocabulary]`, the same as [`Self::forward`]'s last
    /// position for a third less arithmetic with the paper's two layers. Nothing after the last
    /// block's keys and values mixes positions, so in the last block only the last position's
    /// query, attention row, output projection and MLP are computed, and only it goes through
    /// the final LayerNorm and the head; the earlier blocks still give every position (the
    /// last block's keys and values need them).
    pub fn forward_last(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        let x = self.hidden(tokens, true);
        let [batch, _, d] = x.dims();
        self.head
            .forward(self.ln_final.forward(x.reshape([batch, d])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> (Transformer, Device) {
        tiny_with(false)
    }

    fn tiny_with(xavier_attention: bool) -> (Transformer, Device) {
        let device = Device::flex();
        let shape = TransformerShape {
            vocabulary: 9,
            seq_len: 4,
            d_model: 16,
            heads: 4,
            layers: 2,
            xavier_attention,
        };
        (
            Transformer::new(shape, &mut Stream::new(1, "init"), &device),
            device,
        )
    }

    fn tokens(rows: &[[i64; 4]], device: &Device) -> Tensor<2, Int> {
        let flat: Vec<i64> = rows.iter().flatten().copied().collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), 4]), device)
    }

    /// The reference's attention start: zero biases, query/key/value weights within the
    /// Xavier bound of the fused [3d, d] matrix, output weights within 1/√d.
    #[test]
    fn xavier_attention_starts_as_the_reference() {
        let (model, _) = tiny_with(true);
        let attention = &model.blocks[0].attention;
        let largest = |t: Tensor<2>| {
            t.abs()
                .max()
                .into_data()
                .iter::<f32>()
                .next()
                .expect("a value")
        };
        let xavier = (6.0f32 / 64.0).sqrt();
        for (linear, bound) in [
            (&attention.query, xavier),
            (&attention.key, xavier),
            (&attention.value, xavier),
            (&attention.output, 0.25),
        ] {
            let w = largest(linear.weight.val());
            assert!(w <= bound && w > 0.8 * bound, "{w} vs {bound}");
            let bias = linear.bias.as_ref().expect("a bias").val();
            assert_eq!(largest(bias.unsqueeze()), 0.0);
        }
        // The feed-forward layers keep their biases.
        let up = model.blocks[0].up.bias.as_ref().expect("a bias").val();
        assert!(largest(up.unsqueeze()) > 0.0);
    }

    #[test]
    fn shapes_and_parameter_count() {
        let (model, device) = tiny();
        let out = model.forward(tokens(&[[1, 7, 2, 8], [3, 7, 4, 8]], &device));
        assert_eq!(out.dims(), [2, 4, 9]);
        // embeddings 9*16 + 4*16; per block: 4 attention projections (16*16+16), 2 LayerNorms
        // (2*16), MLP 16*64+64 + 64*16+16; final LayerNorm 2*16; head 16*9.
        let block = 4 * (16 * 16 + 16) + 2 * 2 * 16 + (16 * 64 + 64) + (64 * 16 + 16);
        assert_eq!(
            model.num_params(),
            9 * 16 + 4 * 16 + 2 * block + 2 * 16 + 16 * 9
        );
    }

    #[test]
    fn the_last_position_alone_gives_the_same_logits() {
        let (model, device) = tiny();
        let rows = [[1, 7, 2, 8], [3, 7, 4, 8], [0, 7, 5, 8]];
        let all = model.forward(tokens(&rows, &device));
        let last = model.forward_last(tokens(&rows, &device));
        let diff: f32 = (all.slice([0..3, 3..4]).reshape([3, 9]) - last)
            .abs()
            .max()
            .into_scalar();
        assert!(diff < 1e-5, "{diff}");
    }

    #[test]
    fn shared_prefixes_give_the_same_logits() {
        let (model, device) = tiny();
        // Rows x, 7, y, 8: the prefix (x, 7) is one of the table's rows 0..5.
        let rows = [
            [1, 7, 2, 8],
            [3, 7, 4, 8],
            [0, 7, 5, 8],
            [3, 7, 0, 8],
            [1, 7, 1, 8],
        ];
        let prefixes: Vec<[i64; 2]> = (0..5).map(|x| [x, 7]).collect();
        let flat: Vec<i64> = prefixes.iter().flatten().copied().collect();
        let prefixes = Tensor::<2, Int>::from_data(TensorData::new(flat, [5, 2]), &device);
        let which: Vec<i64> = rows.iter().map(|r| r[0]).collect();
        let which = Tensor::<1, Int>::from_data(TensorData::new(which, [5]), &device);
        let all = tokens(&rows, &device);
        let rest = all.clone().slice([0..5, 2..4]);
        let shared = model.forward_last_shared(prefixes.clone(), which.clone(), rest.clone());
        let last = model.forward_last(all);
        let diff: f32 = (shared - last).abs().max().into_scalar();
        assert!(diff < 1e-5, "{diff}");
        // A row that looks up another prefix gets other logits (the table is used).
        let wrong =
            Tensor::<1, Int>::from_data(TensorData::new(vec![2i64, 3, 0, 3, 1], [5]), &device);
        let moved = model.forward_last_shared(prefixes, wrong, rest);
        let first = |t: Tensor<2>| t.slice([0..1, 0..9]);
        let gap: f32 = (first(moved) - first(model.forward_last(tokens(&rows, &device))))
            .abs()
            .max()
            .into_scalar();
        assert!(gap > 1e-4, "{gap}");
    }

    #[test]
    fn attention_is_causal() {
        // Changing the last token must not change the logits at earlier positions.
        let (model, device) = tiny();
        let a = model
            .forward(tokens(&[[1, 7, 2, 8]], &device))
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        let b = model
            .forward(tokens(&[[1, 7, 2, 5]], &device))
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        let per_position = 9;
        for i in 0..3 * per_position {
            assert!(
                (a[i] - b[i]).abs() < 1e-5,
                "position {} changed",
                i / per_position
            );
        }
        assert!((3 * per_position..4 * per_position).any(|i| (a[i] - b[i]).abs() > 1e-4));
    }
}
