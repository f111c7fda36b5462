//! Lessons of `queue`: FIFO/LIFO/priority order, poison pills and sentinels end the consumers,
//! a missing `task_done()` makes `join()` block for ever (a deadlock), backpressure from
//! `maxsize`, the `*_nowait` errors and the `empty()`-then-`get()` race.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_scenarios::find;
use interleave_sim::{Outcome, State, Trace, Value};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("queue", set, seed)
}

/// One consumer that starts after the producer has filled the queue.
const ONE_LATE_CONSUMER: &[(&str, &str)] = &[
    ("consumers", "1"),
    ("put_ms", "0"),
    ("consumer_delay_ms", "100"),
];

#[test]
fn a_priority_queue_hands_out_the_smallest_priority_first() {
    for flavor in ["thread", "asyncio"] {
        for seed in 0..6 {
            let t = run(
                &with(
                    ONE_LATE_CONSUMER,
                    &[("flavor", flavor), ("kind", "priority")],
                ),
                seed,
            );
            let order = ints(&t, "order");
            assert_eq!(order.len(), 10, "{flavor} seed {seed}");
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(order, sorted, "{flavor} seed {seed}: not ascending");
            // The producer drew them in another order.
            let puts: Vec<&str> = t
                .output
                .iter()
                .filter_map(|(_, _, l)| l.strip_prefix("put ("))
                .collect();
            assert_eq!(puts.len(), 10);
        }
    }
}

#[test]
fn fifo_keeps_the_order_and_lifo_reverses_it() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(&with(ONE_LATE_CONSUMER, &[("flavor", flavor)]), 1);
        assert_eq!(ints(&t, "order"), (0..10).collect::<Vec<_>>(), "{flavor}");
    }
    for flavor in ["thread", "asyncio"] {
        let t = run(
            &with(ONE_LATE_CONSUMER, &[("flavor", flavor), ("kind", "lifo")]),
            1,
        );
        assert_eq!(
            ints(&t, "order"),
            (0..10).rev().collect::<Vec<_>>(),
            "{flavor}"
        );
    }
}

#[test]
fn one_poison_pill_or_sentinel_per_consumer_ends_them_all() {
    for flavor in ["thread", "process", "asyncio"] {
        for stop in ["poison_pill", "sentinel"] {
            for seed in 0..3 {
                let t = run(&[("flavor", flavor), ("stop", stop)], seed);
                let what = format!("{flavor} {stop} seed {seed}");
                assert_eq!(t.outcome, Outcome::Completed, "{what}");
                assert_eq!(int(&t, "consumed"), 10, "{what}");
                assert_eq!(int(&t, "stopped"), 3, "{what}");
                assert_eq!(int(&t, "stuck"), 0, "{what}");
                assert_eq!(t.result["join_returned"], Value::Bool(true), "{what}");
                let stops = t
                    .output
                    .iter()
                    .filter(|(_, _, l)| l.ends_with(" stops"))
                    .count();
                assert_eq!(stops, 3, "{what}");
            }
        }
    }
}

#[test]
fn without_a_stop_signal_the_consumers_wait_for_ever() {
    for flavor in ["thread", "process"] {
        let t = run(&[("flavor", flavor), ("stop", "none")], 1);
        assert_eq!(int(&t, "consumed"), 10, "{flavor}");
        assert_eq!(int(&t, "stuck"), 3, "{flavor}");
        // The main program gave up on them: all three still wait in q.get() at the end.
        let blocked = blocked_at_end(&t);
        let waiting = blocked.iter().filter(|(_, on)| on == "q").count();
        assert_eq!(waiting, 3, "{flavor}: {blocked:?}");
    }
    // asyncio.run cancels them when main() returns.
    let t = run(&[("flavor", "asyncio"), ("stop", "none")], 1);
    assert_eq!(int(&t, "stuck"), 3);
    assert_eq!(t.outcome, Outcome::Completed);
}

#[test]
fn join_blocks_for_ever_when_task_done_is_missing() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(&[("flavor", flavor), ("task_done", "false")], 1);
        assert_eq!(t.result["join_returned"], Value::Bool(false), "{flavor}");
        assert_eq!(int(&t, "consumed"), 10, "{flavor}");
        if flavor == "asyncio" {
            continue;
        }
        // The thread in q.join() is still blocked on the queue when the program gives up.
        let blocked = blocked_at_end(&t);
        assert!(
            blocked.iter().any(|(_, on)| on == "q"),
            "{flavor}: {blocked:?}"
        );
    }
    let t = run(&[], 1);
    assert_eq!(t.result["join_returned"], Value::Bool(true));
}

#[test]
fn a_full_queue_blocks_the_producer() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(
            &[
                ("flavor", flavor),
                ("maxsize", "2"),
                ("put_ms", "10"),
                ("work_ms", "300"),
            ],
            1,
        );
        assert_eq!(int(&t, "consumed"), 10, "{flavor}");
        let q = t.objects.iter().find(|o| o.name == "q").unwrap().id;
        let producer = t.units.iter().find(|u| u.name == "producer").unwrap().id;
        let blocked: u64 = t
            .spans
            .iter()
            .filter(|s| s.unit == producer && s.state == State::Blocked && s.obj == Some(q))
            .map(|s| s.end - s.start)
            .sum();
        assert!(blocked > 0, "{flavor}: the producer never waited for space");
        let depth = t.counters.iter().find(|c| c.obj == Some(q)).unwrap();
        assert!(depth.points.iter().all(|&(_, d)| d <= 2), "{flavor}");
        assert!(depth.points.iter().any(|&(_, d)| d == 2), "{flavor}");
    }
}

#[test]
fn nowait_calls_raise_empty_and_full() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(
            &[("flavor", flavor), ("nowait", "true"), ("maxsize", "3")],
            1,
        );
        assert_eq!(
            t.result["nowait_errors"],
            Value::from(vec!["Empty", "Full"]),
            "{flavor}"
        );
        let t = run(&[("flavor", flavor), ("nowait", "true")], 1);
        assert_eq!(t.result["nowait_errors"], Value::from(vec!["Empty"]));
    }
}

#[test]
fn checking_empty_then_getting_races_between_processes() {
    let racy = [
        ("stop", "empty_check"),
        ("consumers", "4"),
        ("put_ms", "0"),
        ("work_ms", "0"),
        ("consumer_delay_ms", "50"),
    ];
    // A process saw an item that another took first, and now blocks in get() for ever.
    let s = (0..100)
        .find(|&s| int(&run(&with(&racy, &[("flavor", "process")]), s), "stuck") > 0)
        .expect("the race never happened");
    let t = run(&with(&racy, &[("flavor", "process")]), s);
    assert_eq!(int(&t, "consumed"), 10);
    assert!(!blocked_at_end(&t).is_empty());
    // Under the GIL nothing runs between empty() and get() in the same thread.
    for s in 0..100 {
        assert_eq!(
            int(&run(&with(&racy, &[("flavor", "thread")]), s), "stuck"),
            0
        );
    }
}

#[test]
fn processes_have_only_a_fifo_queue() {
    let s = find("queue").unwrap();
    let e = s
        .validate(&[
            ("flavor".into(), "process".into()),
            ("kind".into(), "lifo".into()),
        ])
        .unwrap_err();
    assert_eq!(e.param, "kind");
}
