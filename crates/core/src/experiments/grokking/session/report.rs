//! What a grokking session reports (each run's curves and summary, the galleries) and the
//! stepping the shell drives.

use super::*;
use crate::experiments::grokking::metric;
use crate::terms::Metric;

impl GrokkingSession {
    /// The run's summary; `series` is its [`Run::series`].
    pub(super) fn summary(&self, run: &Run, series: &Series) -> Map<String, Value> {
        let opt = |v: Option<f64>| v.map(json_number).unwrap_or(Value::Null);
        // Whole steps as integers (a median of two can end in .5).
        let step = |v: Option<f64>| match v {
            Some(s) if s.fract() == 0.0 => Value::from(s as u64),
            other => opt(other),
        };
        let mut m = Map::new();
        for (key, metric) in [
            (metric::STEPS_TO_TRAIN_ACC_95, metric::TRAIN_ACC),
            (metric::STEPS_TO_VAL_ACC_95, metric::VAL_ACC),
        ] {
            let each: Vec<Option<usize>> = run
                .tracks
                .iter()
                .map(|t| t.series.first_step_reaching(metric.key, 0.95))
                .collect();
            m.insert(key.key.into(), step(median_step(&each)));
            if each.len() > 1 {
                m.insert(
                    key.each(),
                    Value::from(
                        each.iter()
                            .map(|s| s.map(Value::from).unwrap_or(Value::Null))
                            .collect::<Vec<_>>(),
                    ),
                );
            }
        }
        for metric in [metric::TRAIN_ACC, metric::VAL_ACC, metric::WEIGHT_NORM] {
            m.insert(metric.at_end(), opt(series.last(metric.key)));
        }
        // The first seed's strongest frequencies now, strongest first.
        if let Some((_, spectrum)) = run.tracks.first().and_then(|t| t.spectra.latest()) {
            m.insert(
                metric::KEY_FREQUENCIES.key.into(),
                Value::from(strongest(spectrum)),
            );
        }
        m.insert(
            metric::FOURIER_TOP5.at_end(),
            opt(series.last(metric::FOURIER_TOP5.key)),
        );
        // The transformer's output side: its unembedding and its neuron-to-logit map.
        if let Some(track) = run.tracks.first() {
            for (spectrum, (share, keys)) in track.outputs.iter().zip(OUTPUT_METRICS) {
                m.insert(keys.key.into(), Value::from(strongest(spectrum)));
                m.insert(share.at_end(), opt(series.last(share.key)));
            }
        }
        m.insert(metric::SEEDS.key.into(), Value::from(run.tracks.len()));
        m.insert(
            metric::WEIGHT_DECAY.key.into(),
            json_number(run.weight_decay),
        );
        m.insert(metric::N_TRAIN.key.into(), Value::from(run.n_train));
        m.insert(
            metric::N_VAL.key.into(),
            Value::from(self.x_all.dims()[0] - run.n_train),
        );
        m.insert(
            metric::TRAIN_FRACTION.key.into(),
            json_number(run.train_fraction),
        );
        m.insert(metric::PARAMETERS.key.into(), Value::from(self.parameters));
        m
    }
}

/// The [`KEY_FREQUENCIES`] strongest frequencies of `spectrum` (shares of its power),
/// strongest first: "3 (41%), 7 (22%), …", frequencies counted from 1.
fn strongest(spectrum: &[f64]) -> String {
    let mut order: Vec<usize> = (0..spectrum.len()).collect();
    order.sort_by(|&a, &b| spectrum[b].total_cmp(&spectrum[a]));
    let keys: Vec<String> = order
        .iter()
        .take(KEY_FREQUENCIES)
        .map(|&i| format!("{} ({:.0}%)", i + 1, 100.0 * spectrum[i]))
        .collect();
    keys.join(", ")
}

/// The share of the five strongest frequencies of `spectrum` (shares of its power).
fn top_share(spectrum: &[f64]) -> f64 {
    let mut shares = spectrum.to_vec();
    shares.sort_by(|a, b| b.total_cmp(a));
    shares.iter().take(KEY_FREQUENCIES).sum()
}

/// The transformer's output maps in the order [`GrokkingSession::read_metrics`] reads their
/// spectra: each one's top-5 share and its key frequencies.
const OUTPUT_METRICS: [(Metric, Metric); 2] = [
    (
        metric::UNEMBED_FOURIER_TOP5,
        metric::UNEMBED_KEY_FREQUENCIES,
    ),
    (
        metric::NEURON_LOGIT_FOURIER_TOP5,
        metric::NEURON_LOGIT_KEY_FREQUENCIES,
    ),
];

/// The median of steps over seeds, a seed that never got there counting as later than every
/// one that did: `None` when the middle seed did not get there. With an even count, the mean
/// of the two middle ones.
pub(super) fn median_step(each: &[Option<usize>]) -> Option<f64> {
    let mut sorted: Vec<f64> = each
        .iter()
        .map(|s| s.map_or(f64::INFINITY, |s| s as f64))
        .collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let mid = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    mid.is_finite().then_some(mid)
}

impl Run {
    /// The run's curves: its only seed's, or the mean over seeds with `<metric>_sd` (the
    /// standard deviation between seeds) beside each metric.
    pub(super) fn series(&self) -> Series {
        if let [only] = self.tracks.as_slice() {
            return only.series.clone();
        }
        let first = &self.tracks[0].series;
        let mut out = Series::default();
        for (i, &step) in first.step.iter().enumerate() {
            let mut row: Vec<(String, f64)> = Vec::new();
            for metric in METRICS {
                let values: Vec<f64> = self
                    .tracks
                    .iter()
                    .filter_map(|t| t.series.get(metric).and_then(|v| v.get(i)).copied())
                    .collect();
                // The transformer's output-side metrics: not the embedding MLP's.
                if values.is_empty() {
                    continue;
                }
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                row.push((metric.to_string(), mean));
                row.push((format!("{metric}_sd"), var.sqrt()));
            }
            let row: Vec<(&str, f64)> = row.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            out.push(step, &row);
        }
        out
    }
}

impl Stepper for GrokkingSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        self.train_one_step();
    }

    fn evaluate(&mut self) -> Transaction {
        self.read_metrics()
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let members: usize = self.runs.iter().map(|r| r.tracks.len()).sum();
        let columns: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        let k = self.frequencies;
        // The embeddings' spectra, then the transformer's output maps'.
        let maps = match self.networks.model {
            Model::Mlp(_) => 1,
            Model::Transformer(_) => 1 + OUTPUT_METRICS.len(),
        };
        let shaped = columns.len() == 5 + maps
            && columns[..5].iter().all(|c| c.len() == members)
            && columns[5..].iter().all(|c| c.len() == members * k);
        if !shaped {
            return Err(RunError::Readback(format!(
                "expected 5 columns of {members} values and {maps} of {members}×{k} spectra, \
                 got {:?}",
                columns.iter().map(Vec::len).collect::<Vec<_>>()
            )));
        }
        let total = self.x_all.dims()[0];
        let tracks = self.runs.iter_mut().flat_map(|run| {
            let (label, n) = (run.label.as_str(), run.n_train);
            run.tracks.iter_mut().map(move |t| (label, n, t))
        });
        for (i, (label, n, track)) in tracks.enumerate() {
            let (n_train, n_val) = (n.max(1) as f64, (total - n).max(1) as f64);
            let train_loss = columns[0][i];
            let member = |c: &Vec<f64>| c[i * k..(i + 1) * k].to_vec();
            let spectrum = member(&columns[5]);
            let mut row = vec![
                (metric::TRAIN_LOSS.key, train_loss),
                (metric::TRAIN_ACC.key, columns[1][i] / n_train),
                (metric::VAL_LOSS.key, columns[2][i]),
                (metric::VAL_ACC.key, columns[3][i] / n_val),
                (metric::WEIGHT_NORM.key, columns[4][i]),
                (metric::FOURIER_TOP5.key, top_share(&spectrum)),
            ];
            track.spectra.push(step, spectrum);
            track.outputs = columns[6..].iter().map(member).collect();
            for (spectrum, (share, _)) in track.outputs.iter().zip(OUTPUT_METRICS) {
                row.push((share.key, top_share(spectrum)));
            }
            track.series.push(step, &row);
            RunError::unless_finite(step, &format!("{label} train loss"), train_loss)?;
        }
        Ok(())
    }

    /// Each run's first seed: the Fourier power of its number embeddings per frequency (columns)
    /// over training (rows, at most [`SPECTROGRAM_ROWS`] evaluations spread evenly from the
    /// first to the latest).
    fn galleries(&self) -> Vec<Gallery> {
        let basis = match self.spec.op {
            Op::Add | Op::Sub => "x",
            Op::Mul | Op::Div => "the discrete log of x",
        };
        self.runs
            .iter()
            .filter_map(|run| {
                let spectra = run.tracks.first()?.spectra.rows();
                let (first, last) = (*spectra.first()?, *spectra.last()?);
                let n = spectra.len();
                let rows = n.min(SPECTROGRAM_ROWS);
                let picked: Vec<&(usize, Vec<f64>)> = (0..rows)
                    .map(|r| {
                        spectra[if rows == 1 {
                            n - 1
                        } else {
                            r * (n - 1) / (rows - 1)
                        }]
                    })
                    .collect();
                let peak = picked
                    .iter()
                    .flat_map(|(_, s)| s.iter().copied())
                    .fold(0.0, f64::max)
                    .max(1e-12);
                let image: Vec<f32> = picked
                    .iter()
                    .flat_map(|(_, s)| s.iter().map(|v| (v / peak) as f32))
                    .collect();
                Some(Gallery {
                    title: format!(
                        "{}: Fourier power of the number embeddings (waves in {basis}), frequency \
                         1–{} left to right, steps {}–{} top to bottom (seed 0)",
                        run.label, self.frequencies, first.0, last.0
                    ),
                    width: self.frequencies,
                    height: rows,
                    columns: 1,
                    images: vec![image],
                    signed: false,
                    axes: Some(spectrogram_axes(self.frequencies, &picked)),
                })
            })
            .collect()
    }

    fn report(&self) -> Report {
        Report::new(
            "grokking",
            &self.spec,
            metric::STEP.key,
            self.runs
                .iter()
                .map(|r| {
                    let series = r.series();
                    RunReport::new(&r.label, &series, self.summary(r, &series))
                })
                .collect(),
        )
    }
}
