//! The number embeddings' Fourier spectra over a run: which evaluations are kept, and the
//! spectrogram's axes.

use super::*;

impl Spectra {
    pub(super) fn push(&mut self, step: usize, spectrum: Vec<f64>) {
        let stride = self.stride.max(1);
        if self.seen.is_multiple_of(stride) {
            self.kept.push((step, spectrum.clone()));
            if self.kept.len() >= 2 * SPECTROGRAM_ROWS {
                self.kept = std::mem::take(&mut self.kept)
                    .into_iter()
                    .step_by(2)
                    .collect();
                self.stride = 2 * stride;
            }
        }
        self.seen += 1;
        self.latest = Some((step, spectrum));
    }

    pub(super) fn latest(&self) -> Option<&(usize, Vec<f64>)> {
        self.latest.as_ref()
    }

    /// The kept evaluations, then the latest when it is not among them.
    pub(super) fn rows(&self) -> Vec<&(usize, Vec<f64>)> {
        let mut rows: Vec<_> = self.kept.iter().collect();
        if let Some(latest) = &self.latest
            && rows.last().map(|r| r.0) != Some(latest.0)
        {
            rows.push(latest);
        }
        rows
    }
}

/// Labels for a spectrogram: frequencies 1–`frequencies` across (about six labelled), the
/// steps of its first, middle and last rows down.
pub(super) fn spectrogram_axes(frequencies: usize, rows: &[&(usize, Vec<f64>)]) -> GalleryAxes {
    let every = [1, 2, 5, 10, 20, 50]
        .into_iter()
        .find(|e| frequencies / e <= 6)
        .unwrap_or(100);
    let x_ticks = std::iter::once(1)
        .chain(
            (every..=frequencies)
                .step_by(every)
                .filter(|f| *f > 1 + every / 2),
        )
        .map(|f| (f - 1, f.to_string()))
        .collect();
    let last = rows.len().saturating_sub(1);
    let mut picked = vec![0, last / 2, last];
    picked.dedup();
    let y_ticks = picked
        .into_iter()
        .map(|r| (r, Unit::Count.show(rows[r].0 as f64)))
        .collect();
    GalleryAxes {
        x: "frequency".into(),
        y: "training step".into(),
        x_ticks,
        y_ticks,
    }
}
