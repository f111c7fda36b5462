//! Lessons of `barrier`: the parties pass at the same virtual time, when the last one arrives;
//! units without the barrier do not; a timeout or `abort()` gives every party
//! `BrokenBarrierError`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_sim::{EventKind, Outcome, Trace, Value, ms};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("barrier", set, seed)
}

#[test]
fn the_parties_pass_together_when_the_last_one_arrives() {
    for flavor in ["thread", "process", "asyncio"] {
        for parties in ["1", "3", "8"] {
            for seed in 0..4 {
                let t = run(&[("flavor", flavor), ("parties", parties)], seed);
                let what = format!("{flavor} × {parties} seed {seed}");
                assert_eq!(t.outcome, Outcome::Completed, "{what}");
                let n: i64 = parties.parse().unwrap();
                assert_eq!(int(&t, "passed"), n, "{what}");
                assert_eq!(int(&t, "broken"), 0, "{what}");
                let at = ints(&t, "passed_ms");
                assert!(at.iter().all(|&x| x == at[0]), "{what}: {at:?}");
                if flavor == "asyncio" {
                    // asyncio.Barrier is CPython's own code over a Condition: its lanes show
                    // the condition's waits, not barrier markers.
                    continue;
                }
                let barrier = t.objects.iter().find(|o| o.name == "barrier").unwrap().id;
                let arrivals: Vec<u64> = t
                    .events_of(EventKind::Wait)
                    .filter(|e| e.obj == Some(barrier))
                    .map(|e| e.time)
                    .collect();
                let passes: Vec<u64> = t
                    .events_of(EventKind::Pass)
                    .filter(|e| e.obj == Some(barrier))
                    .map(|e| e.time)
                    .collect();
                assert_eq!(arrivals.len() as i64, n, "{what}");
                // One pass marker per party: the last to arrive and each one that waited.
                assert_eq!(passes.len() as i64, n, "{what}");
                let last = *arrivals.iter().max().unwrap();
                assert!(passes.iter().all(|&p| p == last), "{what}: {passes:?}");
            }
        }
    }
}

#[test]
fn units_without_the_barrier_finish_at_their_own_times() {
    let t = run(&[("parties", "4"), ("free_units", "4")], 2);
    let passed = ints(&t, "passed_ms")[0];
    let mut free = ints(&t, "free_ms");
    free.sort_unstable();
    free.dedup();
    assert!(free.len() > 1, "{free:?}");
    assert!(free.iter().all(|&f| f != passed), "{free:?} vs {passed}");
}

#[test]
fn a_late_party_breaks_the_barrier_for_everyone() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(&[("flavor", flavor), ("failure", "late_party")], 1);
        assert_eq!(t.outcome, Outcome::Completed, "{flavor}");
        assert_eq!(int(&t, "passed"), 0, "{flavor}");
        assert_eq!(int(&t, "broken"), 3, "{flavor}");
        if flavor != "asyncio" {
            // The first waiter gives up exactly one timeout after it arrived (asyncio's
            // Barrier is CPython's code over a Condition, with no barrier markers).
            let barrier = t.objects.iter().find(|o| o.name == "barrier").unwrap().id;
            let first = t
                .events_of(EventKind::Wait)
                .find(|e| e.obj == Some(barrier))
                .unwrap()
                .time;
            let broken = t
                .events_of(EventKind::Broken)
                .find(|e| e.obj == Some(barrier))
                .unwrap()
                .time;
            assert_eq!(broken, first + ms(500), "{flavor}");
        }
        let lines = printed(&t);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("p2: BrokenBarrierError")),
            "{flavor}: the latecomer finds the barrier broken: {lines:?}"
        );
    }
}

#[test]
fn abort_breaks_the_barrier_for_the_other_parties() {
    for flavor in ["thread", "process", "asyncio"] {
        for seed in 0..3 {
            let t = run(
                &[("flavor", flavor), ("failure", "abort"), ("parties", "4")],
                seed,
            );
            assert_eq!(int(&t, "passed"), 0, "{flavor}");
            assert_eq!(int(&t, "broken"), 3, "{flavor}");
            assert_eq!(t.result["aborted"], Value::Bool(true));
        }
    }
}
