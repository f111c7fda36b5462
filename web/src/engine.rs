//! What a worker does with a request, as plain functions (the worker binary only adds the
//! message plumbing and the clock), so they are tested natively.

use interleave_scenarios::RunOptions;
use interleave_sim::{Nanos, SchedulerKind, Trace};
use interleave_workloads::factorize::divisors_in;
use interleave_workloads::life::BitGrid;
use interleave_workloads::primes::{Kernel, Trial};

use crate::protocol::{Answer, Sched, SimRequest, Work};

/// How many scheduling steps pass between progress reports.
pub const PROGRESS_EVERY: u64 = 20_000;

/// Divisors tried per call of the trial-division kernel: each call is short, so a browser's
/// optimising compiler gets to replace the baseline code between calls.
const TRIAL_CHUNK: u64 = 1 << 20;

/// The scheduler for a request: a replay string wins over the named scheduler.
pub fn scheduler(req: &SimRequest) -> SchedulerKind {
    match &req.replay {
        Some(schedule) if !schedule.trim().is_empty() => SchedulerKind::Replay {
            schedule: schedule.trim().to_string(),
        },
        _ => match req.sched {
            Sched::Random => SchedulerKind::Random,
            Sched::Fifo => SchedulerKind::Fifo,
            Sched::Pct => SchedulerKind::Pct {
                depth: 3,
                expected_steps: 10_000,
            },
        },
    }
}

/// Runs one simulation, validating everything the page sent.
pub fn simulate(req: &SimRequest, progress: &mut dyn FnMut(u64, Nanos)) -> Result<Trace, String> {
    let scenario = interleave_scenarios::find(&req.scenario)
        .ok_or_else(|| format!("there is no scenario {:?}", req.scenario))?;
    let params = scenario.validate(&req.params).map_err(|e| e.to_string())?;
    let opts = RunOptions {
        seed: req.seed,
        cores: req.cores,
        gil: req.gil,
        scheduler: scheduler(req),
    };
    scenario.simulate_observed(&params, &opts, PROGRESS_EVERY, progress)
}

/// Carries out one piece of real work.
pub fn work(work: &Work) -> Result<Answer, String> {
    match work {
        Work::Prime { n, kernel } => {
            let kernel = Kernel::parse(kernel)?;
            let prime = match kernel {
                Kernel::Faithful => {
                    let mut trial = Trial::new(*n);
                    loop {
                        if let Some(answer) = trial.run(TRIAL_CHUNK) {
                            break answer;
                        }
                    }
                }
                other => other.check(*n),
            };
            Ok(Answer::Prime { n: *n, prime })
        }
        Work::Divisors { n, from, to } => {
            if *n == 0 || *n > interleave_workloads::factorize::MAX_N {
                return Err(format!(
                    "n must be from 1 to {}, got {n}",
                    interleave_workloads::factorize::MAX_N
                ));
            }
            Ok(Answer::Divisors {
                n: *n,
                divisors: divisors_in(*n, *from, *to),
            })
        }
        Work::LifeBand { width, rows, words } => life_band(*width, rows, *words),
    }
}

/// The next generation of the band inside `rows` (which carries one halo row on each side).
fn life_band(width: usize, rows: &[u64], words: usize) -> Result<Answer, String> {
    if words == 0 || words != width.div_ceil(64) || !rows.len().is_multiple_of(words) {
        return Err(format!(
            "a band of width {width} needs {} words per row, got {} words in all with {words} \
             per row",
            width.div_ceil(64),
            rows.len()
        ));
    }
    let height = rows.len() / words;
    if height < 3 {
        return Err(format!(
            "a band needs its halo rows and at least one row, got {height} rows"
        ));
    }
    let mut grid = BitGrid::new(height, width)?;
    grid.bits.copy_from_slice(rows);
    let mut out = vec![0u64; (height - 2) * words];
    grid.step_band(1..height - 1, &mut out);
    let alive = out.iter().map(|w| u64::from(w.count_ones())).sum();
    Ok(Answer::LifeBand { rows: out, alive })
}
