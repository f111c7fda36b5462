//! Simulator throughput: events per second on a lock-contention program with 100 units and
//! with 10 000 units (the same total work), measured side by side, medians of several runs.
//!
//! Run with `cargo bench -p interleave-sim --bench events`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use interleave_sim::*;

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

struct Measure {
    label: String,
    events: u64,
    steps: u64,
    median_s: f64,
}

fn measure(label: &str, units: usize, iterations: usize, gil: bool, runs: usize) -> Measure {
    let mut machine = Machine {
        gil,
        ..Machine::default()
    };
    machine.limits.max_units = units + 10;
    machine.limits.max_steps = u64::MAX;
    let mut times = Vec::with_capacity(runs);
    let mut events = 0;
    let mut steps = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let trace = simulate(
            machine.clone(),
            1,
            &SchedulerKind::Fifo,
            contention(units, iterations),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        times.push(start.elapsed().as_secs_f64());
        assert_eq!(trace.outcome, Some(Outcome::Completed), "{label}");
        events = trace.metrics.events;
        steps = trace.metrics.steps;
    }
    times.sort_by(f64::total_cmp);
    Measure {
        label: label.to_string(),
        events,
        steps,
        median_s: times[times.len() / 2],
    }
}

fn main() {
    let runs = std::env::args()
        .filter_map(|a| a.strip_prefix("--runs=").map(str::to_string))
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let cases = [
        measure("100 units × 1000 iterations, GIL", 100, 1000, true, runs),
        measure("10 000 units × 10 iterations, GIL", 10_000, 10, true, runs),
        measure(
            "100 units × 1000 iterations, no GIL",
            100,
            1000,
            false,
            runs,
        ),
        measure(
            "10 000 units × 10 iterations, no GIL",
            10_000,
            10,
            false,
            runs,
        ),
    ];
    println!("\nsimulator throughput (lock contention, FIFO scheduler, median of {runs} runs)\n");
    println!(
        "{:<40} {:>10} {:>10} {:>10} {:>14} {:>12}",
        "program", "events", "steps", "median", "events/s", "ns/event"
    );
    for m in &cases {
        println!(
            "{:<40} {:>10} {:>10} {:>8.1}ms {:>14.0} {:>12.1}",
            m.label,
            m.events,
            m.steps,
            m.median_s * 1e3,
            m.events as f64 / m.median_s,
            m.median_s * 1e9 / m.events as f64
        );
    }
    let per_event = |m: &Measure| m.median_s / m.events as f64;
    println!(
        "\nper-event cost, 10 000 units vs 100 units: {:.2}× with the GIL, {:.2}× without",
        per_event(&cases[1]) / per_event(&cases[0]),
        per_event(&cases[3]) / per_event(&cases[2])
    );
}
