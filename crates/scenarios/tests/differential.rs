//! The kernel's shortcuts change no behaviour: for every catalogue scenario at its defaults,
//! over several seeds, the trace hash is the same
//!
//! - with footprint recording (what the DPOR explorer turns on) and without;
//! - stepped one decision at a time (`Sim::step`, what the explorer and the progress bar
//!   drive) and run to the end (`Sim::run`);
//! - for FIFO, through its fast path (`Sim::new` with `SchedulerKind::Fifo`: the kernel skips
//!   listing candidates) and through a plain scheduler that also always answers index 0 but
//!   takes the general path (`Sim::with_scheduler`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_scenarios::{RunOptions, Scenario, catalogue};
use interleave_sim::sched::{Candidate, Scheduler};
use interleave_sim::{SchedulerKind, Sim, Trace};

/// Always the first candidate, like FIFO, without telling the kernel so.
struct FirstCandidate;

impl Scheduler for FirstCandidate {
    fn choose(&mut self, _step: u64, _candidates: &[Candidate]) -> Result<usize, String> {
        Ok(0)
    }
}

#[derive(Clone, Copy, Debug)]
enum Path {
    Run,
    Stepped,
    Footprints,
}

/// How the run's scheduler is made: from its kind (`Sim::new`, FIFO's fast path included) or
/// handed over ready-made (`Sim::with_scheduler`, always the general path).
enum Chooser {
    Kind(SchedulerKind),
    Custom(Box<dyn Scheduler>),
}

fn trace(s: &Scenario, seed: u64, chooser: Chooser, path: Path) -> Trace {
    let params = s.defaults();
    let (runs, machine) = s.runs(&params, &RunOptions::default()).unwrap();
    let mut sim = match chooser {
        Chooser::Kind(kind) => Sim::new(machine, seed, &kind).unwrap(),
        Chooser::Custom(sched) => Sim::with_scheduler(machine, seed, sched).unwrap(),
    };
    if matches!(path, Path::Footprints) {
        sim.record_footprints();
    }
    sim.spawn_main("MainProcess", runs.build());
    match path {
        Path::Run | Path::Footprints => sim.run(),
        Path::Stepped => {
            while sim.step().is_some() {}
            sim.finish()
        }
    }
}

const SEEDS: [u64; 3] = [1, 2, 7];

#[test]
fn footprint_recording_and_stepping_change_no_trace() {
    for s in catalogue() {
        for kind in [SchedulerKind::Fifo, SchedulerKind::Random] {
            for seed in SEEDS {
                let plain = trace(&s, seed, Chooser::Kind(kind.clone()), Path::Run);
                assert_ne!(
                    plain.outcome,
                    interleave_sim::Outcome::Running,
                    "{} ended",
                    s.id
                );
                for path in [Path::Stepped, Path::Footprints] {
                    let other = trace(&s, seed, Chooser::Kind(kind.clone()), path);
                    assert_eq!(
                        other.hash(),
                        plain.hash(),
                        "{} seed {seed} {kind:?}: {path:?} differs from Run",
                        s.id
                    );
                }
            }
        }
    }
}

#[test]
fn fifo_through_its_fast_path_and_through_the_general_one_agree() {
    for s in catalogue() {
        for seed in SEEDS {
            for path in [Path::Run, Path::Stepped, Path::Footprints] {
                let fast = trace(&s, seed, Chooser::Kind(SchedulerKind::Fifo), path);
                let general = trace(&s, seed, Chooser::Custom(Box::new(FirstCandidate)), path);
                assert_eq!(
                    general.hash(),
                    fast.hash(),
                    "{} seed {seed} {path:?}: the general path differs from FIFO's fast one",
                    s.id
                );
            }
        }
    }
}
