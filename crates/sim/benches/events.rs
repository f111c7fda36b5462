//! Simulator throughput: events per second on a lock-contention program with 100 units and
//! with 10 000 units (the same total work), measured side by side: each round runs every case
//! once, and the figures are medians over the rounds.
//!
//! Run with `cargo bench -p interleave-sim --bench events`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use interleave_sim::*;

/// The allocator the CLI runs with (`crates/cli`), so these figures are the native build's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `units` threads each take a shared lock `iterations` times around 1 µs of work.
fn contention(units: usize, iterations: usize) -> Program {
    Program::new(move |cx: Ctx| async move {
        let lock = cx.lock("lock");
        let mut ts = Vec::with_capacity(units);
        for i in 0..units {
            let body = Program::new(move |cx: Ctx| async move {
                for _ in 0..iterations {
                    lock.acquire(&cx).await?;
                    cx.compute(us(1)).await?;
                    lock.release(&cx).await?;
                }
                Ok(())
            });
            ts.push(cx.spawn_thread(&format!("T{i}"), body).await?);
        }
        for t in ts {
            t.join(&cx).await?;
        }
        Ok(())
    })
}

struct Case {
    label: &'static str,
    units: usize,
    iterations: usize,
    gil: bool,
}

/// One run of a case: (events, steps, seconds).
fn run_once(case: &Case) -> (u64, u64, f64) {
    let mut machine = Machine {
        gil: case.gil,
        ..Machine::default()
    };
    machine.limits.max_units = case.units + 10;
    machine.limits.max_steps = u64::MAX;
    let start = Instant::now();
    let trace = simulate(
        machine,
        1,
        &SchedulerKind::Fifo,
        contention(case.units, case.iterations),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(trace.outcome, Outcome::Completed, "{}", case.label);
    (trace.metrics.events, trace.metrics.steps, secs)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let runs = std::env::args()
        .filter_map(|a| a.strip_prefix("--runs=").map(str::to_string))
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(9)
        .max(1);
    // `--case=N` (1-based) runs only that case, for profiling one program at a time.
    let only: Option<usize> = std::env::args()
        .filter_map(|a| a.strip_prefix("--case=").map(str::to_string))
        .next()
        .and_then(|c| c.parse().ok());
    let cases = [
        Case {
            label: "100 units × 1000 iterations, GIL",
            units: 100,
            iterations: 1000,
            gil: true,
        },
        Case {
            label: "10 000 units × 10 iterations, GIL",
            units: 10_000,
            iterations: 10,
            gil: true,
        },
        Case {
            label: "100 units × 1000 iterations, no GIL",
            units: 100,
            iterations: 1000,
            gil: false,
        },
        Case {
            label: "10 000 units × 10 iterations, no GIL",
            units: 10_000,
            iterations: 10,
            gil: false,
        },
    ];
    // Rounds run every case once, so a machine that speeds up or slows down during the bench
    // moves all cases alike, and the ratios below compare runs made side by side.
    let mut counts = vec![(0, 0); cases.len()];
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); cases.len()];
    for _ in 0..runs {
        for (i, case) in cases.iter().enumerate() {
            if only.is_some_and(|c| c != i + 1) {
                continue;
            }
            let (events, steps, secs) = run_once(case);
            counts[i] = (events, steps);
            times[i].push(secs);
        }
    }
    println!("\nsimulator throughput (lock contention, FIFO scheduler, median of {runs} rounds)\n");
    println!(
        "{:<40} {:>8} {:>8} {:>9} {:>11} {:>11} {:>9}",
        "program", "events", "steps", "median", "events/s", "steps/s", "ns/event"
    );
    // The cases whose median falls short of the throughput target.
    let mut slow: Vec<&str> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if times[i].is_empty() {
            continue;
        }
        let (events, steps) = counts[i];
        let m = median(times[i].clone());
        if (events as f64 / m) < TARGET_EVENTS_PER_SEC {
            slow.push(case.label);
        }
        println!(
            "{:<40} {:>8} {:>8} {:>7.1}ms {:>11.0} {:>11.0} {:>9.1}",
            case.label,
            events,
            steps,
            m * 1e3,
            events as f64 / m,
            steps as f64 / m,
            m * 1e9 / events as f64
        );
    }
    if only.is_some() {
        return;
    }
    // Per-event cost at 10 000 units over that at 100, round by round, then the median.
    let ratio = |big: usize, small: usize| {
        let per_event = |i: usize, r: usize| times[i][r] / counts[i].0 as f64;
        median(
            (0..runs)
                .map(|r| per_event(big, r) / per_event(small, r))
                .collect(),
        )
    };
    let (with_gil, without) = (ratio(1, 0), ratio(3, 2));
    println!(
        "\nper-event cost, 10 000 units vs 100 units (median of per-round ratios): \
         {with_gil:.2}× with the GIL, {without:.2}× without"
    );
    // The targets this benchmark exists for, checked against the medians above.
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "target ≥ {} M events/s in every case: {}{}",
        TARGET_EVENTS_PER_SEC / 1e6,
        verdict(slow.is_empty()),
        if slow.is_empty() {
            String::new()
        } else {
            format!(" (below: {})", slow.join("; "))
        }
    );
    println!(
        "target per-event cost at 10 000 units ≤ {TARGET_RATIO}× that at 100: {}",
        verdict(with_gil <= TARGET_RATIO && without <= TARGET_RATIO)
    );
}

/// The throughput the simulator is built to reach natively, in every case.
const TARGET_EVENTS_PER_SEC: f64 = 10e6;
/// How much dearer an event may be with 10 000 units than with 100.
const TARGET_RATIO: f64 = 2.0;
