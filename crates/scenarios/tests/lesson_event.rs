//! Lessons of `event`: one `set()` wakes every waiting consumer at the same moment; a timed-out
//! `wait()` whose result is ignored is a false alarm.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_sim::{EventKind, LinkKind, Outcome, Trace, Value, ms};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("event", set, seed)
}

#[test]
fn one_set_wakes_every_consumer_at_the_same_moment() {
    for flavor in ["thread", "process", "asyncio"] {
        for consumers in ["1", "4", "16"] {
            for seed in 0..3 {
                let t = run(&[("flavor", flavor), ("consumers", consumers)], seed);
                let what = format!("{flavor} × {consumers} seed {seed}");
                assert_eq!(t.outcome, Outcome::Completed, "{what}");
                let n: i64 = consumers.parse().unwrap();
                assert_eq!(int(&t, "set_seen"), n, "{what}");
                let ev = t.objects.iter().find(|o| o.name == "resource").unwrap().id;
                let sets: Vec<_> = t
                    .events
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.kind == EventKind::Set && e.obj == Some(ev))
                    .collect();
                assert_eq!(sets.len(), 1, "{what}");
                let (set_ix, set) = sets[0];
                // About 2 s after the start (processes start 10 ms late).
                assert!(
                    (ms(2000)..ms(2020)).contains(&set.time),
                    "{what}: {}",
                    set.time
                );
                let wakes: Vec<_> = t
                    .events
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.kind == EventKind::Wake && e.obj == Some(ev))
                    .collect();
                assert_eq!(wakes.len() as i64, n, "{what}");
                for (ix, w) in wakes {
                    assert_eq!(w.time, set.time, "{what}: woken at the set");
                    assert!(
                        t.links.iter().any(|l| l.from as usize == set_ix
                            && l.to as usize == ix
                            && l.kind == LinkKind::Wake),
                        "{what}: wake not linked to the set"
                    );
                }
                let Value::List(woke) = &t.result["wake_ms"] else {
                    panic!()
                };
                let first = woke[0].as_int().unwrap();
                assert!(woke.iter().all(|w| w.as_int().unwrap() == first), "{what}");
            }
        }
    }
}

#[test]
fn ignoring_a_timed_out_wait_is_a_false_alarm() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run(&[("flavor", flavor), ("timeout_s", "1")], 1);
        assert_eq!(int(&t, "set_seen"), 0, "{flavor}");
        assert_eq!(int(&t, "timed_out"), 4, "{flavor}");
        assert_eq!(int(&t, "claimed"), 4, "{flavor}");
        assert_eq!(int(&t, "false_alarms"), 4, "{flavor}");
        // They gave up at the timeout, long before the set.
        let Value::List(woke) = &t.result["wake_ms"] else {
            panic!()
        };
        assert!(
            woke.iter()
                .all(|w| (1000..1020).contains(&w.as_int().unwrap()))
        );

        let t = run(
            &[
                ("flavor", flavor),
                ("timeout_s", "1"),
                ("check_return", "true"),
            ],
            1,
        );
        assert_eq!(int(&t, "claimed"), 0, "{flavor}");
        assert_eq!(int(&t, "false_alarms"), 0, "{flavor}");
        assert!(t.output.iter().any(|(_, _, l)| l == "c0: gave up waiting"));
    }
}

#[test]
fn without_a_timeout_consumers_wait_as_long_as_it_takes() {
    let t = run(&[("use_timeout", "false"), ("set_delay_s", "20")], 1);
    assert_eq!(int(&t, "set_seen"), 4);
    assert!(t.metrics.makespan >= ms(20_000));
}
