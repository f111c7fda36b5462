//! Seeded random and PCT runs: one seed per run (`cfg.seed + run`), each run a fresh
//! scheduler; the same settings give the same runs.

use super::dfs::run_once;
use super::{Job, OnRun, Strategy};
use crate::sched::{Pct, RandomSched, Scheduler};

/// `budget` runs (fewer if `on_run` says stop). Random search never exhausts anything.
pub(super) fn search(job: Job<'_>, on_run: &mut OnRun<'_>) -> Result<bool, String> {
    let mut runs = 0u64;
    let mut go_on = true;
    while runs < job.budget && go_on {
        let seed = job.cfg.seed.wrapping_add(runs);
        let inner: Box<dyn Scheduler> = match job.cfg.strategy {
            Strategy::Pct { depth } => Box::new(Pct::new(seed, depth, 1000)),
            _ => Box::new(RandomSched::new(seed)),
        };
        let (trace, log) = run_once(job.machine, seed, job.build, Some(inner), Vec::new())?;
        runs += 1;
        go_on = on_run(&trace, log.preemptions, seed);
    }
    Ok(false)
}
