//! The scenarios, one file each (a family of closely related lessons may share one file).

use interleave_sim::{Flavor, Machine};

use crate::Scenario;
use crate::params::Params;

mod asyncio_demo;
mod blocking_io;
mod cpu_jobs;
mod factorize;
mod life;
mod lock_race;
pub(crate) mod primes;
mod rlock;
pub(crate) mod scheduling;

/// Every scenario in catalogue order.
pub(crate) fn all() -> Vec<Scenario> {
    vec![
        lock_race::scenario(),
        rlock::scenario(),
        primes::scenario(),
        factorize::scenario(),
        blocking_io::scenario(),
        life::scenario(),
        asyncio_demo::scenario(),
        scheduling::scenario(),
    ]
}

/// Scenarios whose timeline is computed by an algorithm rather than simulated (the CPU
/// scheduling lesson draws a textbook Gantt chart).
pub(crate) fn synthetic(id: &str) -> Option<fn(&Params) -> interleave_sim::Trace> {
    match id {
        "scheduling" => Some(scheduling::trace),
        _ => None,
    }
}

/// The default machine: 2 cores, GIL on.
pub(crate) fn default_machine(_: &Params) -> Machine {
    Machine::default()
}

/// The `flavor` parameter's choices and their simulator flavours.
pub(crate) const FLAVORS: &[&str] = &["thread", "process", "asyncio"];

pub(crate) fn flavor(p: &Params) -> Flavor {
    match p.choice("flavor") {
        "process" => Flavor::Multiprocessing,
        "asyncio" => Flavor::Asyncio,
        _ => Flavor::Threading,
    }
}
