//! The programs of the loom comparison, written against Interleave's simulator. The bench
//! (`cargo bench -p interleave-loom-bench`) runs them under our explorer and the same programs
//! under loom, side by side.

use interleave_sim::explore::{Config, Report, Strategy, explore};
use interleave_sim::{Ctx, Machine, Program, Value};

/// `threads` threads each add 1 to a shared counter `n` times, as a separate read and write,
/// under a mutex when `locked`.
pub fn counter(threads: usize, n: usize, locked: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        let counter = cx.var("counter", 0);
        let lock = cx.lock("mutex");
        let mut ts = Vec::new();
        for i in 0..threads {
            let body = Program::new(move |cx: Ctx| async move {
                for _ in 0..n {
                    if locked {
                        lock.acquire(&cx).await?;
                    }
                    let v = counter.read_int(&cx).await?;
                    counter.write(&cx, v + 1).await?;
                    if locked {
                        lock.release(&cx).await?;
                    }
                }
                Ok(())
            });
            ts.push(cx.spawn_thread(&format!("t{i}"), body).await?);
        }
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read(&cx).await?;
        cx.set_result("counter", v).await
    })
}

/// One core without a GIL: every read and write is a point where another thread may run
/// (loom's model of preemption at every synchronising operation).
pub fn machine() -> Machine {
    let mut m = Machine {
        cores: 1,
        gil: false,
        ..Machine::default()
    };
    // Thread starts cost no virtual time, as in loom.
    m.costs.thread_spawn = 0;
    m
}

/// The final counter values our explorer finds, with the report.
pub fn explore_counter(
    threads: usize,
    n: usize,
    locked: bool,
    strategy: Strategy,
    budget: u64,
) -> Result<(Vec<i64>, Report), String> {
    let build = move || counter(threads, n, locked);
    let label = |t: &interleave_sim::Trace| {
        let v = match t.result.get("counter") {
            Some(Value::Int(v)) => v.to_string(),
            other => format!("{other:?} {:?}", t.outcome),
        };
        (v, false)
    };
    let cfg = Config {
        strategy,
        max_preemptions: None,
        budget,
        seed: 1,
    };
    let report = explore(&machine(), &build, &label, &cfg)?;
    let mut values: Vec<i64> = report
        .outcomes
        .iter()
        .filter_map(|o| o.label.parse().ok())
        .collect();
    values.sort_unstable();
    Ok((values, report))
}
