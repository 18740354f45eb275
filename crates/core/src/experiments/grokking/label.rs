//! A grokking run's label, typed: which run of the comparison it is, and where
//! `compare=fractions` trains it. Plans write labels with [`Label::text`] and verdicts find
//! runs with [`Label::parse`], so the two cannot drift apart; the text is metrics.json's and
//! the page's `data-run`, and reads as words through the experiment's `run_words`.

use super::SWEEP;

/// A Grokfast filter: the exponential moving average or the windowed mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ema,
    Ma,
}

/// Which run of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    Baseline,
    Grokfast(Family),
    /// A filter's optimizer and weight decay, without the filter (its control).
    DecayOnly(Family),
    /// The unfiltered run at [`SWEEP`]'s weight decay of this index.
    Swept(usize),
}

impl Run {
    /// Whether it trains without a Grokfast filter.
    pub fn unfiltered(self) -> bool {
        !matches!(self, Run::Grokfast(_))
    }

    fn text(self) -> &'static str {
        match self {
            Run::Baseline => "baseline",
            Run::Grokfast(Family::Ema) => "grokfast-ema",
            Run::Grokfast(Family::Ma) => "grokfast-ma",
            Run::DecayOnly(Family::Ema) => "wd-only-ema",
            Run::DecayOnly(Family::Ma) => "wd-only-ma",
            Run::Swept(i) => SWEEP.get(i).map_or("wd-swept", |s| s.0),
        }
    }

    fn parse(text: &str) -> Option<Run> {
        let fixed = [
            Run::Baseline,
            Run::Grokfast(Family::Ema),
            Run::Grokfast(Family::Ma),
            Run::DecayOnly(Family::Ema),
            Run::DecayOnly(Family::Ma),
        ];
        fixed
            .into_iter()
            .chain((0..SWEEP.len()).map(Run::Swept))
            .find(|run| run.text() == text)
    }
}

/// Where a run trains: at the spec's training fraction, at one of `compare=fractions`, or
/// the curve across them that the report adds once every fraction is in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum At {
    Spec,
    Fraction(f64),
    ByFraction,
}

/// A run's label, typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Label {
    pub run: Run,
    pub at: At,
}

impl Label {
    pub fn of(run: Run) -> Label {
        Label { run, at: At::Spec }
    }

    /// The label as reports write it: `grokfast-ema`, `baseline f=0.30`,
    /// `grokfast-ema by fraction`.
    pub fn text(&self) -> String {
        match self.at {
            At::Spec => self.run.text().to_string(),
            At::Fraction(f) => format!("{} f={f:.2}", self.run.text()),
            At::ByFraction => format!("{} by fraction", self.run.text()),
        }
    }

    /// A report's label read back; `None` for a label no grokking plan writes.
    pub fn parse(text: &str) -> Option<Label> {
        if let Some(run) = text.strip_suffix(" by fraction") {
            return Some(Label {
                run: Run::parse(run)?,
                at: At::ByFraction,
            });
        }
        if let Some((run, fraction)) = text.split_once(" f=") {
            let f: f64 = fraction.parse().ok().filter(|f: &f64| f.is_finite())?;
            return Some(Label {
                run: Run::parse(run)?,
                at: At::Fraction(f),
            });
        }
        Some(Label::of(Run::parse(text)?))
    }

    /// Whether `text` is this run at the spec's training fraction.
    pub fn is(run: Run, text: &str) -> bool {
        Label::parse(text) == Some(Label::of(run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_reads_back_as_itself_and_strangers_as_none() {
        let runs = [
            Run::Baseline,
            Run::Grokfast(Family::Ema),
            Run::Grokfast(Family::Ma),
            Run::DecayOnly(Family::Ema),
            Run::DecayOnly(Family::Ma),
            Run::Swept(0),
            Run::Swept(1),
        ];
        for run in runs {
            for at in [At::Spec, At::Fraction(0.3), At::ByFraction] {
                let label = Label { run, at };
                assert_eq!(Label::parse(&label.text()), Some(label), "{}", label.text());
            }
        }
        assert_eq!(Label::of(Run::Baseline).text(), "baseline");
        assert_eq!(
            Label {
                run: Run::Grokfast(Family::Ema),
                at: At::Fraction(0.3)
            }
            .text(),
            "grokfast-ema f=0.30"
        );
        assert_eq!(Label::of(Run::Swept(1)).text(), "wd-3e-3");
        for stranger in [
            "",
            "grokfast",
            "baseline f=",
            "baseline f=NaN",
            "wd-only",
            "α 8",
        ] {
            assert_eq!(Label::parse(stranger), None, "{stranger}");
        }
        assert!(Run::DecayOnly(Family::Ma).unfiltered() && !Run::Grokfast(Family::Ma).unfiltered());
    }
}
