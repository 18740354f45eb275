//! Metric curves recorded at evaluation steps.

use std::collections::BTreeMap;

/// Named curves sharing one step axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub step: Vec<usize>,
    pub values: BTreeMap<String, Vec<f64>>,
}

impl Series {
    /// Appends one evaluation's metrics.
    pub fn push(&mut self, step: usize, metrics: &[(&str, f64)]) {
        self.step.push(step);
        for (name, value) in metrics {
            self.values
                .entry((*name).to_string())
                .or_default()
                .push(*value);
        }
    }

    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.values.get(name).map(Vec::as_slice)
    }

    pub fn last(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(|v| v.last().copied())
    }

    pub fn max(&self, name: &str) -> Option<f64> {
        self.get(name)
            .and_then(|v| v.iter().copied().reduce(f64::max))
    }

    /// The first recorded step at which `name` reached `threshold`, if it did.
    pub fn first_step_reaching(&self, name: &str, threshold: f64) -> Option<usize> {
        let values = self.get(name)?;
        values
            .iter()
            .position(|v| *v >= threshold)
            .map(|i| self.step[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_reaching_finds_the_first_crossing() {
        let mut s = Series::default();
        for (step, acc) in [(0, 0.1), (10, 0.5), (20, 0.96), (30, 0.9), (40, 0.99)] {
            s.push(step, &[("val_acc", acc)]);
        }
        assert_eq!(s.first_step_reaching("val_acc", 0.95), Some(20));
        assert_eq!(s.first_step_reaching("val_acc", 0.999), None);
        assert_eq!(s.max("val_acc"), Some(0.99));
        assert_eq!(s.last("val_acc"), Some(0.99));
    }
}
