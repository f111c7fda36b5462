//! Scenario-declared invariants: the explorer's label names the ones a run breaks, and a run
//! that keeps them is not failing on their account.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_scenarios::{RunOptions, catalogue, find};
use interleave_sim::explore::{Config, Strategy, explore};
use interleave_sim::{Trace, Value};

fn explore_lock_race(use_lock: bool) -> interleave_sim::explore::Report {
    let s = find("lock-race").unwrap();
    let overrides: Vec<(String, String)> = [
        ("workers", "2"),
        ("increments", "1"),
        ("variant", "inplace"),
        ("use_lock", if use_lock { "true" } else { "false" }),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let params = s.validate(&overrides).unwrap();
    let opts = RunOptions {
        cores: Some(1),
        gil: Some(false),
        ..RunOptions::default()
    };
    let (runs, machine) = s.runs(&params, &opts).unwrap();
    let build = || runs.build();
    let label = |t: &Trace| s.outcome_label(t);
    let cfg = Config {
        strategy: Strategy::Dpor,
        max_preemptions: None,
        budget: 20_000,
        seed: 1,
    };
    explore(&machine, &build, &label, &cfg).unwrap()
}

#[test]
fn a_lost_update_breaks_counter_equals_expected() {
    let r = explore_lock_race(false);
    assert!(r.exhausted);
    let broken: Vec<_> = r
        .outcomes
        .iter()
        .filter(|o| o.label.contains("violates: counter == expected"))
        .collect();
    assert_eq!(broken.len(), 1, "{:?}", r.outcomes);
    assert!(broken[0].failing);
    assert!(broken[0].label.contains("counter=1"), "{}", broken[0].label);
    // The run that keeps the invariant is not a failure.
    assert!(
        r.outcomes
            .iter()
            .any(|o| !o.failing && o.label.contains("counter=2"))
    );
}

#[test]
fn with_the_lock_no_run_breaks_it() {
    let r = explore_lock_race(true);
    assert!(r.exhausted);
    assert!(r.outcomes.iter().all(|o| !o.failing), "{:?}", r.outcomes);
}

#[test]
fn invariants_check_only_what_a_run_reports() {
    // A trace with no result (an early error, another variant) neither keeps nor breaks any.
    let empty = Trace::default();
    for s in catalogue() {
        for i in s.invariants {
            assert_eq!((i.check)(&empty), None, "{}: {}", s.id, i.text.en);
            assert!(!i.text.en.is_empty() && !i.text.zh.is_empty());
        }
    }
    // A stuck worker breaks "no worker is left waiting" in each scenario that declares it.
    let mut stuck = Trace::default();
    stuck.result.insert("stuck".into(), Value::Int(2));
    for id in ["condition", "queue", "pipe"] {
        let s = find(id).unwrap();
        let broken = s.violated(&stuck);
        assert_eq!(broken.len(), 1, "{id}");
        assert!(s.outcome_label(&stuck).1, "{id}");
    }
}
