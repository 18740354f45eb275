//! `overfit sweep …` and `overfit run --manifest`: the command line of [`crate::sweep`].

use std::path::{Path, PathBuf};

use crate::output::OutDir;
use crate::sweep::{
    self, Axis, ChartRequest, K8sOptions, MANIFEST, SEED_AXIS, SlurmOptions, TaskOutcome,
};
use clap::{Args, Subcommand};
use overfit_core::cost::duration;
use overfit_core::device::Backend;
use overfit_core::link;

use crate::output::{say, tell};

#[derive(Subcommand)]
pub enum SweepCommand {
    /// Plan a grid of runs into DIR/manifest.jsonl: one fully resolved spec per line, each with
    /// an id (a hash of the spec) and its price; planning again gives the same file.
    Plan(PlanArgs),
    /// Run every run of DIR not finished on this machine, N at a time (each as its own
    /// process, exactly as an array task runs it).
    Run(LocalArgs),
    /// List the finished, failed (with the last line of the error) and missing runs of DIR.
    Status { dir: PathBuf },
    /// Write DIR/sweep.sbatch, a Slurm job array of the runs not finished, with per-task memory
    /// and time from the cost model; --submit submits it with sbatch.
    Slurm(SlurmArgs),
    /// Write DIR/sweep-job.yaml, a Kubernetes Indexed Job of the runs not finished (one pod
    /// per run, from the image the repository's Dockerfile builds), with memory and a deadline
    /// per pod from the cost model; `kubectl create -f` it (each submission is a new Job).
    K8s(K8sArgs),
    /// Merge every finished run of DIR into DIR/collected.json and DIR/collected.csv (one row
    /// per run, with its grid values), and with --x and --y a chart, DIR/collected.svg.
    Collect(CollectArgs),
}

#[derive(Args)]
pub struct PlanArgs {
    /// A share link, or an experiment id (with --preset).
    #[arg(value_name = "LINK|EXPERIMENT")]
    base: String,
    /// The preset an experiment id starts from: paper, quick (the default) or ci.
    #[arg(long)]
    preset: Option<String>,
    /// A grid axis, KEY=V1,V2,…; repeatable (the product of all axes is planned). KEY is any
    /// knob (see `overfit list`), or `seed` to set every seed at once.
    #[arg(long = "grid", value_name = "KEY=V1,V2,…")]
    grid: Vec<String>,
    /// Sets one knob of every run (as `overfit run --set` does); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Adds a `seed` axis of 1..=N.
    #[arg(long, value_name = "N")]
    seeds: Option<usize>,
    /// Plan specs over this machine's budget too: every process that runs the sweep (here, an
    /// array task, a pod) then runs them.
    #[arg(long)]
    allow_large: bool,
    /// The sweep directory (its manifest, and later its runs).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct LocalArgs {
    dir: PathBuf,
    /// Runs at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    #[arg(long, default_value = "flex", value_parser = ["flex", "wgpu"])]
    backend: String,
    /// Run specs over this machine's budget too.
    #[arg(long)]
    allow_large: bool,
}

#[derive(Args)]
pub struct SlurmArgs {
    dir: PathBuf,
    /// Only the runs that failed or that an earlier array started and did not finish.
    #[arg(long)]
    only_failed: bool,
    /// At most K array tasks at once (`--array=…%K`).
    #[arg(long, value_name = "K")]
    parallel: Option<usize>,
    #[arg(long)]
    partition: Option<String>,
    /// The overfit binary the tasks run (default: this one).
    #[arg(long, value_name = "PATH")]
    program: Option<PathBuf>,
    #[arg(long, default_value = "flex", value_parser = ["flex", "wgpu"])]
    backend: String,
    /// Consecutive runs one array task runs, one after the other: for runs of seconds, which
    /// a scheduler starts more slowly than they train (and for sweeps of more runs than the
    /// cluster's MaxArraySize, 1,001 by default).
    #[arg(long, value_name = "N", default_value_t = 1)]
    per_task: usize,
    /// Submit the script with `sbatch` and print the job id.
    #[arg(long)]
    submit: bool,
}

#[derive(Args)]
pub struct K8sArgs {
    dir: PathBuf,
    /// The image with `overfit` on its PATH (see the repository's Dockerfile).
    #[arg(long)]
    image: String,
    /// The PersistentVolumeClaim that holds the sweep directory (copy DIR onto it first).
    #[arg(long)]
    claim: String,
    /// Where each pod mounts the claim.
    #[arg(long, default_value = "/sweep")]
    mount: String,
    /// Pods at once.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    /// Retries of one index before it counts as failed (backoffLimitPerIndex).
    #[arg(long, default_value_t = 2)]
    retries: usize,
}

#[derive(Args)]
pub struct CollectArgs {
    dir: PathBuf,
    /// The grid axis across the chart (needs --y).
    #[arg(long, requires = "y")]
    x: Option<String>,
    /// The summary figure up the chart, e.g. steps_to_val_acc_95 (needs --x).
    #[arg(long, requires = "x")]
    y: Option<String>,
    /// A grid axis drawn as one curve per value (the others give the median and range).
    #[arg(long)]
    series: Option<String>,
}

fn this_program() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))
}

pub fn sweep(command: &SweepCommand) -> Result<(), String> {
    match command {
        SweepCommand::Plan(args) => plan(args),
        SweepCommand::Run(args) => run_local(args),
        SweepCommand::Status { dir } => {
            say(sweep::status(dir)?.text().trim_end());
            Ok(())
        }
        SweepCommand::Slurm(args) => slurm(args),
        SweepCommand::K8s(args) => {
            let options = K8sOptions {
                image: args.image.clone(),
                claim: args.claim.clone(),
                mount: args.mount.clone(),
                parallelism: args.parallel,
                retries: args.retries,
            };
            match sweep::k8s_job(&args.dir, &options)? {
                None => say("nothing to run: every run of this sweep is finished"),
                Some(job) => say(&format!(
                    "wrote {} (an Indexed Job of {} pods, runs {}): kubectl create -f it",
                    sweep::printable(&job.path.display().to_string()),
                    job.lines.len(),
                    sweep::ranges(&job.lines)
                )),
            }
            Ok(())
        }
        SweepCommand::Collect(args) => {
            let chart = match (&args.x, &args.y) {
                (Some(x), Some(y)) => Some(ChartRequest {
                    x: x.clone(),
                    y: y.clone(),
                    series: args.series.clone(),
                }),
                _ => None,
            };
            tell(&sweep::collect(&args.dir, chart.as_ref())?);
            Ok(())
        }
    }
}

fn plan(args: &PlanArgs) -> Result<(), String> {
    let (mut spec, preset) = if args.base.contains("exp=") {
        link::decode_strict(&args.base).map_err(|e| format!("in the link: {e}"))?
    } else {
        crate::preset_of(&args.base, args.preset.as_deref())?
    };
    spec.set_all(args.set.iter().map(String::as_str))
        .map_err(|e| format!("--set: {e}"))?;
    let mut axes = args
        .grid
        .iter()
        .map(|g| Axis::parse(g))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(n) = args.seeds {
        if n == 0 || n > sweep::MAX_RUNS {
            return Err(format!(
                "--seeds must be from 1 to {} (a sweep plans at most that many runs)",
                sweep::MAX_RUNS
            ));
        }
        axes.push(Axis {
            key: SEED_AXIS.into(),
            values: (1..=n).map(|s| s.to_string()).collect(),
        });
    }
    let tasks = sweep::plan(&spec, preset, &axes, args.allow_large)?;
    let out = OutDir::prepare(&args.out, &[MANIFEST])?;
    out.write(MANIFEST, sweep::manifest_text(&tasks)?.as_bytes())?;
    let finished = sweep::status(&args.out)?.finished.len();
    let flops: f64 = tasks.iter().map(|t| t.cost.flops).sum();
    let cpu: f64 = tasks.iter().map(|t| t.cost.cpu_seconds).sum();
    let gpu: f64 = tasks.iter().map(|t| t.cost.gpu_seconds).sum();
    let longest = tasks.iter().map(|t| t.cost.cpu_seconds).fold(0.0, f64::max);
    let peak = tasks.iter().map(|t| t.cost.peak_bytes).fold(0.0, f64::max);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    // Runs spread over workers: no faster than the longest run.
    let spread = |workers: usize| (cpu / workers as f64).max(longest);
    say(&format!(
        "planned {} runs of {} into {} ({finished} already finished there)\n\
         each run: up to {} of memory; in all {} FLOP\n\
         by the cost model: {} on one core, {} on this machine's {cores} cores, {} on 8 nodes \
         of 32 cores, {} on one GPU",
        tasks.len(),
        spec.experiment().id(),
        out.path().join(MANIFEST).display(),
        overfit_core::cost::bytes(peak),
        overfit_core::cost::operations(flops),
        duration(cpu),
        duration(spread(cores)),
        duration(spread(8 * 32)),
        duration(gpu),
    ));
    Ok(())
}

fn run_local(args: &LocalArgs) -> Result<(), String> {
    let backend: Backend = args.backend.parse()?;
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let started = std::time::Instant::now();
    let state = sweep::run_local(
        &this_program()?,
        &args.dir,
        jobs,
        backend,
        args.allow_large,
        |p| {
            tell(&format!(
                "[{}/{}] run {} {}",
                p.ended,
                p.of,
                p.index,
                if p.ok { "finished" } else { "failed" }
            ));
        },
    )?;
    say(state.text().trim_end());
    tell(&format!("{:.1} s", started.elapsed().as_secs_f64()));
    if state.failed.is_empty() && state.missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} runs failed and {} are missing: see `overfit sweep status {}`",
            state.failed.len(),
            state.missing.len(),
            args.dir.display()
        ))
    }
}

fn slurm(args: &SlurmArgs) -> Result<(), String> {
    let options = SlurmOptions {
        program: match &args.program {
            Some(p) => p.clone(),
            None => this_program()?,
        },
        parallel: args.parallel,
        only_failed: args.only_failed,
        partition: args.partition.clone(),
        backend: args.backend.parse()?,
        per_task: args.per_task,
    };
    let Some(array) = sweep::slurm_script(&args.dir, &options)? else {
        say(
            "nothing to run: every run of this sweep is finished, failed runs have none, or an \
             array still holds what is left",
        );
        return Ok(());
    };
    if let Some(note) = &array.note {
        tell(note);
    }
    say(&format!(
        "wrote {} ({} array tasks: {}; {} runs: {})",
        array.script.display(),
        array.tasks.len(),
        sweep::ranges(&array.tasks),
        array.indices.len(),
        sweep::ranges(&array.indices)
    ));
    let script = array.script;
    if args.submit {
        let out = std::process::Command::new("sbatch")
            .arg("--parsable")
            .arg(&script)
            .output()
            .map_err(|e| format!("cannot run sbatch: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "sbatch refused the script: {}",
                sweep::printable(String::from_utf8_lossy(&out.stderr).trim())
            ));
        }
        say(&format!(
            "submitted job {}",
            String::from_utf8_lossy(&out.stdout).trim()
        ));
    }
    Ok(())
}

/// Which manifest line `overfit run --manifest` runs.
pub struct Pick<'a> {
    /// `--index`: the line (default: the scheduler's array index).
    pub index: Option<usize>,
    /// `--lines`: the array index picks the index-th of these lines (a Kubernetes Job of the
    /// runs left), as ranges.
    pub lines: Option<&'a str>,
}

/// `overfit run --manifest FILE [--index I | --lines RANGES] --out DIR`: one run of a sweep
/// (the index from Slurm's or Kubernetes' environment when not given).
pub fn run_index(
    manifest: &Path,
    pick: &Pick<'_>,
    out: &Path,
    backend: Backend,
    jobs: usize,
    allow_large: bool,
) -> Result<(), String> {
    let index = match pick.index {
        Some(index) => index,
        None => sweep::index_from_env()?
            .ok_or("no --index, and neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set")?,
    };
    let index = match pick.lines {
        None => index,
        Some(lines) => {
            let (_, total) = sweep::read_manifest_line(manifest, 0)?;
            let lines = sweep::parse_ranges(lines, total).map_err(|e| format!("--lines: {e}"))?;
            *lines.get(index).ok_or_else(|| {
                format!(
                    "array index {index} is past the {} lines given to --lines",
                    lines.len()
                )
            })?
        }
    };
    match sweep::run_task(manifest, index, out, backend, jobs, allow_large)? {
        TaskOutcome::Skipped => tell(&format!("run {index}: already finished, skipped")),
        TaskOutcome::Finished { seconds } => {
            tell(&format!("run {index}: finished in {seconds:.1} s"))
        }
    }
    Ok(())
}
