//! Lessons of philosophers, hello-spinner, context and timer, asserted on the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_scenarios::{RunOptions, find};
use interleave_sim::{Outcome, Trace, Value};

fn run(id: &str, set: &[(&str, &str)], seed: u64) -> Trace {
    let s = find(id).unwrap();
    let overrides: Vec<(String, String)> = set
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = s.validate(&overrides).unwrap();
    s.simulate(
        &params,
        &RunOptions {
            seed,
            ..RunOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn naive_philosophers_deadlock_in_a_cycle_through_everyone() {
    for n in [2, 5, 7] {
        let t = run("philosophers", &[("n", &n.to_string())], 1);
        let Some(Outcome::Deadlock { cycle, .. }) = &t.outcome else {
            panic!("n={n}: {:?}", t.outcome)
        };
        assert_eq!(cycle.len(), n, "every philosopher is in the cycle");
        // Each waits for the fork its right-hand neighbour holds.
        for e in cycle {
            assert!(e.waits_for.contains("fork"), "{e:?}");
        }
    }
}

#[test]
fn ordered_forks_and_the_waiter_never_deadlock() {
    for strategy in ["ordered", "waiter"] {
        for seed in 0..15 {
            let t = run(
                "philosophers",
                &[("strategy", strategy), ("pause_ms", "2")],
                seed,
            );
            assert_eq!(
                t.outcome,
                Some(Outcome::Completed),
                "{strategy} seed {seed}"
            );
            assert_eq!(t.result["meals"], Value::from(vec![3, 3, 3, 3, 3]));
        }
    }
}

#[test]
fn spinner_turns_unless_a_coroutine_hogs_the_cpu() {
    for flavor in ["thread", "process", "coroutine"] {
        let t = run("hello-spinner", &[("flavor", flavor)], 1);
        assert_eq!(t.result["answer"], Value::Int(42));
        let Value::Int(frames) = t.result["frames"] else {
            panic!()
        };
        assert!(
            (29..=31).contains(&frames),
            "{flavor}: {frames} frames in 3 s at 10 fps"
        );
    }
    for flavor in ["thread", "process"] {
        let t = run(
            "hello-spinner",
            &[("flavor", flavor), ("slow_kind", "cpu")],
            1,
        );
        assert_eq!(t.result["spun"], Value::Bool(true), "{flavor}");
    }
    let frozen = run(
        "hello-spinner",
        &[("flavor", "coroutine"), ("slow_kind", "cpu")],
        1,
    );
    assert_eq!(frozen.result["frames"], Value::Int(0));
}

#[test]
fn context_values_never_leak_between_tasks_or_threads() {
    for flavor in ["asyncio", "thread"] {
        let t = run("context", &[("flavor", flavor)], 1);
        assert_eq!(
            t.result["inner_get"],
            Value::from(vec![0, 1, 2, 3, 4]),
            "{flavor}"
        );
        assert_eq!(
            t.result["outer_get"],
            Value::from(vec![0, 1, 4, 9, 16]),
            "{flavor}"
        );
        assert_eq!(t.result["main_after"], Value::Int(42), "{flavor}");
    }
    let t = run("context", &[("inner_as_task", "true")], 1);
    assert_eq!(
        t.result["outer_get"],
        Value::from(vec![0, 1, 2, 3, 4]),
        "a child task sets its own copy"
    );
    // Tasks run concurrently: the whole thing takes about one sleep.
    assert!(t.metrics.makespan < 1_100_000_000, "{}", t.metrics.makespan);
}

#[test]
fn timer_fires_once_and_cannot_be_restarted() {
    let t = run("timer", &[("demo", "timer")], 1);
    assert_eq!(t.result["fired"], Value::Bool(true));
    assert_eq!(t.result["restart_error"], Value::from("RuntimeError"));
    let ring = t
        .events
        .iter()
        .find(|e| e.detail.as_deref() == Some("Time's up"))
        .unwrap();
    assert_eq!(
        ring.time / 1_000_000,
        5_000,
        "fires after its 5 s interval (±1 ms)"
    );
    let c = run("timer", &[("demo", "timer"), ("cancel", "true")], 1);
    assert_eq!(c.result["fired"], Value::Bool(false));
}

#[test]
fn callback_chain_makes_nine_calls_one_step_apart() {
    for how in ["call_later", "call_at"] {
        let t = run("timer", &[("scheduling", how)], 1);
        let Value::List(calls) = &t.result["calls"] else {
            panic!()
        };
        assert_eq!(calls.len(), 9, "{how}");
        let times: Vec<u64> = t
            .output
            .iter()
            .filter(|(_, _, l)| l.starts_with("function_"))
            .map(|(t, _, _)| *t)
            .collect();
        for w in times.windows(2) {
            assert_eq!(w[1] - w[0], 1_000_000_000, "{how}: {times:?}");
        }
    }
}
