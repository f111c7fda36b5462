//! Per-operation cost of the simulator on one thread: a query, a lock round trip, a compute
//! quantum. Run with `cargo bench -p interleave-sim --bench ops`.
#![allow(clippy::unwrap_used)]
use interleave_sim::*;
use std::time::Instant;

/// The allocator the CLI runs with (`crates/cli`), so these figures are the native build's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    for (name, prog) in [
        (
            "now x 1M",
            Program::new(|cx: Ctx| async move {
                for _ in 0..1_000_000 {
                    cx.now().await?;
                }
                Ok(())
            }),
        ),
        (
            "lock/unlock x 500k",
            Program::new(|cx: Ctx| async move {
                let l = cx.lock("l");
                for _ in 0..500_000 {
                    l.acquire(&cx).await?;
                    l.release(&cx).await?;
                }
                Ok(())
            }),
        ),
        (
            "compute x 300k",
            Program::new(|cx: Ctx| async move {
                for _ in 0..300_000 {
                    cx.compute(10).await?;
                }
                Ok(())
            }),
        ),
    ] {
        let mut m = Machine::default();
        m.limits.max_steps = u64::MAX;
        let t = Instant::now();
        let tr = simulate(m, 1, &SchedulerKind::Fifo, prog).unwrap();
        let s = t.elapsed().as_secs_f64();
        println!(
            "{name}: {:.1} ns/step, {} steps, {} events, {} spans",
            s * 1e9 / tr.metrics.steps as f64,
            tr.metrics.steps,
            tr.metrics.events,
            tr.spans.len()
        );
    }
}
