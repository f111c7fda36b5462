//! Lessons of `semaphore`: at most k holders at once (read from the trace's acquire and release
//! events), BoundedSemaphore over-release is a ValueError, Semaphore(0) is a signal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_scenarios::find;
use interleave_sim::{EventKind, Outcome, Trace, Value, ms};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("semaphore", set, seed)
}

/// The most holders of the semaphore at any moment, replaying its acquire and release events.
fn max_holders(t: &Trace) -> i64 {
    let sem = t.objects.iter().find(|o| o.name == "sem").unwrap().id;
    let (mut now, mut most) = (0i64, 0i64);
    for e in t.events.iter().filter(|e| e.obj == Some(sem)) {
        match e.kind {
            EventKind::Acquire => now += 1,
            EventKind::Release => now -= 1,
            _ => {}
        }
        most = most.max(now);
    }
    most
}

#[test]
fn at_most_k_workers_hold_the_semaphore_at_once() {
    for flavor in ["thread", "process", "asyncio"] {
        for (workers, permits) in [("5", "3"), ("8", "2"), ("4", "1"), ("3", "3")] {
            for random_hold in ["false", "true"] {
                for seed in 0..4 {
                    let t = run(
                        &[
                            ("flavor", flavor),
                            ("workers", workers),
                            ("permits", permits),
                            ("hold_ms", "100"),
                            ("random_hold", random_hold),
                        ],
                        seed,
                    );
                    let what = format!("{flavor} {workers}/{permits} {random_hold} seed {seed}");
                    assert_eq!(t.outcome, Outcome::Completed, "{what}");
                    let k: i64 = permits.parse().unwrap();
                    assert_eq!(max_holders(&t), k, "{what}");
                    assert_eq!(int(&t, "max_inside"), k, "{what}");
                    assert_eq!(int(&t, "final_value"), k, "{what}");
                }
            }
        }
    }
}

#[test]
fn waiting_workers_enter_only_when_a_permit_is_released() {
    // 5 workers, 3 permits, 500 ms each: two rounds, the second starting at 500 ms.
    let t = run(&[], 1);
    let sem = t.objects.iter().find(|o| o.name == "sem").unwrap().id;
    let times: Vec<u64> = t
        .events_of(EventKind::Acquire)
        .filter(|e| e.obj == Some(sem))
        .map(|e| e.time)
        .collect();
    assert_eq!(times.len(), 5);
    assert!(times[..3].iter().all(|&x| x < ms(1)), "{times:?}");
    assert!(
        times[3..].iter().all(|&x| (ms(500)..ms(502)).contains(&x)),
        "{times:?}"
    );
}

#[test]
fn a_bounded_semaphore_refuses_an_extra_release_and_a_plain_one_grows() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(
            &[
                ("flavor", flavor),
                ("bounded", "true"),
                ("extra_releases", "2"),
                ("hold_ms", "10"),
            ],
            1,
        );
        assert_eq!(
            t.result["release_error"],
            Value::from("ValueError"),
            "{flavor}"
        );
        assert_eq!(int(&t, "final_value"), 3, "{flavor}");
        let t = run(
            &[
                ("flavor", flavor),
                ("extra_releases", "2"),
                ("hold_ms", "10"),
            ],
            1,
        );
        assert_eq!(t.result["release_error"], Value::from(""), "{flavor}");
        assert_eq!(int(&t, "final_value"), 5, "{flavor}: value above the start");
    }
}

#[test]
fn semaphore_zero_signals_each_item_from_producer_to_consumer() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(
            &[("flavor", flavor), ("mode", "signal"), ("rounds", "4")],
            2,
        );
        assert_eq!(t.outcome, Outcome::Completed, "{flavor}");
        assert_eq!(int(&t, "rounds"), 4, "{flavor}");
        assert_eq!(t.result["matched"], Value::Bool(true), "{flavor}");
        // Each consumer's acquire happens only after that round's producer released.
        let sem = t.objects.iter().find(|o| o.name == "sem").unwrap().id;
        let marks: Vec<EventKind> = t
            .events
            .iter()
            .filter(|e| e.obj == Some(sem))
            .map(|e| e.kind)
            .filter(|k| matches!(k, EventKind::Acquire | EventKind::Release))
            .collect();
        assert_eq!(marks.len(), 8, "{flavor}");
        for pair in marks.chunks(2) {
            assert_eq!(pair, [EventKind::Release, EventKind::Acquire], "{flavor}");
        }
        let last = t
            .output
            .iter()
            .rfind(|(_, _, l)| !l.starts_with("RESULT "))
            .unwrap();
        assert_eq!(last.2, "program terminated");
        assert!(last.0 >= ms(2000), "4 rounds of 500 ms");
    }
}

#[test]
fn blocking_the_event_loop_lets_only_one_task_in_at_a_time() {
    let t = run(&[("flavor", "asyncio"), ("blocking_hold", "true")], 1);
    assert_eq!(int(&t, "max_inside"), 1);
    assert_eq!(max_holders(&t), 1);
    assert!(
        t.metrics.makespan >= ms(2500),
        "5 × 500 ms one after another"
    );
    let t = run(&[("flavor", "asyncio")], 1);
    assert_eq!(int(&t, "max_inside"), 3);
}

#[test]
fn more_permits_than_workers_let_everyone_in_and_bounded_zero_is_refused() {
    let t = run(&[("workers", "2"), ("permits", "5")], 1);
    assert_eq!(int(&t, "max_inside"), 2);
    assert_eq!(int(&t, "expected_max"), 2);
    let s = find("semaphore").unwrap();
    let e = s
        .validate(&[
            ("mode".into(), "signal".into()),
            ("bounded".into(), "true".into()),
        ])
        .unwrap_err();
    assert_eq!(e.param, "bounded");
}
