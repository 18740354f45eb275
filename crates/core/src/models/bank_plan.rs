//! How a width sweep groups its widths into banks (burn-free, so the cost model can plan the
//! same banks the trainer builds).

/// A bank's fixed cost per step, in units of one masked middle-layer weight: measured on the
/// CPU backend, one bank step costs about as much as 30,000 more weights of its middle layer.
const BANK_OVERHEAD: f64 = 30_000.0;

/// Splits ascending `widths` into contiguous groups minimising Σ (overhead + H_g²).
pub fn partition(widths: &[usize]) -> Vec<std::ops::Range<usize>> {
    let k = widths.len();
    // best[i]: cheapest split of widths[..i]; from[i]: where its last group starts.
    let mut best = vec![f64::INFINITY; k + 1];
    let mut from = vec![0; k + 1];
    best[0] = 0.0;
    for end in 1..=k {
        for start in 0..end {
            let h: usize = widths[start..end].iter().sum();
            let cost = best[start] + BANK_OVERHEAD + (h * h) as f64;
            if cost < best[end] {
                best[end] = cost;
                from[end] = start;
            }
        }
    }
    let mut groups = Vec::new();
    let mut end = k;
    while end > 0 {
        groups.push(from[end]..end);
        end = from[end];
    }
    groups.reverse();
    groups
}
