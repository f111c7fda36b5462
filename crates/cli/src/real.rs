//! Real runs: the scenario's work on real threads and processes, timed, on the same timeline
//! model as simulated runs.

use std::process::{Command, Stdio};
use std::time::Duration;

use interleave_scenarios::{Params, Scenario};
use interleave_sim::{Outcome, Span, State, Trace, UnitId, UnitInfo, UnitKind, Value};
use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::native::{
    self, CounterMode, Factorize, Primes, RealRun, Runner, Workload,
};
use interleave_workloads::primes::{FIXTURE, Kernel};

/// The ids of the scenarios that declare a real mode.
pub fn with_real_mode() -> Vec<&'static str> {
    interleave_scenarios::catalogue()
        .into_iter()
        .filter(|s| s.modes.contains(&interleave_scenarios::Mode::Real))
        .map(|s| s.id)
        .collect()
}

/// Options of a real run.
#[derive(Clone, Debug)]
pub struct RealOptions {
    pub workers: usize,
    pub gil: bool,
    pub kernel: Kernel,
}

/// The number of hardware threads, at least 1.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// Starts `interleave worker <kind>` as a child process with piped stdin and stdout.
fn spawn_worker(
    kind: &str,
    kernel: Kernel,
) -> impl Fn() -> std::io::Result<std::process::Child> + Sync + use<> {
    let kind = kind.to_string();
    let kernel = kernel_name(kernel).to_string();
    move || {
        let exe = std::env::current_exe()?;
        Command::new(exe)
            .args(["worker", &kind, "--kernel", &kernel])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
    }
}

pub fn kernel_name(k: Kernel) -> &'static str {
    match k {
        Kernel::Reference => "reference",
        Kernel::Faithful => "faithful",
        Kernel::Fast => "fast",
        Kernel::MillerRabin => "miller-rabin",
    }
}

/// The workload a worker process serves.
pub fn workload(kind: &str, kernel: Kernel) -> Result<Box<dyn Workload>, String> {
    match kind {
        "primes" => Ok(Box::new(Primes {
            kernel,
            piece: 200_000,
        })),
        "factorize" => Ok(Box::new(Factorize {
            fast: kernel == Kernel::Fast,
            piece: 1_000_000,
        })),
        _ => Err(format!(
            "no real workload {kind:?}; worker processes serve primes and factorize"
        )),
    }
}

/// The scenario's `mode` parameter as a runner: threads under the GIL become GIL threads.
pub fn runner(mode: &str, gil: bool) -> Runner {
    match mode {
        "threads" if gil => Runner::GilThreads {
            switch: Duration::from_millis(5),
        },
        "threads" => Runner::Threads,
        "processes" => Runner::Processes,
        _ => Runner::Sequential,
    }
}

/// Runs a job list with `runner`.
pub fn run_jobs(
    kind: &str,
    inputs: &[u64],
    runner: Runner,
    opts: &RealOptions,
) -> Result<RealRun, String> {
    let work = workload(kind, opts.kernel)?;
    let spawn = spawn_worker(kind, opts.kernel);
    native::run(work.as_ref(), inputs, runner, opts.workers, Some(&spawn))
}

/// The real run of a scenario as a trace.
pub fn real_trace(s: &Scenario, p: &Params, opts: &RealOptions) -> Result<Trace, String> {
    match s.id {
        "primes" | "factorize" => {
            let mut inputs = p.list("numbers");
            if inputs.is_empty() && s.id == "primes" {
                inputs = FIXTURE.to_vec();
            }
            let r = run_jobs(s.id, &inputs, runner(p.choice("mode"), opts.gil), opts)?;
            Ok(r.to_trace())
        }
        "life" => {
            let side = usize::try_from(p.int("real_side")).unwrap_or(2048);
            let gens = usize::try_from(p.int("real_generations")).unwrap_or(50);
            let g = BitGrid::from_bytes(&ByteGrid::random(side, side, 30, 42)?);
            let workers = if p.choice("mode") == "serial" {
                1
            } else {
                opts.workers
            };
            let (last, run) = native::life_run(&g, gens, workers);
            let mut t = run.to_trace();
            let rate = (side * side * gens) as f64 / (run.wall.max(1) as f64 / 1e9);
            t.result
                .insert("alive".to_string(), Value::from(last.alive()));
            t.result
                .insert("cell_updates_per_s".to_string(), Value::Float(rate.round()));
            Ok(t)
        }
        "lock-race" => {
            let threads = usize::try_from(p.int("workers")).unwrap_or(4);
            let n = u64::try_from(p.int("increments")).unwrap_or(1) * 10_000;
            let mode = if p.bool("use_lock") {
                CounterMode::Mutex
            } else {
                CounterMode::LoadStore
            };
            let start = std::time::Instant::now();
            let counter = native::counter_run(mode, threads, n);
            let wall = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            Ok(counter_trace(threads, n, counter, wall))
        }
        other => Err(format!(
            "{other} has no real mode; real mode exists for {}",
            with_real_mode().join(", ")
        )),
    }
}

fn counter_trace(threads: usize, n: u64, counter: u64, wall: u64) -> Trace {
    let mut t = Trace {
        cores: u32::try_from(threads).unwrap_or(1),
        ..Trace::default()
    };
    let main = UnitId(0);
    t.units.push(UnitInfo {
        id: main,
        name: "MainProcess".into(),
        kind: UnitKind::Process,
        process: main,
        parent: None,
        daemon: false,
        host: None,
        created: 0,
    });
    for w in 0..threads {
        let id = UnitId(w as u32 + 1);
        t.units.push(UnitInfo {
            id,
            name: format!("worker-{w}"),
            kind: UnitKind::Thread,
            process: main,
            parent: Some(main),
            daemon: false,
            host: None,
            created: 0,
        });
        t.spans.push(Span {
            unit: id,
            start: 0,
            end: wall.max(1),
            state: State::Running,
            obj: None,
            core: None,
        });
    }
    let expected = n * threads as u64;
    t.result.insert(
        "counter".into(),
        Value::from(i64::try_from(counter).unwrap_or(i64::MAX)),
    );
    t.result.insert(
        "expected".into(),
        Value::from(i64::try_from(expected).unwrap_or(i64::MAX)),
    );
    t.result.insert(
        "lost".into(),
        Value::from(i64::try_from(expected.saturating_sub(counter)).unwrap_or(i64::MAX)),
    );
    t.metrics.makespan = wall;
    t.schedule = "real".into();
    t.outcome = Outcome::Completed;
    t
}
