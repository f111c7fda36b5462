//! Lessons of lock-race, rlock, blocking-io, asyncio and life, asserted on the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_scenarios::RunOptions;
use interleave_sim::{Outcome, SchedulerKind, Trace, Value};

fn run(id: &str, set: &[(&str, &str)], opts: RunOptions) -> Trace {
    run_with(id, set, opts)
}

fn seed(n: u64) -> RunOptions {
    seed_opts(n)
}

#[test]
fn lock_race_loses_updates_without_the_lock_and_never_with_it() {
    for flavor in ["thread", "process", "asyncio"] {
        let t = run("lock-race", &[("flavor", flavor)], seed(1));
        assert!(
            int(&t, "counter") < int(&t, "expected"),
            "{flavor}: {:?}",
            t.result
        );
        for s in 0..20 {
            let t = run(
                "lock-race",
                &[("flavor", flavor), ("use_lock", "true")],
                seed(s),
            );
            assert_eq!(int(&t, "counter"), int(&t, "expected"), "{flavor} seed {s}");
        }
    }
}

#[test]
fn lock_race_inplace_rarely_loses_under_the_gil_and_never_in_asyncio() {
    let t = run(
        "lock-race",
        &[("variant", "inplace"), ("increments", "200")],
        seed(3),
    );
    assert_eq!(
        int(&t, "lost"),
        0,
        "a 50 ns window under a 5 ms switch interval"
    );
    let t = run(
        "lock-race",
        &[("variant", "inplace"), ("flavor", "asyncio")],
        seed(3),
    );
    assert_eq!(int(&t, "lost"), 0);
    // Without the GIL the same window is hit.
    let lost: i64 = (0..10)
        .map(|s| {
            let opts = RunOptions {
                seed: s,
                gil: Some(false),
                ..RunOptions::default()
            };
            int(
                &run(
                    "lock-race",
                    &[("variant", "inplace"), ("increments", "1000")],
                    opts,
                ),
                "lost",
            )
        })
        .sum();
    assert!(lost > 0, "free-threaded increments interleave");
}

#[test]
fn rlock_reenters_and_a_plain_lock_deadlocks_on_itself() {
    let t = run("rlock", &[], seed(1));
    assert_eq!(t.outcome, Outcome::Completed);
    assert_eq!(int(&t, "total_items"), 0);
    assert!(
        t.events_with_details()
            .any(|(_, d)| d == Some("re-entered, depth 2"))
    );
    let t = run("rlock", &[("lock", "lock")], seed(1));
    let Outcome::Deadlock { cycle, .. } = &t.outcome else {
        panic!("{:?}", t.outcome)
    };
    assert_eq!(cycle.len(), 1, "a self-cycle: {cycle:?}");
    assert_eq!(cycle[0].holder, Some(cycle[0].unit));
}

#[test]
fn rlock_release_by_a_non_owner_is_a_runtime_error() {
    let t = run("rlock", &[("misuse", "true")], seed(1));
    assert_eq!(t.result["misuse_error"], Value::from("RuntimeError"));
    let intruder = t.units.iter().find(|u| u.name == "intruder").unwrap().id;
    assert_eq!(
        t.error_of(intruder).unwrap().message,
        "cannot release un-acquired lock"
    );
}

#[test]
fn blocking_io_takes_five_latencies_serially_and_one_in_threads() {
    let serial = run("blocking-io", &[("mode", "serial")], seed(1));
    let threads = run("blocking-io", &[("mode", "threads")], seed(1));
    let asyncio = run("blocking-io", &[("mode", "asyncio")], seed(1));
    assert_eq!(int(&serial, "latency_multiple"), 5);
    assert_eq!(int(&threads, "latency_multiple"), 1);
    assert_eq!(int(&asyncio, "latency_multiple"), 1);
    // The threads' I/O spans overlap in time.
    let io: Vec<_> = threads
        .spans
        .iter()
        .filter(|s| s.state == interleave_sim::State::Io)
        .collect();
    assert_eq!(io.len(), 5);
    assert!(io.iter().all(|s| s.start < io[0].end), "{io:?}");
}

#[test]
fn asyncio_sequential_awaits_take_the_sum_and_tasks_the_maximum() {
    let seq = run("asyncio", &[("demo", "sequential")], seed(1));
    let tasks = run("asyncio", &[("demo", "tasks")], seed(1));
    assert_eq!(int(&seq, "elapsed_units"), 3);
    assert_eq!(int(&tasks, "elapsed_units"), 2);
}

#[test]
fn asyncio_gather_keeps_input_order_and_as_completed_finishing_order() {
    let g = run("asyncio", &[("demo", "gather")], seed(1));
    assert_eq!(g.result["results"], Value::from(vec![0, 10, 20, 30, 40]));
    let a = run("asyncio", &[("demo", "as_completed")], seed(1));
    assert_eq!(a.result["order"], Value::from(vec![40, 30, 20, 10, 0]));
    let f = run("asyncio", &[("demo", "gather"), ("fail", "true")], seed(1));
    assert_eq!(f.result["error"], Value::from("ValueError"));
    assert_eq!(
        int(&f, "elapsed_units"),
        4,
        "the failure propagates when task 1 fails"
    );
    let r = run(
        "asyncio",
        &[
            ("demo", "gather"),
            ("fail", "true"),
            ("return_exceptions", "true"),
        ],
        seed(1),
    );
    assert_eq!(
        r.result["results"],
        Value::List(vec![
            0.into(),
            "ValueError".into(),
            20.into(),
            30.into(),
            40.into()
        ])
    );
}

#[test]
fn asyncio_wait_for_times_out_and_cancels() {
    let t = run("asyncio", &[("demo", "wait_for")], seed(1));
    assert_eq!(t.result["error"], Value::from("TimeoutError"));
    assert_eq!(
        t.result["results"],
        Value::List(vec!["TimeoutError".into(), true.into()])
    );
    let ok = run(
        "asyncio",
        &[("demo", "wait_for"), ("timeout_units", "3")],
        seed(1),
    );
    assert_eq!(
        ok.result["results"],
        Value::List(vec![0.into(), true.into()])
    );
}

#[test]
fn asyncio_blocking_call_stalls_the_ticker() {
    // 5 units in all: the ticker should tick 4 times but ticks only twice (0.5 + 3 blocked + 1.5).
    let t = run("asyncio", &[("demo", "blocking")], seed(1));
    assert_eq!(t.result["order"], Value::from(vec![2]));
    assert_eq!(int(&t, "elapsed_units"), 5);
}

#[test]
fn asyncio_queue_workers_share_the_jobs() {
    let t = run("asyncio", &[("demo", "queue_workers")], seed(1));
    let Value::List(total) = &t.result["order"] else {
        panic!()
    };
    let Value::Float(total) = total[0] else {
        panic!()
    };
    let elapsed = int(&t, "elapsed_units") as f64;
    assert!(
        elapsed < total / 2.0,
        "three workers: {elapsed} units for {total} units of jobs"
    );
    assert_eq!(
        t.result["results"],
        Value::from(vec![3]),
        "all three workers were cancelled"
    );
}

#[test]
fn life_glider_moves_diagonally_in_every_mode() {
    let expected = Value::from(vec![
        "---------",
        "----*----",
        "-----*---",
        "---***---",
        "---------",
    ]);
    for mode in ["serial", "threads", "pool", "asyncio"] {
        let t = run("life", &[("mode", mode)], seed(1));
        assert_eq!(t.result["final_grid"], expected, "{mode}");
    }
}

#[test]
fn life_fan_out_takes_one_latency_per_generation() {
    let ms = |mode: &str| match run("life", &[("mode", mode)], seed(1)).result["ms_per_generation"]
    {
        Value::Float(f) => f,
        ref other => panic!("{other:?}"),
    };
    assert!((ms("serial") - 4500.0).abs() < 1.0, "45 cells × 100 ms");
    assert!(ms("threads") < 110.0);
    assert!(ms("asyncio") < 110.0);
    assert!(
        (ms("pool") - 500.0).abs() < 10.0,
        "45 cells over 10 workers: 5 rounds"
    );
}

#[test]
fn schedulers_all_complete_the_catalogue_defaults() {
    for s in interleave_scenarios::catalogue() {
        for kind in [
            SchedulerKind::Fifo,
            SchedulerKind::Random,
            SchedulerKind::Pct {
                depth: 2,
                expected_steps: 500,
            },
        ] {
            let t = s
                .simulate(
                    &s.defaults(),
                    &RunOptions {
                        scheduler: kind.clone(),
                        ..RunOptions::default()
                    },
                )
                .unwrap();
            // Every default is a lesson that runs to its end: nobody hits a limit and no
            // scheduler fails (a demo may deadlock on purpose, and that is an ending too).
            assert!(
                matches!(t.outcome, Outcome::Completed | Outcome::Deadlock { .. }),
                "{} {kind:?}: {:?}",
                s.id,
                t.outcome
            );
        }
    }
}

fn seconds(t: &Trace) -> f64 {
    match t.result["elapsed_s"] {
        Value::Float(f) => f,
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn primes_threads_gain_nothing_and_processes_use_both_cores() {
    let seq = seconds(&run("primes", &[("mode", "sequential")], seed(1)));
    let threads = seconds(&run("primes", &[("mode", "threads")], seed(1)));
    let procs = seconds(&run("primes", &[("mode", "processes")], seed(1)));
    assert!(
        (seq - 19.9).abs() < 0.5,
        "the fixture takes ≈20 s at 46 ns per division: {seq}"
    );
    assert!(
        (threads / seq - 1.0).abs() < 0.05,
        "threads {threads} vs sequential {seq}"
    );
    assert!(seq / procs > 1.6, "processes {procs} vs sequential {seq}");
    let free = seconds(&run(
        "primes",
        &[("mode", "threads")],
        RunOptions {
            gil: Some(false),
            ..seed(1)
        },
    ));
    assert!(
        seq / free > 1.6,
        "without the GIL threads use both cores: {free}"
    );
    let answers = run("primes", &[("mode", "processes")], seed(1)).result["answers"].clone();
    let Value::List(a) = answers else { panic!() };
    assert_eq!(a.iter().filter(|v| **v == Value::Bool(true)).count(), 9);
}

#[test]
fn factorize_threads_are_no_faster_than_serial() {
    let serial = seconds(&run("factorize", &[("mode", "sequential")], seed(1)));
    let threads = seconds(&run("factorize", &[("mode", "threads")], seed(1)));
    let procs = seconds(&run("factorize", &[("mode", "processes")], seed(1)));
    assert!((serial - 0.56).abs() < 0.02, "{serial}");
    assert!(threads >= serial * 0.95, "{threads} vs {serial}");
    assert!(serial / procs > 1.5, "{procs} vs {serial}");
}

#[test]
fn scheduling_sjn_minimises_average_waiting() {
    let avg = |policy: &str| match run("scheduling", &[("policy", policy)], seed(1)).result["avg_waiting"]
    {
        Value::Float(f) => f,
        ref other => panic!("{other:?}"),
    };
    let sjn = avg("sjn");
    for other in ["fcfs", "rr", "mlq", "mlfq"] {
        assert!(sjn <= avg(other), "sjn {sjn} vs {other} {}", avg(other));
    }
    assert_eq!(avg("fcfs"), 11.4);
    assert_eq!(avg("sjn"), 8.2);
}

#[test]
fn scheduling_textbook_example_through_the_catalogue() {
    let r = run(
        "scheduling",
        &[
            ("jobs", "P1:0:24,P2:0:3,P3:0:3"),
            ("policy", "rr"),
            ("quantum", "4"),
        ],
        seed(1),
    );
    assert_eq!(r.result["waiting"], Value::from(vec![6, 4, 7]));
    let lanes: Vec<&str> = r.units.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(lanes, ["P1", "P2", "P3"]);
    let bad = interleave_scenarios::find("scheduling")
        .unwrap()
        .validate(&[("jobs".into(), "P1:0:0".into())]);
    assert!(bad.unwrap_err().message.contains("burst"));
}
