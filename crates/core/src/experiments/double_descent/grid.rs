//! The swept sizes of a double-descent curve: a geometric grid around an interpolation
//! threshold, always containing the threshold itself.

/// Sizes `round(threshold · r)` for `points` ratios `r` spaced geometrically over
/// `[ratio_min, ratio_max]`, plus the threshold when it lies inside; ascending, distinct, ≥ 1.
pub fn sizes(threshold: usize, ratio_min: f64, ratio_max: f64, points: usize) -> Vec<usize> {
    let t = threshold as f64;
    let (lo, hi) = (ratio_min.ln(), ratio_max.ln());
    let mut out: Vec<usize> = (0..points)
        .map(|i| {
            let f = if points > 1 {
                i as f64 / (points - 1) as f64
            } else {
                0.0
            };
            ((t * (lo + f * (hi - lo)).exp()).round() as usize).max(1)
        })
        .collect();
    if ratio_min <= 1.0 && ratio_max >= 1.0 {
        out.push(threshold);
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_spans_the_range_and_holds_the_threshold() {
        let g = sizes(1000, 0.1, 10.0, 21);
        assert_eq!(g.first(), Some(&100));
        assert_eq!(g.last(), Some(&10_000));
        assert!(g.contains(&1000));
        assert!(g.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(g.len(), 21);
        // Geometric: equal ratios between neighbours.
        assert!((g[1] as f64 / g[0] as f64 - 10f64.powf(0.1)).abs() < 0.02);
    }

    #[test]
    fn small_thresholds_give_distinct_sizes_of_at_least_one() {
        let g = sizes(5, 0.01, 2.0, 30);
        assert_eq!(g[0], 1);
        assert!(g.windows(2).all(|w| w[0] < w[1]));
        assert!(g.contains(&5));
        let outside = sizes(100, 2.0, 4.0, 3);
        assert_eq!(outside, vec![200, 283, 400]);
    }
}
