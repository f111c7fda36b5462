//! Lesson of `lock-file`: with the lock each record is one block, in the order the lock was won;
//! without it records interleave, yet no line is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use std::collections::BTreeSet;

use interleave_sim::{EventKind, Outcome, Trace, Value};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("lock-file", set, seed)
}

/// The workers in the order they acquired the object named `lock`, from the trace.
fn acquisitions(t: &Trace) -> Vec<i64> {
    let lock = t.objects.iter().find(|o| o.name == "lock").unwrap().id;
    t.events_of(EventKind::Acquire)
        .filter(|e| e.obj == Some(lock))
        .map(|e| {
            let name = t.unit_name(e.unit);
            name.strip_prefix("worker-").unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn with_the_lock_each_record_is_one_block_in_the_order_the_lock_was_won() {
    for flavor in ["thread", "process", "asyncio"] {
        let mut orders = BTreeSet::new();
        for seed in 0..12 {
            let t = run(&[("flavor", flavor)], seed);
            assert_eq!(t.outcome, Outcome::Completed, "{flavor} {seed}");
            assert_eq!(t.result["lines"], Value::Int(12), "{flavor} {seed}");
            assert_eq!(t.result["intact"], Value::Bool(true), "{flavor} {seed}");
            let order = ints(&t, "order");
            assert_eq!(order, acquisitions(&t), "{flavor} seed {seed}");
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3]);
            orders.insert(order);
        }
        // Who wins the lock depends on the run, not on the start order.
        assert!(orders.len() > 1, "{flavor}: always {orders:?}");
    }
}

#[test]
fn without_the_lock_records_interleave_but_no_line_is_lost() {
    for flavor in ["thread", "process", "asyncio"] {
        for seed in 0..5 {
            let t = run(&[("flavor", flavor), ("use_lock", "false")], seed);
            assert_eq!(t.outcome, Outcome::Completed);
            assert_eq!(t.result["intact"], Value::Bool(false), "{flavor} {seed}");
            assert_eq!(t.result["lines"], Value::Int(12), "{flavor} {seed}");
            assert!(acquisitions(&t).is_empty());
        }
    }
}

#[test]
fn writers_hold_the_lock_for_the_whole_record() {
    // While one worker holds the lock, no other worker writes a line.
    let t = run(&[("workers", "3"), ("lines", "4")], 7);
    let lock = t.objects.iter().find(|o| o.name == "lock").unwrap().id;
    let mut holder = None;
    for e in &t.events {
        match e.kind {
            EventKind::Acquire if e.obj == Some(lock) => holder = Some(e.unit),
            EventKind::Release if e.obj == Some(lock) => holder = None,
            EventKind::Io => assert_eq!(Some(e.unit), holder, "a write outside the lock"),
            _ => {}
        }
    }
    assert_eq!(t.events_of(EventKind::Io).count(), 12);
}
