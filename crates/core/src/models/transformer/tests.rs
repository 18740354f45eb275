use super::*;

const V: usize = 9;

fn shape(xavier_attention: bool) -> TransformerShape {
    TransformerShape {
        vocabulary: V,
        seq_len: 4,
        d_model: 16,
        heads: 4,
        layers: 2,
        xavier_attention,
    }
}

fn stack(seeds: &[u64], xavier: bool) -> Transformer {
    let mut inits: Vec<Stream> = seeds.iter().map(|&s| Stream::new(s, "init")).collect();
    shape(xavier).init(&mut inits, &Device::flex())
}

/// `[members, n, 4]` tokens: member m's rows are `rows[m]`.
fn tokens(rows: &[&[[i64; 4]]]) -> Tensor<3, Int> {
    let n = rows[0].len();
    let flat: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.iter().flatten().copied())
        .collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), n, 4]), &Device::flex())
}

fn largest<const D: usize>(t: Tensor<D>) -> f32 {
    t.abs().max().into_scalar()
}

/// The reference's attention start: zero biases, query/key/value weights within the
/// Xavier bound of the fused [3d, d] matrix, output weights within 1/√d.
#[test]
fn xavier_attention_starts_as_the_reference() {
    let model = stack(&[1], true);
    let attention = &model.blocks[0].attention;
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
        assert_eq!(largest(bias), 0.0);
    }
    // The feed-forward layers keep their biases.
    let up = model.blocks[0].up.bias.as_ref().expect("a bias").val();
    assert!(largest(up) > 0.0);
}

#[test]
fn shapes_and_parameter_count() {
    let model = stack(&[1, 2], false);
    let out = model.forward(tokens(&[
        &[[1, 7, 2, 8], [3, 7, 4, 8]],
        &[[0, 7, 1, 8], [5, 7, 5, 8]],
    ]));
    assert_eq!(out.dims(), [2, 2, 4, V]);
    // embeddings 9*16 + 4*16; per block: 4 attention projections (16*16+16), 2 LayerNorms
    // (2*16), MLP 16*64+64 + 64*16+16; final LayerNorm 2*16; head 16*9.
    let block = 4 * (16 * 16 + 16) + 2 * 2 * 16 + (16 * 64 + 64) + (64 * 16 + 16);
    assert_eq!(
        model.parameters_per_member(),
        9 * 16 + 4 * 16 + 2 * block + 2 * 16 + 16 * 9
    );
    assert_eq!(model.weight_norms().dims(), [2]);
}

/// A member computes what the same network alone computes, whatever its neighbours, on its
/// own rows: the same stream gives the same network in any stack.
#[test]
fn members_are_independent_networks() {
    let a: &[[i64; 4]] = &[[1, 7, 2, 8], [6, 7, 6, 8], [0, 7, 3, 8]];
    let b: &[[i64; 4]] = &[[4, 7, 4, 8], [5, 7, 1, 8], [2, 7, 2, 8]];
    for xavier in [false, true] {
        let both = stack(&[3, 5], xavier);
        let lone = stack(&[5], xavier);
        let out = both.forward_last(tokens(&[a, b]));
        let alone = lone.forward_last(tokens(&[b]));
        assert_eq!(
            largest(out.clone().slice([1..2, 0..3, 0..V]) - alone),
            0.0,
            "member 1 is the seed-5 network"
        );
        let other = largest(out.slice([0..1, 0..3, 0..V]) - lone.forward_last(tokens(&[a])));
        assert!(other > 1e-3, "member 0 is another network");
        let values = |t: Tensor<1>| t.into_data().iter::<f32>().collect::<Vec<_>>();
        let (norms, lone_norm) = (values(both.weight_norms()), values(lone.weight_norms()));
        assert_eq!(norms[1], lone_norm[0]);
        assert_ne!(norms[0], norms[1]);
    }
}

#[test]
fn the_last_position_alone_gives_the_same_logits() {
    let model = stack(&[1, 2], false);
    let rows = tokens(&[
        &[[1, 7, 2, 8], [3, 7, 4, 8], [0, 7, 5, 8]],
        &[[2, 7, 2, 8], [4, 7, 0, 8], [1, 7, 1, 8]],
    ]);
    let all = model.forward(rows.clone());
    let last = model.forward_last(rows);
    let diff = largest(all.slice([0..2, 0..3, 3..4, 0..V]).reshape([2, 3, V]) - last);
    assert!(diff < 1e-5, "{diff}");
}

#[test]
fn shared_prefixes_give_the_same_logits() {
    let model = stack(&[1, 2], false);
    let device = Device::flex();
    // Rows x, 7, y, 8: the prefix (x, 7) is one of the table's rows 0..6.
    let a: &[[i64; 4]] = &[[1, 7, 2, 8], [3, 7, 4, 8], [0, 7, 5, 8], [3, 7, 0, 8]];
    let b: &[[i64; 4]] = &[[4, 7, 4, 8], [1, 7, 1, 8], [1, 7, 3, 8], [2, 7, 0, 8]];
    let flat: Vec<i64> = (0..6).flat_map(|x| [x, 7]).collect();
    let prefixes = Tensor::<2, Int>::from_data(TensorData::new(flat, [6, 2]), &device);
    let all = tokens(&[a, b]);
    let which = all.clone().slice([0..2, 0..4, 0..1]).reshape([2, 4]);
    let rest = all.clone().slice([0..2, 0..4, 2..4]);
    let shared = model.forward_last_shared(prefixes.clone(), which.clone(), rest.clone());
    let diff = largest(shared - model.forward_last(all.clone()));
    assert!(diff < 1e-5, "{diff}");
    // A row that looks up another prefix gets other logits (the table is used).
    let moved = model.forward_last_shared(prefixes, which.add_scalar(1), rest);
    let gap = largest(
        moved.slice([0..1, 0..1, 0..V]) - model.forward_last(all).slice([0..1, 0..1, 0..V]),
    );
    assert!(gap > 1e-4, "{gap}");
}

#[test]
fn attention_is_causal() {
    // Changing the last token must not change the logits at earlier positions.
    let model = stack(&[1], false);
    let a = model.forward(tokens(&[&[[1, 7, 2, 8]]]));
    let b = model.forward(tokens(&[&[[1, 7, 2, 5]]]));
    let early = largest(
        a.clone().slice([0..1, 0..1, 0..3, 0..V]) - b.clone().slice([0..1, 0..1, 0..3, 0..V]),
    );
    assert!(early < 1e-5, "{early}");
    let last = largest(a.slice([0..1, 0..1, 3..4, 0..V]) - b.slice([0..1, 0..1, 3..4, 0..V]));
    assert!(last > 1e-4, "{last}");
}

/// The output maps the grokking session reads the waves in: the unembedding is the head's
/// weights times the final LayerNorm's gain, class by class, and the neuron-to-logit map is the
/// last block's MLP output weights through it (`W_out · diag(γ) · W_U`), member by member.
#[test]
fn the_output_maps_are_the_last_mlp_through_the_gained_head() {
    let device = Device::flex();
    let mut model = stack(&[3, 4], false);
    let (members, d, classes) = (2, 16, 7);
    let gains: Vec<f32> = (0..members * d).map(|i| 0.5 + 0.1 * i as f32).collect();
    model.ln_final.gamma = param(gains.clone(), [members, 1, d], &device);
    let values = |t: Tensor<3>| -> Vec<f32> { t.into_data().try_to_vec().expect("f32") };
    let head = values(model.head.weight.val()); // [members, d, V]
    let down = values(model.blocks[1].down.weight.val()); // [members, 4d, d]
    let unembedding = model.unembedding(classes);
    let neuron_logits = model.neuron_logits(classes);
    assert_eq!(unembedding.dims(), [members, classes, d]);
    assert_eq!(neuron_logits.dims(), [members, classes, 4 * d]);
    let (unembedding, neuron_logits) = (values(unembedding), values(neuron_logits));
    for m in 0..members {
        let w_u = |i: usize, c: usize| gains[m * d + i] * head[(m * d + i) * V + c];
        for c in 0..classes {
            for i in 0..d {
                let got = unembedding[(m * classes + c) * d + i];
                assert!((got - w_u(i, c)).abs() < 1e-6, "unembedding {m} {c} {i}");
            }
            for j in 0..4 * d {
                let want: f32 = (0..d)
                    .map(|i| down[(m * 4 * d + j) * d + i] * w_u(i, c))
                    .sum();
                let got = neuron_logits[(m * classes + c) * 4 * d + j];
                assert!(
                    (got - want).abs() < 1e-5,
                    "neuron {j} to logit {c} of member {m}"
                );
            }
        }
    }
}
