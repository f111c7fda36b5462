//! What a worker does with a request, as plain functions (the worker binary only adds the
//! message plumbing and the clock), so they are tested natively.

use interleave_scenarios::RunOptions;
use interleave_sim::{Nanos, SchedulerKind, Trace};
use interleave_workloads::factorize::divisors_in;
use interleave_workloads::life::BitGrid;
use interleave_workloads::primes::{Kernel, Trial};

use crate::protocol::{
    Answer, Choice, ExploreRequest, PlayRequest, Response, Sched, SimRequest, Work,
};

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

/// Most runs an exploration may take, and a hint's search.
pub const MAX_EXPLORE_RUNS: u64 = 200_000;
pub const HINT_RUNS: u64 = 5_000;

/// The scenario, its validated parameters and the machine of a request.
fn setup(
    req: &SimRequest,
) -> Result<
    (
        interleave_scenarios::Scenario,
        interleave_scenarios::Params,
        interleave_sim::Machine,
    ),
    String,
> {
    let scenario = interleave_scenarios::find(&req.scenario)
        .ok_or_else(|| format!("there is no scenario {:?}", req.scenario))?;
    let params = scenario.validate(&req.params).map_err(|e| e.to_string())?;
    if interleave_scenarios::is_synthetic(scenario.id) {
        return Err(format!(
            "{} draws fixed schedules; there is nothing to explore or play",
            scenario.id
        ));
    }
    let opts = RunOptions {
        seed: req.seed,
        cores: req.cores,
        gil: req.gil,
        scheduler: SchedulerKind::Fifo,
    };
    let machine = scenario.machine_for(&params, &opts)?;
    Ok((scenario, params, machine))
}

/// Explores a scenario's interleavings.
pub fn explore(
    req: &ExploreRequest,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<interleave_sim::explore::Report, String> {
    use interleave_sim::explore::{Config, Strategy};
    let (scenario, params, machine) = setup(&req.sim)?;
    let strategy = match req.strategy.as_str() {
        "dfs" => Strategy::Dfs,
        "dpor" => Strategy::Dpor,
        "random" => Strategy::Random,
        "pct" => Strategy::Pct { depth: 3 },
        other => {
            return Err(format!(
                "the strategy is dpor, dfs, random or pct, got {other:?}"
            ));
        }
    };
    if req.budget == 0 || req.budget > MAX_EXPLORE_RUNS {
        return Err(format!(
            "the budget must be from 1 to {MAX_EXPLORE_RUNS} runs, got {}",
            req.budget
        ));
    }
    let cfg = Config {
        strategy,
        max_preemptions: req.max_preemptions,
        budget: req.budget,
        seed: req.sim.seed,
    };
    let build = || (scenario.build)(&params);
    let label = |t: &interleave_sim::Trace| scenario.outcome_label(t);
    interleave_sim::explore::explore_observed(&machine, &build, &label, &cfg, progress)
}

/// One position of "you are the scheduler".
pub fn play(req: &PlayRequest) -> Result<Response, String> {
    let (scenario, params, machine) = setup(&req.sim)?;
    let build = || (scenario.build)(&params);
    let pos = interleave_sim::play::position(&machine, req.sim.seed, &build, &req.choices)?;
    let reached = |t: &interleave_sim::Trace| scenario.goal.reached(&scenario, t);
    let goal_reached = pos.next.is_none() && reached(&pos.trace);
    let hint = if req.hint && !goal_reached && pos.next.is_some() {
        interleave_sim::play::shortest_path(
            &machine,
            req.sim.seed,
            &build,
            &req.choices,
            &reached,
            HINT_RUNS,
        )?
    } else if goal_reached {
        Some(Vec::new())
    } else {
        None
    };
    let next = pos.next.map(|units| {
        units
            .into_iter()
            .map(|u| Choice {
                unit: u.0,
                name: pos
                    .trace
                    .units
                    .get(u.index())
                    .map_or_else(|| format!("unit {}", u.0), |x| x.name.clone()),
            })
            .collect()
    });
    Ok(Response::Position {
        trace: Box::new(pos.trace),
        choices: req.choices.clone(),
        next,
        goal_reached,
        hint,
    })
}

/// Most data races reported per run.
pub const MAX_RACES: usize = 20;

/// The data races of a run, described.
pub fn races(trace: &Trace) -> Vec<String> {
    interleave_sim::races::find(trace, MAX_RACES)
        .iter()
        .map(|r| r.describe(trace))
        .collect()
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
