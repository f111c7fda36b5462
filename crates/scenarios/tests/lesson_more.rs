//! Lessons of philosophers, hello-spinner, context and timer, asserted on the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_sim::{Outcome, Trace, Value};

fn run(id: &str, set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed(id, set, seed)
}

#[test]
fn naive_philosophers_deadlock_in_a_cycle_through_everyone() {
    for n in [2, 5, 7] {
        let t = run("philosophers", &[("n", &n.to_string())], 1);
        let Outcome::Deadlock { cycle, .. } = &t.outcome else {
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
            assert_eq!(t.outcome, Outcome::Completed, "{strategy} seed {seed}");
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
    let (ring, _) = t
        .events_with_details()
        .find(|(_, d)| *d == Some("Time's up"))
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
        // One step apart, plus the few microseconds each callback runs before it schedules
        // (or prints after scheduling) the next.
        for w in times.windows(2) {
            let gap = w[1] - w[0];
            assert!(
                (1_000_000_000..1_000_010_000).contains(&gap),
                "{how}: {times:?}"
            );
        }
    }
}

#[test]
fn daemons_are_cut_off_and_non_daemons_waited_for() {
    for kind in ["thread", "process"] {
        let t = run("daemon", &[("kind", kind)], 1);
        assert_eq!(t.outcome, Outcome::Completed);
        assert_eq!(
            t.result["exited"],
            Value::from(vec!["non-daemon"]),
            "{kind}"
        );
        let daemon = t.units.iter().find(|u| u.name == "daemon").unwrap().id;
        let killed = t
            .events
            .iter()
            .any(|e| e.unit == daemon && e.kind == interleave_sim::EventKind::Killed);
        assert!(killed, "{kind}: the daemon is stopped where it stands");
    }
}

#[test]
fn terminate_gives_exit_code_minus_15() {
    let t = run("daemon", &[("demo", "terminate")], 1);
    assert_eq!(t.result["alive"], Value::from(vec![false, true, false]));
    assert_eq!(t.result["exitcodes"], Value::from(vec![-15]));
}

#[test]
fn joining_in_the_start_loop_serialises_everything() {
    for kind in ["thread", "process"] {
        let apart = run("daemon", &[("demo", "join_loop"), ("kind", kind)], 1);
        let inside = run(
            "daemon",
            &[
                ("demo", "join_loop"),
                ("kind", kind),
                ("join_in_start_loop", "true"),
            ],
            1,
        );
        assert_eq!(int(&apart, "elapsed_units"), 1, "{kind}");
        assert_eq!(int(&inside, "elapsed_units"), 5, "{kind}");
    }
}

#[test]
fn generator_hands_control_back_and_forth() {
    let t = run("generator-coroutine", &[], 1);
    assert_eq!(t.result["sent"], Value::from(vec![0, 1, 2, 3, 4]));
    assert_eq!(t.result["received"], Value::from(vec![1, 2, 3, 4, 5]));
    // Strict alternation: producer and consumer never run at the same time.
    let running = |name: &str| -> Vec<(u64, u64)> {
        let id = t.units.iter().find(|u| u.name == name).unwrap().id;
        t.spans
            .iter()
            .filter(|s| s.unit == id && s.state == interleave_sim::State::Running)
            .map(|s| (s.start, s.end))
            .collect()
    };
    for (a0, a1) in running("MainProcess") {
        for (b0, b1) in running("consumer()") {
            assert!(a1 <= b0 || b1 <= a0, "overlap");
        }
    }
    let bad = run("generator-coroutine", &[("prime", "false")], 1);
    assert_eq!(bad.result["error"], Value::from("TypeError"));
}

#[test]
fn pools_order_results_by_api() {
    let done = run("pool", &[("tasks", "1,2,3,4,5")], 1);
    assert_eq!(
        done.result["completion_order"],
        Value::from(vec![1, 4, 9, 16, 25])
    );
    assert_eq!(
        int(&done, "elapsed_units"),
        6,
        "the fifth task waits for a free worker"
    );
    let rev = run("pool", &[], 1);
    assert_eq!(
        rev.result["results"],
        Value::from(vec![25, 16, 9, 4, 1]),
        "input order"
    );
    assert_eq!(
        rev.result["completion_order"],
        Value::from(vec![4, 9, 1, 16, 25])
    );
    let apply = run("pool", &[("api", "apply")], 1);
    assert_eq!(int(&apply, "elapsed_units"), 15, "apply blocks: 5+4+3+2+1");
    let chunk = run(
        "pool",
        &[
            ("api", "map"),
            ("executor", "process"),
            ("tasks", "1,1,1"),
            ("chunksize", "3"),
            ("workers", "5"),
        ],
        1,
    );
    assert_eq!(
        int(&chunk, "elapsed_units"),
        3,
        "one chunk of three runs in one process"
    );
    // CPU work of 100 ms units (the program really computes: a second each would be
    // hundreds of millions of interpreted instructions).
    let cpu = [
        ("task_kind", "cpu"),
        ("tasks", "1,1,1,1"),
        ("unit_ms", "100"),
    ];
    let cpu_threads = run("pool", &cpu, 1);
    let cpu_procs = run("pool", &with(&cpu, &[("executor", "process")]), 1);
    assert_eq!(
        int(&cpu_threads, "elapsed_units"),
        4,
        "the GIL runs one task at a time"
    );
    assert_eq!(int(&cpu_procs, "elapsed_units"), 2, "two cores");
}

#[test]
fn children_run_in_parallel_and_timeouts_terminate() {
    let par = run("subprocess", &[], 1);
    assert_eq!(int(&par, "elapsed_units"), 1);
    assert_eq!(par.result["returncodes"], Value::from(vec![0; 10]));
    let seq = run("subprocess", &[("demo", "sequential")], 1);
    assert_eq!(int(&seq, "elapsed_units"), 10);
    let chain = run("subprocess", &[("demo", "chain"), ("children", "3")], 1);
    assert_eq!(chain.result["returncodes"], Value::from(vec![0; 6]));
    assert_eq!(
        chain
            .output
            .iter()
            .filter(|(_, _, l)| l.contains("1 message"))
            .count(),
        3
    );
    let to = run("subprocess", &[("demo", "timeout")], 1);
    assert_eq!(to.result["error"], Value::from("TimeoutExpired"));
    assert_eq!(to.result["returncodes"], Value::from(vec![-15]));
}

#[test]
fn pipelines_poll_wastefully_and_bounded_queues_cap_the_depth() {
    let polling = run("pipeline", &[("queue", "polling")], 1);
    let blocking = run("pipeline", &[("queue", "blocking")], 1);
    let bounded = run("pipeline", &[("queue", "bounded")], 1);
    let closable = run("pipeline", &[("queue", "closable")], 1);
    for t in [&polling, &blocking, &bounded, &closable] {
        assert_eq!(int(t, "processed"), 50);
    }
    assert!(int(&polling, "polls") > 10, "idle workers poll");
    assert_eq!(int(&blocking, "polls"), 0);
    assert!(
        int(&blocking, "max_depth") > 3,
        "a slow stage lets the queue before it grow"
    );
    assert!(int(&bounded, "max_depth") <= 3, "backpressure");
    // The closable pipeline leaves no thread behind: every worker ended on its sentinel.
    assert_eq!(closable.outcome, Outcome::Completed);
    assert!(closable.units.iter().all(|u| !u.daemon));
    assert!(closable.errors.is_empty());
}
