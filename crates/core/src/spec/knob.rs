//! One adjustable value of a spec: its key, limits and help text.

use serde_json::Value;

use super::SpecError;

/// The type and limits of a knob.
#[derive(Clone, Copy, Debug)]
pub enum KnobKind {
    /// An integer in [min, max]; `log` suggests a logarithmic slider.
    Int { min: i64, max: i64, log: bool },
    /// A real number in [min, max]; `log` suggests a logarithmic slider.
    Float { min: f64, max: f64, log: bool },
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A 64-bit seed.
    Seed,
}

/// A real-number knob kind (for knob tables).
pub const fn float(min: f64, max: f64, log: bool) -> KnobKind {
    KnobKind::Float { min, max, log }
}

/// An integer knob kind (for knob tables).
pub const fn int(min: i64, max: i64, log: bool) -> KnobKind {
    KnobKind::Int { min, max, log }
}

/// One adjustable value of a spec.
#[derive(Clone, Copy, Debug)]
pub struct Knob {
    /// The spec field and query/`--set` key.
    pub key: &'static str,
    /// Short label for controls.
    pub label: &'static str,
    /// One sentence for `--help` and tooltips.
    pub help: &'static str,
    pub kind: KnobKind,
}

impl Knob {
    /// Parses the text form of a value into JSON, checking type and limits.
    pub fn parse(&self, raw: &str) -> Result<Value, SpecError> {
        let bad = |expected: &str| SpecError::BadValue {
            key: self.key.to_string(),
            value: raw.to_string(),
            expected: expected.to_string(),
        };
        let value = match self.kind {
            KnobKind::Int { .. } => Value::from(raw.parse::<i64>().map_err(|_| bad("integer"))?),
            KnobKind::Seed => Value::from(raw.parse::<u64>().map_err(|_| bad("seed (0..2^64)"))?),
            KnobKind::Float { .. } => {
                let x = raw.parse::<f64>().map_err(|_| bad("number"))?;
                if !x.is_finite() {
                    return Err(bad("finite number"));
                }
                Value::from(x)
            }
            KnobKind::Choice(_) => Value::from(raw),
        };
        self.check_as(&value, raw)?;
        Ok(value)
    }

    /// Checks a JSON value against the knob's type and limits.
    pub fn check(&self, value: &Value) -> Result<(), SpecError> {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.check_as(value, &shown)
    }

    /// Like [`check`](Self::check), naming the value as the user wrote it in errors.
    fn check_as(&self, value: &Value, shown: &str) -> Result<(), SpecError> {
        let key = self.key.to_string();
        let shown = shown.to_string();
        let below = |limit: String| SpecError::BelowLimit {
            key: key.clone(),
            value: shown.clone(),
            limit,
        };
        let above = |limit: String| SpecError::AboveLimit {
            key: key.clone(),
            value: shown.clone(),
            limit,
        };
        match self.kind {
            KnobKind::Int { min, max, .. } => {
                let x = value.as_i64().ok_or_else(|| SpecError::BadValue {
                    key: key.clone(),
                    value: shown.clone(),
                    expected: "integer".into(),
                })?;
                if x < min {
                    return Err(below(min.to_string()));
                }
                if x > max {
                    return Err(above(max.to_string()));
                }
            }
            KnobKind::Float { min, max, .. } => {
                let x = value.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                    SpecError::BadValue {
                        key: key.clone(),
                        value: shown.clone(),
                        expected: "number".into(),
                    }
                })?;
                if x < min {
                    return Err(below(min.to_string()));
                }
                if x > max {
                    return Err(above(max.to_string()));
                }
            }
            KnobKind::Choice(choices) => {
                let ok = value.as_str().is_some_and(|s| choices.contains(&s));
                if !ok {
                    return Err(SpecError::NotAChoice {
                        key,
                        value: shown,
                        choices: choices.join(", "),
                    });
                }
            }
            KnobKind::Seed => {
                if value.as_u64().is_none() {
                    return Err(SpecError::BadValue {
                        key,
                        value: shown,
                        expected: "seed (0..2^64)".into(),
                    });
                }
            }
        }
        Ok(())
    }
}
