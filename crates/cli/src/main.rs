//! `overfit`: run Overfit Lab experiments headlessly.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use overfit_cli::output::{self, OUTPUTS, OutDir};
use overfit_cli::output::{say, tell};
use overfit_cli::preset_of;
use overfit_cli::run_spec_on;
use overfit_cli::sweep::command;
use overfit_core::cost::Budget;
use overfit_core::data::table::Table;
use overfit_core::device::Backend;
use overfit_core::experiments::AnySpec;
use overfit_core::experiments::{Experiment, use_own_data};
use overfit_core::link;
use overfit_core::spec::{KnobKind, Preset};

#[derive(Parser)]
#[command(
    name = "overfit",
    version,
    about = "Run Overfit Lab experiments headlessly and write metrics and charts."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the experiments, their presets and their knobs.
    List,
    /// Run an experiment and write DIR/metrics.json, DIR/metrics.csv and DIR/chart.svg.
    Run(RunArgs),
    /// Time training steps for a preset and print steps/s.
    Bench(RunArgs),
    /// Print the share link for a spec (open it in the app, or pass it to `run --url`).
    Link(LinkArgs),
    /// Sweeps: plan a grid of runs, run them here or on Slurm, follow them, collect them.
    #[command(subcommand)]
    Sweep(command::SweepCommand),
}

#[derive(clap::Args)]
struct SpecArgs {
    /// Experiment id (see `overfit list`).
    experiment: Option<String>,
    /// Starting point: paper, quick (the default) or ci.
    #[arg(long)]
    preset: Option<String>,
    /// Sets every seed of the spec (data, init, order) to N.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Overrides one knob; repeatable (see `overfit list` for keys and limits).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Run exactly the spec of a share link (any host; only the query matters). Any unknown,
    /// invalid or out-of-range value in it is an error.
    #[arg(long, value_name = "LINK", conflicts_with_all = ["experiment", "preset", "seed", "set"])]
    url: Option<String>,
}

#[derive(clap::Args)]
struct LinkArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Where the app is served.
    #[arg(long, default_value = "http://127.0.0.1:8080/")]
    base: String,
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Print the decoded spec as JSON and exit without running.
    #[arg(long)]
    dry_run: bool,
    /// Compute backend.
    #[arg(long, default_value = "flex", value_parser = ["flex", "wgpu"])]
    backend: String,
    /// Output directory.
    #[arg(long, default_value = "overfit-out")]
    out: PathBuf,
    /// Run a spec whose estimated memory or work is over this machine's budget (the error
    /// gives the figures).
    #[arg(long)]
    allow_large: bool,
    /// Train the spec's independent runs (grokking's baseline and filters) on up to N threads,
    /// threads left over helping a run's step (the grokking transformer's batch halves); the
    /// results equal a serial run's. Default: the number of cores.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Train on your own CSV file: feature columns, then a label column (toy2d: x1, x2, label).
    /// Sets dataset=local; a link of the run says it used local data.
    #[arg(long, value_name = "FILE.csv")]
    data: Option<PathBuf>,
    /// Run one line of a sweep's manifest (see `overfit sweep plan`) into OUT/<id>/, unless
    /// that run is finished already.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["experiment", "preset", "seed", "set", "url", "data", "dry_run"])]
    manifest: Option<PathBuf>,
    /// The manifest line (from 0); default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "I", requires = "manifest")]
    index: Option<usize>,
    /// Manifest lines as ranges (`0-3,7`): the array index picks the index-th of them (what a
    /// Kubernetes Job of the runs left gives its pods).
    #[arg(long, value_name = "RANGES", requires = "manifest")]
    lines: Option<String>,
}

/// Reads the reader's own CSV file for `spec`, and sets the spec to train on it.
fn own_data(path: &std::path::Path, spec: &mut AnySpec) -> Result<Table, String> {
    let experiment = spec.experiment();
    let limits = experiment
        .info()
        .own_data
        .ok_or_else(|| format!("{} does not train on a data file", experiment.id()))?;
    let shown = path.display();
    let bytes = overfit_cli::bounded::read_bounded(path, limits.bytes as u64)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown} is not UTF-8 text (at byte {}): save it as UTF-8 CSV",
            e.utf8_error().valid_up_to()
        )
    })?;
    let name = path
        .file_name()
        .map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
    let table = Table::parse_csv(&name, &text, &limits).map_err(|e| format!("in {shown}: {e}"))?;
    use_own_data(spec, &table).map_err(|e| e.to_string())?;
    Ok(table)
}

fn build_spec(args: &SpecArgs) -> Result<(AnySpec, Preset), String> {
    if let Some(url) = &args.url {
        return link::decode_strict(url).map_err(|e| format!("in --url: {e}"));
    }
    let id = args
        .experiment
        .as_deref()
        .ok_or("give an experiment id (see `overfit list`) or --url LINK")?;
    let (mut spec, preset) = preset_of(id, args.preset.as_deref())?;
    let experiment = spec.experiment();
    if let Some(seed) = args.seed {
        for knob in experiment
            .knobs()
            .iter()
            .filter(|k| matches!(k.kind, KnobKind::Seed))
        {
            spec.set(knob.key, &seed.to_string())
                .map_err(|e| e.to_string())?;
        }
    }
    spec.set_all(args.set.iter().map(String::as_str))
        .map_err(|e| e.to_string())?;
    spec.validate().map_err(|e| e.to_string())?;
    Ok((spec, preset))
}

fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} steps ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn run(args: &RunArgs, bench: bool) -> Result<(), String> {
    if let Some(manifest) = &args.manifest {
        if bench {
            return Err("bench does not take --manifest".into());
        }
        let jobs = args.jobs.unwrap_or(1).max(1);
        let backend: Backend = args.backend.parse()?;
        let pick = command::Pick {
            index: args.index,
            lines: args.lines.as_deref(),
        };
        return command::run_index(manifest, &pick, &args.out, backend, jobs, args.allow_large);
    }
    let (mut spec, preset) = build_spec(&args.spec)?;
    let local = match &args.data {
        Some(path) => Some(own_data(path, &mut spec)?),
        None => None,
    };
    let backend: Backend = args.backend.parse()?;
    let cost = spec.cost(backend.target());
    if args.dry_run {
        let decoded = serde_json::json!({
            "experiment": spec.experiment().id(),
            "preset": preset.name(),
            "spec": spec.to_json(),
            "cost": {
                "backend": backend.name(),
                "peak_bytes": Budget::native(backend.target()).bytes_of(cost),
                "flops": cost.flops,
                "recorded_values": cost.recorded,
                "tracked_values": cost.tracked,
            },
        });
        say(&serde_json::to_string_pretty(&decoded).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    // Priced before anything is allocated.
    if !args.allow_large {
        Budget::native(backend.target())
            .check(cost)
            .map_err(|over| format!("{over}; pass --allow-large to run it anyway"))?;
    }
    // Checked before anything trains: a long run must not end in "cannot write".
    let out = if bench {
        None
    } else {
        Some(OutDir::prepare(&args.out, &OUTPUTS)?)
    };
    let bar = progress_bar(spec.total_steps());
    let outcome = run_spec_on(
        &spec,
        preset.name(),
        backend,
        jobs,
        local.as_ref(),
        |done, _| bar.set_position(done as u64),
    )
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    if bench {
        say(&format!(
            "{} preset={} backend={} jobs={} ({} × {} thread{}): {} steps in {:.2} s = {:.1} steps/s",
            spec.experiment().id(),
            preset.name(),
            backend.name(),
            jobs,
            outcome.trainers,
            outcome.threads_each,
            if outcome.threads_each == 1 { "" } else { "s" },
            spec.total_steps(),
            outcome.seconds,
            outcome.steps_per_second
        ));
        return Ok(());
    }
    let Some(out) = out else {
        return Ok(());
    };
    let texts = output::texts(&outcome.report)?;
    let files: Vec<(&str, &[u8])> = OUTPUTS
        .iter()
        .zip(&texts)
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    out.write_set(&files)?;
    say(overfit_cli::summary::in_words(&outcome.report).trim_end());
    for sentence in spec.experiment().notes(&outcome.report) {
        say(&sentence);
    }
    tell(&format!(
        "wrote {}/metrics.json, metrics.csv, chart.svg ({:.1} s)",
        out.path().display(),
        outcome.seconds
    ));
    Ok(())
}

fn list() {
    for e in Experiment::ALL {
        let info = e.info();
        say(&format!(
            "{}  —  {}\n  {}\n  source: {}",
            info.id, info.title, info.claim, info.paper
        ));
        say("  presets: paper, quick, ci");
        for k in e.knobs() {
            let range = match k.kind {
                KnobKind::Int { min, max, .. } => format!("{min}..={max}"),
                KnobKind::Float { min, max, .. } => format!("{min}..={max}"),
                KnobKind::Choice(c) => c.join("|"),
                KnobKind::Seed => "0..2^64".into(),
            };
            say(&format!("    {:<16} {:<22} {}", k.key, range, k.help));
        }
    }
}

fn main() -> ExitCode {
    // A bug or a device failure deep in the engine (a GPU out of memory) still ends in one
    // line on stderr, never a multi-line trace or a panic while printing one.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        tell(&format!(
            "error: the training engine stopped: {}{place}",
            message.replace(['\n', '\r'], " ")
        ));
    }));
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::List => {
            list();
            Ok(())
        }
        Command::Run(args) => run(args, false),
        Command::Bench(args) => run(args, true),
        Command::Sweep(command) => command::sweep(command),
        Command::Link(args) => build_spec(&args.spec)
            .map(|(spec, preset)| say(&format!("{}{}", args.base, link::encode(&spec, preset)))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line, whatever the message's source put in it.
            tell(&format!("error: {}", message.replace(['\n', '\r'], " ")));
            ExitCode::FAILURE
        }
    }
}
