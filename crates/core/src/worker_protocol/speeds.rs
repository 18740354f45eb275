//! What the page's measurement of a spec found: its speed on WebGPU and on the CPU (see
//! `ToWorker::Measure`), which is faster, and by how much, in words.

use serde::{Deserialize, Serialize};

/// A spec's training speed on each device, measured in one worker one after the other: steps
/// per second, evaluations included, after a warm-up (kernels compiled, buffers allocated) when
/// that ends within the device's time, else over all of that time. A device that took no step in
/// its time is `below` one step in that time: `gpu` or `cpu` is then that bound. 0 is a device
/// where the spec could not train.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Speeds {
    pub gpu: f64,
    pub cpu: f64,
    #[serde(default)]
    pub gpu_below: bool,
    #[serde(default)]
    pub cpu_below: bool,
}

impl Speeds {
    /// Measured figures, neither a bound.
    pub fn new(gpu: f64, cpu: f64) -> Self {
        Self {
            gpu,
            cpu,
            gpu_below: false,
            cpu_below: false,
        }
    }

    /// The CPU trains faster. A device that could not train loses, and one that took no step
    /// loses to one that did; a tie goes to the GPU, which leaves the page's cores free.
    pub fn cpu_wins(&self) -> bool {
        let usable = |s: f64| s.is_finite() && s > 0.0;
        match (usable(self.gpu), usable(self.cpu)) {
            (true, true) => match (self.gpu_below, self.cpu_below) {
                (true, false) => true,
                (false, true) => false,
                _ => self.cpu > self.gpu,
            },
            (false, true) => true,
            _ => false,
        }
    }

    /// The faster speed over the slower, and whether it is a lower bound (the slower took no
    /// step); `None` when either could not train or the figures say nothing.
    pub fn ratio(&self) -> Option<(f64, bool)> {
        let ((fast, fast_below), (slow, slow_below)) = if self.cpu_wins() {
            ((self.cpu, self.cpu_below), (self.gpu, self.gpu_below))
        } else {
            ((self.gpu, self.gpu_below), (self.cpu, self.cpu_below))
        };
        let r = fast / slow;
        (fast.is_finite() && slow.is_finite() && slow > 0.0 && !fast_below && r >= 1.0)
            .then_some((r, slow_below))
    }

    /// Which trains faster and by how much: "WebGPU: 3.1× the CPU here", "CPU: 17× WebGPU
    /// here", "CPU: over 3,200× WebGPU here".
    pub fn words(&self) -> String {
        let (winner, loser) = if self.cpu_wins() {
            ("CPU", "WebGPU")
        } else {
            ("WebGPU", "the CPU")
        };
        match self.ratio() {
            Some((r, bound)) => format!(
                "{winner}: {}{}× {loser} here",
                if bound { "over " } else { "" },
                ratio_text(r)
            ),
            None => format!("{winner} here"),
        }
    }

    /// The figures behind [`Speeds::words`].
    pub fn figures(&self) -> String {
        let one = |name: &str, speed: f64, below: bool| {
            if below {
                format!("{name} below {} steps/s (no step in its time)", rate(speed))
            } else if !speed.is_finite() || speed <= 0.0 {
                format!("{name} could not train it")
            } else {
                format!("{name} {} steps/s", rate(speed))
            }
        };
        format!(
            "measured {}, {} (each timed after a warm-up, or over all of its time when the \
             warm-up did not end in it)",
            one("WebGPU", self.gpu, self.gpu_below),
            one("the CPU", self.cpu, self.cpu_below),
        )
    }
}

/// `3.1`, `17`, `3,200`: two significant figures.
fn ratio_text(r: f64) -> String {
    if r < 9.95 {
        format!("{r:.1}")
    } else {
        let digits = r.log10().floor() as i32;
        let unit = 10f64.powi((digits - 1).max(0));
        crate::terms::format_value(
            ((r / unit).round() * unit).round(),
            crate::terms::Unit::Count,
        )
    }
}

fn rate(s: f64) -> String {
    if s >= 100.0 {
        crate::terms::format_value(s, crate::terms::Unit::Count)
    } else if s >= 10.0 {
        format!("{s:.1}")
    } else {
        format!("{s:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_faster_device_wins_and_says_by_how_much() {
        let gpu_faster = Speeds::new(310.0, 100.0);
        assert!(!gpu_faster.cpu_wins());
        assert_eq!(gpu_faster.words(), "WebGPU: 3.1× the CPU here");
        assert_eq!(
            gpu_faster.figures(),
            "measured WebGPU 310 steps/s, the CPU 100 steps/s (each timed after a warm-up, or \
             over all of its time when the warm-up did not end in it)"
        );
        let cpu_faster = Speeds::new(3.4, 57.0);
        assert!(cpu_faster.cpu_wins());
        assert_eq!(cpu_faster.words(), "CPU: 17× WebGPU here");
        assert!(
            cpu_faster
                .figures()
                .starts_with("measured WebGPU 3.40 steps/s, the CPU 57.0")
        );
        // A GPU that took no step in its time (a software adapter compiling its kernels): the
        // ratio is a lower bound.
        let stuck = Speeds {
            gpu_below: true,
            ..Speeds::new(0.4, 1283.0)
        };
        assert!(stuck.cpu_wins());
        assert_eq!(stuck.words(), "CPU: over 3,200× WebGPU here");
        assert!(stuck.figures().starts_with(
            "measured WebGPU below 0.40 steps/s (no step in its time), the CPU 1,283"
        ));
        // One that stepped beats one that did not, whatever the bound; two that did not tie.
        assert!(
            Speeds {
                gpu_below: true,
                ..Speeds::new(9.0, 1.0)
            }
            .cpu_wins()
        );
        assert_eq!(
            Speeds {
                gpu_below: true,
                ..Speeds::new(9.0, 1.0)
            }
            .words(),
            "CPU here"
        );
        assert!(
            !Speeds {
                gpu_below: true,
                cpu_below: true,
                ..Speeds::new(0.4, 0.4)
            }
            .cpu_wins()
        );
        // A tie leaves the cores to the page; a device that could not train loses.
        assert!(!Speeds::new(5.0, 5.0).cpu_wins());
        for broken in [0.0, f64::NAN, f64::INFINITY, -1.0] {
            let s = Speeds::new(broken, 5.0);
            assert!(s.cpu_wins(), "{broken}");
            assert_eq!(s.ratio(), None);
            assert_eq!(s.words(), "CPU here");
            assert!(
                s.figures()
                    .starts_with("measured WebGPU could not train it")
            );
            assert!(!Speeds::new(5.0, broken).cpu_wins());
        }
    }
}
