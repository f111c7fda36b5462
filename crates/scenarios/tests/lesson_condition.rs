//! Lessons of `condition`: `if` instead of `while` lets a woken consumer pop from an empty buffer
//! (some schedule raises IndexError, `while` never does); `notify` with several producers and
//! consumers can leave everybody waiting (some schedule), `notify_all` never does; `notify(1)`
//! wakes waiters oldest first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_sim::{EventKind, Outcome, PyErrorKind, Trace, Value, ms};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("condition", set, seed)
}

/// Consumers that died of IndexError.
fn index_errors(t: &Trace) -> usize {
    t.errors
        .iter()
        .filter(|e| e.error.kind == PyErrorKind::IndexError)
        .inspect(|e| assert!(t.unit_name(e.unit).starts_with('c')))
        .count()
}

/// One slow producer, three quick consumers: they all wait on the empty buffer.
const HUNGRY: &[(&str, &str)] = &[
    ("producers", "1"),
    ("consumers", "3"),
    ("produce_ms", "200"),
    ("consume_ms", "50"),
];

#[test]
fn if_instead_of_while_lets_a_woken_consumer_pop_an_empty_buffer() {
    for flavor in ["thread", "process", "asyncio"] {
        for wake in ["notify_all", "notify"] {
            let bad = with(
                HUNGRY,
                &[("flavor", flavor), ("wake", wake), ("recheck", "if")],
            );
            let failing = (0..40).find(|&s| index_errors(&run(&bad, s)) > 0);
            if wake == "notify_all" {
                let s = failing.unwrap_or_else(|| panic!("{flavor}: `if` never failed"));
                let t = run(&bad, s);
                assert_eq!(t.result["error_kind"], Value::from("IndexError"));
                assert!(int(&t, "errors") > 0);
            }
            for recheck in ["while", "wait_for"] {
                let good = with(
                    HUNGRY,
                    &[("flavor", flavor), ("wake", wake), ("recheck", recheck)],
                );
                for s in 0..40 {
                    let t = run(&good, s);
                    let what = format!("{flavor} {wake} {recheck} seed {s}");
                    assert_eq!(index_errors(&t), 0, "{what}");
                    assert_eq!(t.outcome, Outcome::Completed, "{what}");
                    assert_eq!(int(&t, "consumed"), 10, "{what}");
                    assert_eq!(int(&t, "stuck"), 0, "{what}");
                }
            }
        }
    }
}

#[test]
fn with_notify_one_a_woken_waiter_can_lose_the_item_to_a_thread_that_barged_in() {
    // A consumer coming back from its other work takes the lock before the one notify() woke.
    let bad = with(HUNGRY, &[("wake", "notify"), ("recheck", "if")]);
    assert!((0..200).any(|s| index_errors(&run(&bad, s)) > 0));
}

#[test]
fn an_if_lets_producers_overfill_the_buffer_and_a_while_never_does() {
    assert!((0..20).any(|s| {
        let t = run(&[("recheck", "if")], s);
        t.result["overfilled"] == Value::Bool(true) && int(&t, "peak") > 2
    }));
    for s in 0..40 {
        let t = run(&[], s);
        assert_eq!(t.result["overfilled"], Value::Bool(false), "seed {s}");
        assert_eq!(int(&t, "consumed"), 10);
        assert_eq!(int(&t, "left"), 0);
    }
}

/// Two producers, two consumers, one slot, no delays: maximal contention.
const CROWDED: &[(&str, &str)] = &[
    ("capacity", "1"),
    ("produce_ms", "0"),
    ("consume_ms", "0"),
    ("items", "20"),
];

#[test]
fn notify_can_lose_the_wake_up_until_everybody_waits_and_notify_all_cannot() {
    for flavor in ["thread", "process"] {
        let bad = with(CROWDED, &[("flavor", flavor), ("wake", "notify")]);
        let s = (0..60)
            .find(|&s| int(&run(&bad, s), "stuck") > 0)
            .unwrap_or_else(|| panic!("{flavor}: notify never lost a wake-up"));
        let t = run(&bad, s);
        assert!(int(&t, "consumed") < 20, "{flavor}");
        let Outcome::Deadlock { blocked, .. } = &t.outcome else {
            panic!("{flavor}: {:?}", t.outcome)
        };
        // Every stuck worker waits for a notify that will never come.
        let waiting: Vec<_> = blocked
            .iter()
            .filter(|e| e.waits_for.contains("a notify on"))
            .collect();
        assert_eq!(
            waiting.len() as i64,
            int(&t, "stuck"),
            "{flavor}: {blocked:?}"
        );
        // The lost-wakeup detector names the waiters whose condition already holds: with
        // everybody waiting, either the buffer has an item (consumers wait in vain) or room
        // (producers do). Nobody is named whose condition is false.
        let left = int(&t, "left");
        assert!(!t.lost_wakeups.is_empty(), "{flavor}");
        for l in &t.lost_wakeups {
            let who = t.unit_name(l.unit);
            let side_ready = if who.starts_with('c') {
                left > 0
            } else {
                left < 1
            };
            assert!(side_ready, "{flavor}: {who} {l:?} with {left} left");
            assert!(blocked.iter().any(|e| e.unit == l.unit), "{flavor}: {who}");
        }
        let (label, failing) = interleave_sim::explore::default_label(&t);
        assert!(failing && label.contains("lost wakeup"), "{label}");

        let good = with(CROWDED, &[("flavor", flavor)]);
        for s in 0..60 {
            let t = run(&good, s);
            assert_eq!(t.outcome, Outcome::Completed, "{flavor} seed {s}");
            assert!(t.lost_wakeups.is_empty(), "{flavor} seed {s}");
            assert_eq!(int(&t, "consumed"), 20, "{flavor} seed {s}");
            assert_eq!(int(&t, "stuck"), 0, "{flavor} seed {s}");
        }
    }
}

#[test]
fn notify_one_wakes_the_oldest_waiter_each_time() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(
            &[
                ("flavor", flavor),
                ("variant", "fifo"),
                ("consumers", "4"),
                ("produce_ms", "2000"),
                ("wake", "notify"),
            ],
            3,
        );
        assert_eq!(t.outcome, Outcome::Completed, "{flavor}");
        assert_eq!(
            t.result["wake_order"],
            Value::from(vec![0, 1, 2, 3]),
            "{flavor}"
        );
        let cond = t.objects.iter().find(|o| o.name == "cond").unwrap().id;
        let wakes: Vec<(String, u64)> = t
            .events_of(EventKind::Wake)
            .filter(|e| e.obj == Some(cond))
            .map(|e| (t.unit_name(e.unit), e.time))
            .collect();
        assert_eq!(wakes.len(), 4, "{flavor}");
        for (k, (name, at)) in wakes.iter().enumerate() {
            assert_eq!(name, &format!("c{k}"), "{flavor}");
            let due = ms(2000) * (k as u64 + 1);
            assert!((due..due + ms(20)).contains(at), "{flavor}: c{k} at {at}");
        }
    }
}
