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

/// One equation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Equation {
    pub x: u32,
    pub y: u32,
    /// The answer the model is trained on (possibly corrupted).
    pub z: u32,
    /// Whether `z` was replaced by a wrong answer.
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
    (0..p)
        .flat_map(|x| (0..p).map(move |y| (x, y)))
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
    let n = equations.len();
    let n_train =
        ((n as f64 * train_fraction).round() as usize).clamp(1, n.saturating_sub(1).max(1));
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
}
