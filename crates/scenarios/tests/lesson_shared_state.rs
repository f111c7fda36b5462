//! Lessons of `shared-state`: a Manager dict is shared ({0: 0, …, 4: 16}) but slow and racy
//! without a lock; a plain global modified by children is unchanged in the parent; Value and
//! Array live in shared memory; one proxy call is atomic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_sim::{Outcome, State, Trace, Value};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("shared-state", set, seed)
}

#[test]
fn a_manager_dict_collects_every_childs_square() {
    for seed in 0..5 {
        let t = run(&[], seed);
        assert_eq!(t.outcome, Outcome::Completed);
        assert_eq!(t.result["squares"], Value::from(vec![0, 1, 4, 9, 16]));
        // The dict lives in the manager's process; every proxy call is a round trip to
        // it, so each worker spends time waiting on its connection for the answer.
        assert!(t.units.iter().any(|u| u.name.starts_with("SyncManager")));
        for worker in t.units.iter().filter(|u| u.name.starts_with('p')) {
            let waiting: u64 = t
                .spans
                .iter()
                .filter(|s| s.unit == worker.id && s.state == State::Blocked)
                .filter(|s| s.obj.is_some_and(|o| t.obj_name(o).starts_with("pipe")))
                .map(|s| s.end - s.start)
                .sum();
            assert!(waiting > 0, "{}", worker.name);
        }
    }
}

#[test]
fn manager_dict_increments_are_lost_without_a_lock_and_never_with_it() {
    let lossy = (0..10).filter(|&s| int(&run(&[], s), "lost") > 0).count();
    assert!(lossy > 0, "no seed lost an update");
    for seed in 0..20 {
        let t = run(&[("use_lock", "true")], seed);
        assert_eq!(int(&t, "counter"), 15, "seed {seed}");
        assert_eq!(int(&t, "lost"), 0, "seed {seed}");
    }
}

#[test]
fn a_global_changed_by_children_is_unchanged_in_the_parent() {
    for lock in ["false", "true"] {
        let t = run(&[("backend", "global"), ("use_lock", lock)], 1);
        assert_eq!(int(&t, "counter"), 0, "the parent's copy");
        assert_eq!(int(&t, "expected"), 15);
        assert_eq!(t.result["child_views"], Value::from(vec![3, 3, 3, 3, 3]));
    }
}

#[test]
#[allow(clippy::approx_constant)] // the example's number, not π
fn value_and_array_are_shared_memory() {
    let t = run(&[("backend", "value")], 1);
    assert_eq!(t.result["value"], Value::Float(3.1415927));
    assert_eq!(
        t.result["array"],
        Value::from((0..10).map(|i: i64| -i).collect::<Vec<_>>())
    );
    assert_eq!(int(&t, "counter"), 15);
    // Many quick increments collide without the lock, never with it.
    let many = [("backend", "value"), ("increments", "300")];
    assert!(int(&run(&many, 1), "lost") > 0);
    let locked = [
        ("backend", "value"),
        ("increments", "300"),
        ("use_lock", "true"),
    ];
    for seed in 0..3 {
        assert_eq!(int(&run(&locked, seed), "lost"), 0);
    }
}

#[test]
fn one_proxy_call_is_atomic_even_without_a_lock() {
    for seed in 0..10 {
        let t = run(&[("backend", "manager_list"), ("increments", "10")], seed);
        assert_eq!(int(&t, "counter"), 50, "seed {seed}");
        assert_eq!(
            t.result["reversed"],
            Value::from((0..10).rev().collect::<Vec<i64>>())
        );
    }
}
