//! Binary operations modulo a prime: every equation `x ∘ y = z (mod p)`, the data set of
//! Power et al. (2022), "Grokking: Generalization Beyond Overfitting on Small Algorithmic
//! Datasets". Inputs are token sequences `[x, op, y, =]`; the label is `z`.

use serde::{Deserialize, Serialize};

use crate::rng::Stream;

/// The operation `∘`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Sub,
    Mul,
    /// `x / y = x * y^(p-2)` for `y != 0` (needs a prime `p`).
    Div,
}

impl Op {
    pub const NAMES: &'static [&'static str] = &["add", "sub", "mul", "div"];

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "−",
            Op::Mul => "×",
            Op::Div => "÷",
        }
    }

    fn apply(self, x: u32, y: u32, p: u32) -> Option<u32> {
        let (x, y, m) = (u64::from(x), u64::from(y), u64::from(p));
        let z = match self {
            Op::Add => (x + y) % m,
            Op::Sub => (x + m - y) % m,
            Op::Mul => (x * y) % m,
            Op::Div if y == 0 => return None,
            Op::Div => (x * pow_mod(y, m - 2, m)) % m,
        };
        Some(z as u32)
    }
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    let mut acc = 1 % m;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc * base % m;
        }
        base = base * base % m;
        exp >>= 1;
    }
    acc
}

/// Whether `n` is prime (trial division; `n` is small).
pub fn is_prime(n: u32) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// The smallest primitive root of the prime `p`: a generator of the multiplicative group.
pub fn primitive_root(p: u32) -> u32 {
    let n = p - 1;
    let mut factors = Vec::new();
    let (mut m, mut q) = (n, 2);
    while q * q <= m {
        if m.is_multiple_of(q) {
            factors.push(q);
            while m.is_multiple_of(q) {
                m /= q;
            }
        }
        q += 1;
    }
    if m > 1 {
        factors.push(m);
    }
    (2..p)
        .find(|&g| {
            factors
                .iter()
                .all(|&f| pow_mod(u64::from(g), u64::from(n / f), u64::from(p)) != 1)
        })
        .unwrap_or(1)
}

/// The Fourier basis of the group `op` acts in, over the number tokens `0..p`: for each
/// frequency `k = 1..=K` a cosine row, then all the sine rows: `(K, [2K, p] row-major)`.
/// Addition and subtraction live in the additive group (waves of period `p` in `x`);
/// multiplication and division in the multiplicative one, a cycle of length `p − 1` in the
/// order of the discrete logarithm (`x = gⁱ` for a primitive root `g`), where token 0 has no
/// place (its column is zero). A network that has learned the operation represents numbers
/// with a few of these waves (Nanda et al. 2023, for addition).
pub fn fourier_basis(op: Op, p: u32) -> (usize, Vec<f32>) {
    let pu = p as usize;
    // Each number's position on the group's cycle, and the cycle's length.
    let (position, n): (Vec<Option<usize>>, usize) = match op {
        Op::Add | Op::Sub => ((0..pu).map(Some).collect(), pu),
        Op::Mul | Op::Div => {
            let g = u64::from(primitive_root(p));
            let mut position = vec![None; pu];
            let mut x = 1u64;
            for i in 0..pu - 1 {
                position[x as usize] = Some(i);
                x = x * g % u64::from(p);
            }
            (position, pu - 1)
        }
    };
    let k_max = (n - 1) / 2 + usize::from(n.is_multiple_of(2));
    let mut basis = vec![0f32; 2 * k_max * pu];
    for k in 1..=k_max {
        for (x, pos) in position.iter().enumerate() {
            if let Some(i) = pos {
                let angle = std::f64::consts::TAU * (k * i) as f64 / n as f64;
                basis[(k - 1) * pu + x] = angle.cos() as f32;
                basis[(k_max + k - 1) * pu + x] = angle.sin() as f32;
            }
        }
    }
    (k_max, basis)
}

/// One equation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Equation {
    pub x: u32,
    pub y: u32,
    /// The answer the model is trained on (possibly corrupted).
    pub z: u32,
    /// Whether `z` was replaced: by a wrong answer ([`split`]), or by one drawn uniformly
    /// from all `p`, which is right by chance one time in `p` ([`relabel_at_random`]).
    pub corrupted: bool,
}

impl Equation {
    /// Tokens `[x, op, y, =]`: numbers are `0..p`, `op` is `p`, `=` is `p + 1`.
    pub fn tokens(&self, p: u32) -> [u32; 4] {
        [self.x, p, self.y, p + 1]
    }
}

/// Vocabulary size for modulus `p`: the numbers plus the operator and `=` tokens.
pub fn vocabulary(p: u32) -> usize {
    p as usize + 2
}

/// Every equation of `op` modulo `p`, in order of `(x, y)`.
pub fn all_equations(op: Op, p: u32) -> Vec<Equation> {
    equations(op, p, 0)
}

/// The equations of `op` modulo `p` with `y ≥ y_from`, in order of `(x, y)` (`y_from = 1`
/// leaves out y = 0, as the Grokfast reference code does).
pub fn equations(op: Op, p: u32, y_from: u32) -> Vec<Equation> {
    (0..p)
        .flat_map(|x| (y_from..p).map(move |y| (x, y)))
        .filter_map(|(x, y)| {
            op.apply(x, y, p).map(|z| Equation {
                x,
                y,
                z,
                corrupted: false,
            })
        })
        .collect()
}

/// How many of `n` equations [`split`] trains on at `train_fraction`: rounded, and at least one
/// on each side.
pub fn train_count(n: usize, train_fraction: f64) -> usize {
    ((n as f64 * train_fraction).round() as usize).clamp(1, n.saturating_sub(1).max(1))
}

/// Splits the equations at random into train and validation sets (`train_fraction` of them
/// for training, at least one on each side), then replaces the answers of a `corruption`
/// fraction of the training equations by a uniformly drawn wrong answer.
pub fn split(
    mut equations: Vec<Equation>,
    train_fraction: f64,
    corruption: f64,
    p: u32,
    rng: &mut Stream,
) -> (Vec<Equation>, Vec<Equation>) {
    rng.shuffle(&mut equations);
    let n_train = train_count(equations.len(), train_fraction);
    let val = equations.split_off(n_train);
    let mut train = equations;
    let n_corrupt = (n_train as f64 * corruption).round() as usize;
    for e in train.iter_mut().take(n_corrupt) {
        // A wrong answer, uniform over the other p - 1 values.
        let shift = 1 + rng.below(p as usize - 1) as u32;
        e.z = (e.z + shift) % p;
        e.corrupted = true;
    }
    (train, val)
}

/// Replaces the answers of the first `⌊share · n⌋` of `train` by answers drawn uniformly from
/// `0..p` (so a share 1/p of them stay right by chance), marking them corrupted: the corruption
/// of Doshi et al. 2024, whose training accuracy after un-memorising is 1 − ξ(1 − 1/p).
/// Returns how many were replaced.
pub fn relabel_at_random(train: &mut [Equation], share: f64, p: u32, rng: &mut Stream) -> usize {
    let n = ((train.len() as f64 * share.clamp(0.0, 1.0)).floor() as usize).min(train.len());
    for e in train.iter_mut().take(n) {
        e.z = rng.below(p as usize) as u32;
        e.corrupted = true;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_right() {
        let p = 97;
        for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
            for e in all_equations(op, p) {
                let (x, y, z) = (e.x as u64, e.y as u64, e.z as u64);
                let m = p as u64;
                let ok = match op {
                    Op::Add => (x + y) % m == z,
                    Op::Sub => (z + y) % m == x,
                    Op::Mul => (x * y) % m == z,
                    Op::Div => (z * y) % m == x,
                };
                assert!(ok, "{x} {} {y} = {z} (mod {p})", op.symbol());
            }
        }
    }

    #[test]
    fn counts_match_the_operation() {
        assert_eq!(all_equations(Op::Mul, 97).len(), 97 * 97);
        assert_eq!(all_equations(Op::Div, 97).len(), 97 * 96);
        // The reference's x·y mod 97: 9,312 equations, none with y = 0.
        let reference = equations(Op::Mul, 97, 1);
        assert_eq!(reference.len(), 9312);
        assert!(reference.iter().all(|e| e.y != 0));
        assert_eq!(equations(Op::Div, 97, 1), all_equations(Op::Div, 97));
        assert_eq!(vocabulary(97), 99);
        assert_eq!(all_equations(Op::Add, 7)[10].tokens(7), [1, 7, 3, 8]);
    }

    #[test]
    fn primes() {
        let primes: Vec<u32> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert!(is_prime(97) && is_prime(113) && !is_prime(91));
    }

    #[test]
    fn relabelling_at_random_draws_from_every_answer() {
        let (mut train, _) = split(
            all_equations(Op::Add, 31),
            0.5,
            0.0,
            31,
            &mut Stream::new(1, "s"),
        );
        let n = relabel_at_random(&mut train, 0.9, 31, &mut Stream::new(2, "r"));
        assert_eq!(n, (train.len() as f64 * 0.9).floor() as usize);
        assert!(train[..n].iter().all(|e| e.corrupted && e.z < 31));
        assert!(
            train[n..]
                .iter()
                .all(|e| !e.corrupted && e.z == (e.x + e.y) % 31)
        );
        // About one in 31 stays right by chance; none would with `split`'s wrong answers.
        let right = train[..n]
            .iter()
            .filter(|e| e.z == (e.x + e.y) % 31)
            .count();
        assert!(right > 0 && right < n / 10, "{right} of {n}");
    }

    #[test]
    fn split_is_seeded_disjoint_and_corrupts_only_train() {
        let all = all_equations(Op::Add, 31);
        let (train, val) = split(all.clone(), 0.5, 0.1, 31, &mut Stream::new(4, "split"));
        let (train2, _) = split(all.clone(), 0.5, 0.1, 31, &mut Stream::new(4, "split"));
        assert_eq!(train, train2);
        assert_eq!(train.len() + val.len(), all.len());
        assert_eq!(train.len(), (all.len() as f64 * 0.5).round() as usize);
        let corrupted = train.iter().filter(|e| e.corrupted).count();
        assert_eq!(corrupted, (train.len() as f64 * 0.1).round() as usize);
        for e in train.iter().filter(|e| e.corrupted) {
            assert_ne!(e.z, (e.x + e.y) % 31, "a corrupted answer must be wrong");
        }
        assert!(val.iter().all(|e| !e.corrupted && e.z == (e.x + e.y) % 31));
        let mut seen: Vec<(u32, u32)> = train.iter().chain(&val).map(|e| (e.x, e.y)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            all.len(),
            "train and validation are disjoint and complete"
        );
    }

    #[test]
    fn primitive_roots_generate_the_group() {
        for p in [7u32, 23, 47, 97, 113] {
            let g = u64::from(primitive_root(p));
            let mut seen = std::collections::HashSet::new();
            let mut x = 1u64;
            for _ in 0..p - 1 {
                seen.insert(x);
                x = x * g % u64::from(p);
            }
            assert_eq!(seen.len(), p as usize - 1, "p={p}, g={g}");
        }
        assert_eq!(primitive_root(7), 3);
        assert_eq!(primitive_root(47), 5);
    }

    /// A wave of frequency k over the group puts all its power at k.
    #[test]
    fn a_pure_wave_has_one_frequency() {
        for (op, p) in [(Op::Add, 11u32), (Op::Mul, 11)] {
            let (k_max, basis) = fourier_basis(op, p);
            let pu = p as usize;
            assert_eq!(k_max, 5);
            // The k = 3 cosine itself, as an embedding column.
            let wave: Vec<f64> = (0..pu)
                .map(|x| f64::from(basis[(3 - 1) * pu + x]))
                .collect();
            let power: Vec<f64> = (1..=k_max)
                .map(|k| {
                    let dot = |row: usize| -> f64 {
                        (0..pu)
                            .map(|x| f64::from(basis[row * pu + x]) * wave[x])
                            .sum()
                    };
                    dot(k - 1).powi(2) + dot(k_max + k - 1).powi(2)
                })
                .collect();
            let total: f64 = power.iter().sum();
            assert!(power[2] / total > 0.999, "{op:?}: {power:?}");
        }
    }
}
