//! The native drivers: every runner gives the same answers; GIL threads never compute at the
//! same time; spans share one clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use interleave_sim::{State, Value};
use interleave_workloads::native::{Factorize, Primes, Runner, run, serve_worker};
use interleave_workloads::primes::{Kernel, is_prime_miller_rabin};

fn inputs() -> Vec<u64> {
    vec![
        2,
        97,
        1_000_003,
        999_999_000_001,
        1_000_036_000_099,
        4_294_967_291 * 3,
        1_000_000_007,
    ]
}

#[test]
fn every_runner_agrees() {
    let work = Primes {
        kernel: Kernel::Faithful,
        piece: 10_000,
    };
    let expected: Vec<Value> = inputs()
        .iter()
        .map(|&n| Value::Bool(is_prime_miller_rabin(n)))
        .collect();
    for runner in [
        Runner::Sequential,
        Runner::Threads,
        Runner::GilThreads {
            switch: Duration::from_millis(1),
        },
    ] {
        let r = run(&work, &inputs(), runner, 2, None).unwrap();
        assert_eq!(r.results, expected, "{runner:?}");
        assert!(
            r.spans
                .iter()
                .all(|s| s.end > s.start && s.end <= r.wall + 1_000_000),
            "{runner:?}"
        );
        let t = r.to_trace();
        assert_eq!(t.result["answers"], Value::List(expected.clone()));
        assert_eq!(t.units.len(), r.workers + 1);
    }
}

#[test]
fn gil_threads_never_compute_at_once() {
    let work = Primes {
        kernel: Kernel::Faithful,
        piece: 2_000,
    };
    let big = [
        999_999_000_001,
        1_000_036_000_099,
        1_000_000_000_039,
        999_999_999_989,
    ];
    // The GIL must change hands many times, so the run must last many switch intervals (1 ms):
    // repeat the inputs until it does. An optimised build checks them in a few milliseconds.
    let mut r = None;
    for reps in [1, 4, 16, 64] {
        let inputs: Vec<u64> = big.iter().copied().cycle().take(big.len() * reps).collect();
        let run = run(
            &work,
            &inputs,
            Runner::GilThreads {
                switch: Duration::from_millis(1),
            },
            2,
            None,
        )
        .unwrap();
        // Mutual exclusion holds on every run, long or short.
        let running: Vec<_> = run
            .spans
            .iter()
            .filter(|s| s.state == State::Running)
            .collect();
        for a in &running {
            for b in &running {
                if a.worker != b.worker {
                    assert!(a.end <= b.start || b.end <= a.start, "overlap {a:?} {b:?}");
                }
            }
        }
        let long_enough = run.wall >= 20_000_000;
        r = Some(run);
        if long_enough {
            break;
        }
    }
    let r = r.unwrap();
    assert!(
        r.gil_switches > 2,
        "the GIL changed hands: {}",
        r.gil_switches
    );
    assert!(
        r.spans
            .iter()
            .any(|s| s.state == State::WaitingGil && s.end - s.start > 100_000)
    );
}

#[test]
fn factorize_in_pieces_is_the_loop() {
    let work = Factorize {
        fast: false,
        piece: 1_000,
    };
    let r = run(&work, &[36, 97, 1_214_759], Runner::Threads, 3, None).unwrap();
    assert_eq!(
        r.results[0],
        Value::from(vec![1, 2, 3, 4, 6, 9, 12, 18, 36])
    );
    assert_eq!(r.results[1], Value::from(vec![1, 97]));
    assert_eq!(
        r.results[2],
        Value::from(vec![
            1, 7, 13, 49, 91, 637, 1907, 13349, 24791, 93443, 173537, 1214759
        ])
    );
}

#[test]
fn the_worker_protocol_answers_jobs_and_stops_on_the_pill() {
    let work = Primes {
        kernel: Kernel::Fast,
        piece: 0,
    };
    let input = "job 0 97\njob 1 91\nstop\njob 2 5\n";
    let mut out = Vec::new();
    serve_worker(&work, input.as_bytes(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("done 0 ") && lines[0].ends_with(" true"));
    assert!(lines[1].starts_with("done 1 ") && lines[1].ends_with(" false"));
    assert!(serve_worker(&work, "jobs x\n".as_bytes(), &mut Vec::new()).is_err());
}

#[test]
fn processes_need_a_way_to_start() {
    let work = Primes {
        kernel: Kernel::Fast,
        piece: 0,
    };
    assert!(run(&work, &[5], Runner::Processes, 2, None).is_err());
}

#[test]
fn life_bands_match_one_thread() {
    use interleave_workloads::life::{BitGrid, ByteGrid};
    use interleave_workloads::native::life_run;
    let g = BitGrid::from_bytes(&ByteGrid::random(97, 300, 30, 5).unwrap());
    let (one, _) = life_run(&g, 5, 1);
    let (three, run) = life_run(&g, 5, 3);
    assert_eq!(one, three);
    assert_eq!(
        run.spans.len(),
        15,
        "three bands for each of five generations"
    );
    let mut expect = g.clone();
    for _ in 0..5 {
        expect = expect.step();
    }
    assert_eq!(one, expect);
}

#[test]
fn relaxed_load_store_loses_updates_and_atomics_do_not() {
    use interleave_workloads::native::{CounterMode, counter_run};
    assert_eq!(counter_run(CounterMode::FetchAdd, 2, 200_000), 400_000);
    assert_eq!(counter_run(CounterMode::Mutex, 2, 100_000), 200_000);
    // Two cores racing on a load-then-store lose some of 2 × 2 000 000 updates; allow many
    // attempts since a thread can run alone while the test harness keeps the other core busy
    // (an optimised attempt takes a few milliseconds; the first one usually loses updates).
    let lost = (0..50).any(|_| counter_run(CounterMode::LoadStore, 2, 2_000_000) < 4_000_000);
    assert!(lost);
}
