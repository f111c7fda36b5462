//! `interleave`: the scenario catalogue in a terminal.
//!
//! The only crate that knows argv, stdout and exit codes. Bad input (an unknown scenario or
//! parameter, a malformed or out-of-range value) exits with status 2 and one line saying what
//! is accepted.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use interleave_scenarios::{Lang, ParamKind, RunOptions, Scenario, catalogue, find, ids};
use interleave_sim::{SchedulerKind, Trace, chrome};

/// mimalloc rather than the system allocator: a run builds its trace in a few large vectors
/// and frees everything at the end, and mimalloc keeps that memory for the next run instead of
/// handing it back and faulting it in again (1.08–1.25× on the simulator bench).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that ends the program quietly when stdout is a closed pipe
/// (`interleave list | head`) instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(&e);
        }
    }};
}

/// `print!` with the same care.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(&e);
        }
    }};
}

/// Stdout is gone: a closed pipe is a normal end, anything else an error.
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to stdout: {e}");
    std::process::exit(1);
}

mod bench;
mod explore;
mod fidelity;
mod pybench;
mod pyrun;
mod real;
mod render;

#[derive(Parser)]
#[command(
    name = "interleave",
    version,
    about = "Watch Python threads, processes and coroutines interleave, deterministically."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every scenario with its parameters.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Explain a scenario: what to look for, its parameters, its Python program.
    Show {
        id: String,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Run a scenario in the simulator.
    Run {
        id: String,
        /// Set a parameter: --set name=value (repeatable).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of cores (1-64); the scenario's default otherwise.
        #[arg(long)]
        cores: Option<u32>,
        /// Model the GIL (on) or free-threaded Python (off).
        #[arg(long)]
        gil: Option<OnOff>,
        #[arg(long, value_enum, default_value_t = Sched::Random)]
        scheduler: Sched,
        /// Replay a schedule string printed by an earlier run (overrides --scheduler).
        #[arg(long)]
        replay: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the output to a file instead of stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// sim: the deterministic simulator; real: the actual work on threads and processes.
        #[arg(long, value_enum, default_value_t = RunMode::Sim)]
        mode: RunMode,
        /// Real mode: worker threads or processes (default: the number of hardware threads).
        #[arg(long)]
        workers: Option<usize>,
        /// Real mode, primes: reference, faithful, fast or miller-rabin.
        #[arg(long, default_value = "faithful")]
        kernel: String,
        /// Python programs: which CPython's switching to follow (3.11, 3.9 or 3.13t).
        #[arg(long)]
        python: Option<String>,
        /// Python programs: stop after this many instructions (default 200 000 000).
        #[arg(long)]
        max_instructions: Option<u64>,
    },
    /// Time a real workload every way side by side (and CPython, when python3 exists).
    Bench {
        /// primes, factorize or life.
        id: String,
        #[arg(long)]
        workers: Option<usize>,
        /// Runs per mode; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The Python interpreter to compare with ("none" to skip).
        #[arg(long, default_value = "python3")]
        python: String,
        /// `bench python` only: also time the wasm build in Node, given the wasm-bindgen glue
        /// of interleave-py-wasm (`bash xtask/bench-python.sh` builds it and passes this).
        #[arg(long)]
        wasm: Option<String>,
    },
    /// Internal: serve jobs on stdin/stdout for the process runner.
    #[command(hide = true)]
    Worker {
        kind: String,
        #[arg(long, default_value = "faithful")]
        kernel: String,
    },
    /// Run a scenario under many schedules: the outcomes with counts, and the shortest
    /// schedule that reaches each failure.
    Explore {
        id: String,
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        #[arg(long, value_enum, default_value_t = Strategy::Dfs)]
        strategy: Strategy,
        /// DFS: at most this many preemptions per schedule.
        #[arg(long)]
        max_preemptions: Option<u32>,
        /// At most this many runs.
        #[arg(long, default_value_t = 20_000)]
        budget: u64,
        /// At most this many seconds (the search stops there, not exhaustive).
        #[arg(long, value_name = "SECONDS")]
        time: Option<f64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        cores: Option<u32>,
        #[arg(long)]
        gil: Option<OnOff>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Python programs: which CPython's switching to follow (3.11, 3.9 or 3.13t).
        #[arg(long)]
        python: Option<String>,
    },
    /// Print the scenario's Python program for the given parameters.
    Python {
        id: String,
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
    },
    /// Compare every scenario's simulated outcome with CPython running its Python program.
    Fidelity {
        /// How many times CPython runs each nondeterministic program.
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// How many seeds the simulator explores for nondeterministic programs.
        #[arg(long, default_value_t = 200)]
        seeds: u64,
        /// Only these scenarios (comma-separated ids).
        #[arg(long)]
        only: Option<String>,
        /// The Python interpreter.
        #[arg(long, default_value = "python3")]
        python: String,
        /// Compare CPython with the scenario's Python program run by Interleave's own
        /// interpreter, instead of with the scenario's simulated model.
        #[arg(long)]
        interpreted: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum Sched {
    Fifo,
    Random,
    Pct,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Strategy {
    /// Every schedule, depth first (with --max-preemptions: iterative preemption bounding).
    Dfs,
    /// Every schedule up to reordering of independent steps (dynamic partial-order reduction).
    Dpor,
    Random,
    Pct,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum RunMode {
    Sim,
    Real,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Chrome,
    /// Python programs only: exactly what the program printed (stdout, and stderr for
    /// tracebacks), to compare with `python3 FILE.py`.
    Output,
}

/// A user error: exit status 2 with one line.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.into()))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.render().to_string();
            let line = text.lines().next().unwrap_or("error: bad arguments");
            eprintln!("{line} (see `interleave --help`)");
            return ExitCode::from(2);
        }
    };
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<Usage>().is_some() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::List { json } => list(json),
        Command::Show { id, lang } => {
            let lang = Lang::parse(&lang)
                .ok_or_else(|| usage(format!("--lang must be en or zh, got {lang:?}")))?;
            let s = scenario(&id)?;
            out!("{}", show(&s, lang));
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            id,
            set,
            seed,
            cores,
            gil,
            scheduler,
            replay,
            format,
            out,
            mode,
            workers,
            kernel,
            python,
            max_instructions,
        } => {
            let scheduler_kind = match (&replay, scheduler) {
                (Some(r), _) => {
                    interleave_sim::Schedule::decode(r).map_err(usage)?;
                    SchedulerKind::Replay {
                        schedule: r.clone(),
                    }
                }
                (None, Sched::Fifo) => SchedulerKind::Fifo,
                (None, Sched::Random) => SchedulerKind::Random,
                (None, Sched::Pct) => SchedulerKind::Pct {
                    depth: 3,
                    expected_steps: 1000,
                },
            };
            if pyrun::is_python_path(&id) {
                if gil.is_some() {
                    return Err(usage(
                        "--gil is for scenarios; a Python program takes --python 3.11, 3.9 or 3.13t",
                    ));
                }
                if !set.is_empty() || mode == RunMode::Real {
                    return Err(usage(
                        "--set and --mode real are for scenarios; a Python program sets its own constants",
                    ));
                }
                return pyrun::run(pyrun::PyRunArgs {
                    path: &id,
                    seed,
                    cores,
                    python: python.as_deref(),
                    scheduler: scheduler_kind,
                    format,
                    out: out.as_deref(),
                    max_instructions,
                });
            }
            if python.is_some() || format == Format::Output {
                return Err(usage(
                    "--python and --format output are for Python programs (FILE.py)",
                ));
            }
            let s = scenario(&id)?;
            let params = s.validate(&pairs(&set)?).map_err(|e| usage(e.message))?;
            if let Some(c) = cores
                && !(1..=interleave_sim::config::MAX_CORES).contains(&c)
            {
                return Err(usage(format!(
                    "--cores must be from 1 to {}, got {c}",
                    interleave_sim::config::MAX_CORES
                )));
            }
            let scheduler = scheduler_kind;
            let opts = RunOptions {
                seed,
                cores,
                gil: gil.map(|g| matches!(g, OnOff::On)),
                scheduler,
            };
            let kernel = interleave_workloads::primes::Kernel::parse(&kernel).map_err(usage)?;
            if workers == Some(0) || workers.is_some_and(|w| w > 256) {
                return Err(usage("--workers must be from 1 to 256"));
            }
            let trace = if mode == RunMode::Real {
                if !s.modes.contains(&interleave_scenarios::Mode::Real) {
                    return Err(usage(format!(
                        "{} has no real mode; real mode exists for {}",
                        s.id,
                        real::with_real_mode().join(", ")
                    )));
                }
                let ropts = real::RealOptions {
                    workers: workers.unwrap_or_else(real::default_workers),
                    gil: gil.is_none_or(|g| matches!(g, OnOff::On)),
                    kernel,
                };
                real::real_trace(&s, &params, &ropts).map_err(anyhow::Error::msg)?
            } else {
                s.simulate(&params, &opts).map_err(usage)?
            };
            let tty = out.is_none() && std::io::stdout().is_terminal();
            let text = match format {
                Format::Text => {
                    let machine = s.machine_for(&params, &opts).map_err(usage)?;
                    let title = if mode == RunMode::Real {
                        format!(
                            "{} — {} (real run, {} workers)",
                            s.id,
                            s.title.en,
                            trace.units.len().saturating_sub(1)
                        )
                    } else {
                        format!(
                            "{} — {} (seed {seed}, {} cores, GIL {})",
                            s.id,
                            s.title.en,
                            machine.cores,
                            if machine.gil { "on" } else { "off" }
                        )
                    };
                    let mut text = render::render(
                        &trace,
                        &title,
                        render::Style {
                            color: tty,
                            ..render::Style::default()
                        },
                    );
                    for i in s.violated(&trace) {
                        text.push_str(&format!("invariant broken: {}\n", i.text.en));
                    }
                    text
                }
                Format::Json => json_output(&s, &params, &trace)?,
                Format::Chrome => serde_json::to_string(&chrome::to_chrome(&trace))? + "\n",
                Format::Output => unreachable_output(),
            };
            emit(&text, out.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explore {
            id,
            set,
            strategy,
            max_preemptions,
            budget,
            time,
            seed,
            cores,
            gil,
            format,
            python,
        } => {
            if time.is_some_and(|t| !t.is_finite() || t <= 0.0) {
                return Err(usage("--time must be a positive number of seconds"));
            }
            if pyrun::is_python_path(&id) {
                if gil.is_some() || !set.is_empty() {
                    return Err(usage(
                        "--gil and --set are for scenarios; a Python program takes --python",
                    ));
                }
                if format == Format::Chrome || format == Format::Output {
                    return Err(usage("explore prints text or json"));
                }
                let cfg = explore_config(strategy, max_preemptions, budget, seed);
                return pyrun::explore(&id, python.as_deref(), cores, &cfg, format == Format::Json);
            }
            if python.is_some() {
                return Err(usage("--python is for Python programs (FILE.py)"));
            }
            let s = scenario(&id)?;
            let params = s.validate(&pairs(&set)?).map_err(|e| usage(e.message))?;
            if format == Format::Chrome || format == Format::Output {
                return Err(usage("explore prints text or json"));
            }
            let opts = RunOptions {
                seed,
                cores,
                gil: gil.map(|g| matches!(g, OnOff::On)),
                scheduler: SchedulerKind::Fifo,
            };
            let (mut runs, machine) = s.runs(&params, &opts).map_err(usage)?;
            // A search runs the program many times: each run gets a tenth of one run's budget.
            runs.limit_instructions(interleave_scenarios::MAX_INSTRUCTIONS / 10);
            let cfg = explore_config(strategy, max_preemptions, budget, seed);
            explore::run(
                &s,
                &runs,
                &machine,
                &cfg,
                time,
                &set,
                format == Format::Json,
            )
        }
        Command::Python { id, set } => {
            let s = scenario(&id)?;
            let params = s.validate(&pairs(&set)?).map_err(|e| usage(e.message))?;
            out!("{}", s.python_program(&params));
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            id,
            workers,
            runs,
            python,
            wasm,
        } => {
            if workers == Some(0) || workers.is_some_and(|w| w > 256) {
                return Err(usage("--workers must be from 1 to 256"));
            }
            if !["primes", "factorize", "life", "python"].contains(&id.as_str()) {
                return Err(usage(format!(
                    "no benchmark for {id:?}; benchmarks exist for primes, factorize, life, python"
                )));
            }
            let python = (python != "none").then_some(python.as_str());
            if id == "python" {
                return pybench::run(runs, python, wasm.as_deref());
            }
            if wasm.is_some() {
                return Err(usage("--wasm is for `bench python` only"));
            }
            bench::run(
                &id,
                workers.unwrap_or_else(real::default_workers),
                runs,
                python,
            )
        }
        Command::Worker { kind, kernel } => {
            let kernel = interleave_workloads::primes::Kernel::parse(&kernel).map_err(usage)?;
            let work = real::workload(&kind, kernel).map_err(usage)?;
            let stdin = std::io::stdin().lock();
            let stdout = std::io::stdout().lock();
            interleave_workloads::native::serve_worker(work.as_ref(), stdin, stdout)
                .map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fidelity {
            runs,
            seeds,
            only,
            python,
            interpreted,
        } => {
            let only: Option<Vec<String>> =
                only.map(|o| o.split(',').map(|s| s.trim().to_string()).collect());
            if let Some(list) = &only {
                for id in list {
                    scenario(id)?;
                }
            }
            let against = if interpreted {
                fidelity::Against::Interpreter
            } else {
                fidelity::Against::Simulator
            };
            fidelity::run(&python, runs, seeds, only.as_deref(), against)
        }
    }
}

fn scenario(id: &str) -> Result<Scenario> {
    find(id).ok_or_else(|| {
        usage(format!(
            "unknown scenario {id:?}; known: {}",
            ids().join(", ")
        ))
    })
}

fn pairs(set: &[String]) -> Result<Vec<(String, String)>> {
    set.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| usage(format!("--set takes name=value, got {kv:?}")))
        })
        .collect()
}

fn explore_config(
    strategy: Strategy,
    max_preemptions: Option<u32>,
    budget: u64,
    seed: u64,
) -> interleave_sim::explore::Config {
    interleave_sim::explore::Config {
        strategy: match strategy {
            Strategy::Dfs => interleave_sim::explore::Strategy::Dfs,
            Strategy::Dpor => interleave_sim::explore::Strategy::Dpor,
            Strategy::Random => interleave_sim::explore::Strategy::Random,
            Strategy::Pct => interleave_sim::explore::Strategy::Pct { depth: 3 },
        },
        max_preemptions,
        budget: budget.max(1),
        seed,
    }
}

/// `--format output` was refused above for scenarios; this arm cannot be reached.
fn unreachable_output() -> String {
    String::new()
}

fn emit(text: &str, out: Option<&std::path::Path>) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).or_else(|e| {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            Ok(())
        }
    }
}

fn json_output(
    s: &Scenario,
    params: &interleave_scenarios::Params,
    trace: &Trace,
) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Output<'a> {
        scenario: &'a str,
        params: &'a interleave_scenarios::Params,
        #[serde(flatten)]
        trace: &'a Trace,
    }
    Ok(serde_json::to_string(&Output {
        scenario: s.id,
        params,
        trace,
    })? + "\n")
}

fn list(json: bool) -> Result<ExitCode> {
    let all = catalogue();
    if json {
        #[derive(serde::Serialize)]
        struct P<'a> {
            name: &'a str,
            kind: &'static str,
            default: &'a str,
            min: Option<serde_json::Value>,
            max: Option<serde_json::Value>,
            choices: Option<&'a [&'static str]>,
            help: &'a interleave_scenarios::Text,
        }
        #[derive(serde::Serialize)]
        struct S<'a> {
            id: &'a str,
            title: &'a interleave_scenarios::Text,
            params: Vec<P<'a>>,
            modes: &'a [interleave_scenarios::Mode],
        }
        let out: Vec<S> = all
            .iter()
            .map(|s| S {
                id: s.id,
                title: &s.title,
                modes: s.modes,
                params: s
                    .params
                    .iter()
                    .map(|p| {
                        let (kind, min, max, choices) = match &p.kind {
                            ParamKind::Int { min, max } => {
                                ("int", Some((*min).into()), Some((*max).into()), None)
                            }
                            ParamKind::Float { min, max } => {
                                ("float", Some((*min).into()), Some((*max).into()), None)
                            }
                            ParamKind::Bool => ("bool", None, None, None),
                            ParamKind::Choice { choices } => {
                                ("choice", None, None, Some(choices.as_slice()))
                            }
                            ParamKind::List { max, .. } => {
                                ("list", Some(0.into()), Some((*max).into()), None)
                            }
                            ParamKind::Text { .. } => ("text", None, None, None),
                        };
                        P {
                            name: p.name,
                            kind,
                            default: p.default,
                            min,
                            max,
                            choices,
                            help: &p.help,
                        }
                    })
                    .collect(),
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    for s in &all {
        let params: Vec<String> = s
            .params
            .iter()
            .map(|p| format!("{}={}", p.name, p.default))
            .collect();
        outln!("{:<20} {}", s.id, s.title.en);
        if !params.is_empty() {
            outln!("{:<20} {}", "", params.join(" "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(s: &Scenario, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} — {}\n\n{}\n\n{}\n\n",
        s.id,
        s.title.get(lang),
        s.lesson.get(lang),
        s.explanation.get(lang)
    ));
    if !s.params.is_empty() {
        out.push_str(match lang {
            Lang::En => "Parameters:\n",
            Lang::Zh => "参数：\n",
        });
        for p in &s.params {
            out.push_str(&format!(
                "  {:<14} default {:<8} {}\n  {:<14} {}\n",
                p.name,
                p.default,
                p.accepts(),
                "",
                p.help.get(lang)
            ));
        }
        out.push('\n');
    }
    out.push_str(match lang {
        Lang::En => "Python program (default parameters):\n\n",
        Lang::Zh => "Python 程序（默认参数）：\n\n",
    });
    out.push_str(&s.python_program(&s.defaults()));
    out
}
