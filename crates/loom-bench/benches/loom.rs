//! Our explorer vs loom on the same two programs, in one run: executions explored, the median
//! wall time (loom 3 runs, our DPOR 5, the plain search 1) and the set of final counter
//! values (which must be equal).
//!
//!   cargo bench -p interleave-loom-bench

use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use interleave_loom_bench::explore_counter;
use interleave_sim::explore::Strategy;

/// Runs our explorer may take per search (the plain search stops there).
const BUDGET: u64 = 2_000_000;
/// Timed repeats per explorer; the table shows the median wall time.
const LOOM_REPEATS: usize = 3;
const OUR_REPEATS: usize = 5;

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

static RUNS: AtomicUsize = AtomicUsize::new(0);
static VALUES: StdMutex<BTreeSet<usize>> = StdMutex::new(BTreeSet::new());

/// The same program under loom: `threads` threads, `n` increments each, a separate load and
/// store (or under a mutex).
fn loom_counter(threads: usize, n: usize, locked: bool) -> (Vec<usize>, usize, f64) {
    RUNS.store(0, Ordering::SeqCst);
    VALUES.lock().map(|mut v| v.clear()).ok();
    let start = Instant::now();
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(move || {
        use loom::sync::atomic::AtomicUsize as LAtomic;
        use loom::sync::{Arc, Mutex};
        RUNS.fetch_add(1, Ordering::Relaxed);
        if locked {
            // A counter inside a mutex: read and write under the guard.
            let counter = Arc::new(Mutex::new(0usize));
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let c = counter.clone();
                    loom::thread::spawn(move || {
                        for _ in 0..n {
                            if let Ok(mut g) = c.lock() {
                                let v = *g;
                                *g = v + 1;
                            }
                        }
                    })
                })
                .collect();
            for h in hs {
                let _ = h.join();
            }
            let v = counter.lock().map(|g| *g).unwrap_or(0);
            if let Ok(mut vals) = VALUES.lock() {
                vals.insert(v);
            }
        } else {
            // A separate load and store on an atomic: the read-modify-write race.
            let counter = Arc::new(LAtomic::new(0));
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let c = counter.clone();
                    loom::thread::spawn(move || {
                        for _ in 0..n {
                            let v = c.load(Ordering::SeqCst);
                            c.store(v + 1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for h in hs {
                let _ = h.join();
            }
            if let Ok(mut vals) = VALUES.lock() {
                vals.insert(counter.load(Ordering::SeqCst));
            }
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let values = VALUES
        .lock()
        .map(|v| v.iter().copied().collect())
        .unwrap_or_default();
    (values, RUNS.load(Ordering::SeqCst), secs)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("loom: bench");
        return;
    }
    println!(
        "{:<32} {:<14} {:>10} {:>9} {:>9}  final values",
        "program", "explorer", "executions", "seconds", "complete"
    );
    for (name, threads, n, locked) in [
        ("mutex counter, 3 threads × 2", 3, 2, true),
        ("unprotected RMW, 2 threads × 3", 2, 3, false),
    ] {
        let mut loom_times = Vec::new();
        let mut loom_result = None;
        for _ in 0..LOOM_REPEATS {
            let (theirs, loom_runs, loom_s) = loom_counter(threads, n, locked);
            loom_times.push(loom_s);
            loom_result = Some((theirs, loom_runs));
        }
        let Some((theirs, loom_runs)) = loom_result else {
            return;
        };
        let loom_s = median(&mut loom_times);
        println!(
            "{name:<32} {:<14} {loom_runs:>10} {loom_s:>9.3} {:>9}  {theirs:?}",
            "loom", "yes"
        );
        for (label, strategy, repeats) in [
            ("ours, DPOR", Strategy::Dpor, OUR_REPEATS),
            ("ours, no POR", Strategy::Dfs, 1),
        ] {
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..repeats {
                let t = Instant::now();
                let r = explore_counter(threads, n, locked, strategy, BUDGET);
                times.push(t.elapsed().as_secs_f64());
                last = Some(r);
            }
            let s = median(&mut times);
            match last {
                None => {}
                Some(Err(e)) => println!("{:<32} {label:<14} error: {e}", ""),
                Some(Ok((ours, report))) => {
                    let same = ours.iter().map(|&v| v as usize).collect::<Vec<_>>() == theirs;
                    println!(
                        "{:<32} {label:<14} {:>10} {s:>9.3} {:>9}  {ours:?}{}   (loom's time / ours: {:.2}×)",
                        "",
                        report.runs,
                        if report.exhausted { "yes" } else { "budget" },
                        if same { "" } else { "  ≠ loom" },
                        loom_s / s.max(1e-9)
                    );
                }
            }
        }
    }
}
