//! `interleave bench`: real workloads timed side by side in one run — sequential, threads, GIL
//! threads and processes, the faster kernels, and the project's own Python program under
//! CPython — as medians with speed-ups.

use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use interleave_scenarios::find;
use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::native::{self, Runner};
use interleave_workloads::primes::{FIXTURE, Kernel};

use crate::real::{RealOptions, run_jobs};

/// One line of the table.
struct Row {
    label: String,
    median: f64,
    workers: usize,
    /// Work per second where that is the natural unit (cell updates).
    rate: Option<f64>,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn progress(msg: &str) {
    eprint!("\r\x1b[2Kbench: {msg}");
    let _ = std::io::stderr().flush();
}

fn time_runs(label: &str, runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    // Untimed warm-up for at least a second: page cache, CPU frequency, lazy initialisation.
    progress(&format!("{label} (warm-up)"));
    let warm = Instant::now();
    f()?;
    while warm.elapsed() < Duration::from_secs(1) {
        f()?;
    }
    let mut times = Vec::with_capacity(runs);
    for r in 0..runs {
        progress(&format!("{label} (run {}/{runs})", r + 1));
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok(median(times))
}

/// Runs the scenario's Python program with `overrides` and returns its own `elapsed_s`.
fn python_seconds(python: &str, id: &str, overrides: &[(&str, &str)], key: &str) -> Result<f64> {
    let s = find(id).context("unknown scenario")?;
    let pairs: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = s
        .validate(&pairs)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let mut child = Command::new(python)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {python}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(s.python_program(&params).as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RESULT "))
        .context("no RESULT line")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    v[key]
        .as_f64()
        .with_context(|| format!("RESULT has no number {key}"))
}

pub fn run(id: &str, workers: usize, runs: usize, python: Option<&str>) -> Result<ExitCode> {
    let runs = runs.max(1);
    let python = python.filter(|p| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    });
    let rows = match id {
        "primes" | "factorize" => jobs_bench(id, workers, runs, python)?,
        "life" => life_bench(workers, runs, python)?,
        other => bail!("no benchmark for {other:?}; benchmarks exist for primes, factorize, life"),
    };
    progress("done");
    eprintln!();
    print_table(id, &rows, workers);
    Ok(ExitCode::SUCCESS)
}

fn jobs_bench(id: &str, workers: usize, runs: usize, python: Option<&str>) -> Result<Vec<Row>> {
    let inputs: Vec<u64> = if id == "primes" {
        FIXTURE.to_vec()
    } else {
        interleave_workloads::factorize::FIXTURE.to_vec()
    };
    // For factorize, "faithful" is the 1..n loop and "fast" the square-root walk.
    let (slow, fast) = (Kernel::Faithful, Kernel::Fast);
    let mut rows = Vec::new();
    let job = |runner: Runner, kernel: Kernel, n: usize| {
        let inputs = inputs.clone();
        move || -> Result<()> {
            run_jobs(
                id,
                &inputs,
                runner,
                &RealOptions {
                    workers: n,
                    gil: false,
                    kernel,
                },
            )
            .map_err(anyhow::Error::msg)?;
            Ok(())
        }
    };
    let slow_name = if id == "primes" {
        "faithful kernel"
    } else {
        "1..n loop"
    };
    let cases: Vec<(String, Runner, Kernel, usize)> = vec![
        (
            format!("sequential ({slow_name})"),
            Runner::Sequential,
            slow,
            1,
        ),
        (
            format!("threads ×{workers} ({slow_name})"),
            Runner::Threads,
            slow,
            workers,
        ),
        (
            format!("GIL threads ×{workers} ({slow_name})"),
            Runner::GilThreads {
                switch: Duration::from_millis(5),
            },
            slow,
            workers,
        ),
        (
            format!("processes ×{workers} ({slow_name})"),
            Runner::Processes,
            slow,
            workers,
        ),
        (
            if id == "primes" {
                "sequential (wheel kernel)".to_string()
            } else {
                "sequential (√n walk)".to_string()
            },
            Runner::Sequential,
            fast,
            1,
        ),
    ];
    for (label, runner, kernel, n) in cases {
        let median = time_runs(&label, runs, job(runner, kernel, n))?;
        rows.push(Row {
            label,
            median,
            workers: n,
            rate: None,
        });
    }
    if id == "primes" {
        let median = time_runs(
            "sequential (Miller–Rabin)",
            runs,
            job(Runner::Sequential, Kernel::MillerRabin, 1),
        )?;
        rows.push(Row {
            label: "sequential (Miller–Rabin)".to_string(),
            median,
            workers: 1,
            rate: None,
        });
    }
    if let Some(py) = python {
        let w = workers.to_string();
        for (label, mode, n) in [
            ("CPython sequential", "sequential", 1),
            ("CPython processes", "processes", workers),
        ] {
            let label = if n > 1 {
                format!("{label} ×{workers}")
            } else {
                label.to_string()
            };
            let mut times = Vec::new();
            for r in 0..runs.min(3) {
                progress(&format!("{label} (run {}/{})", r + 1, runs.min(3)));
                times.push(python_seconds(
                    py,
                    id,
                    &[("mode", mode), ("workers", &w)],
                    "elapsed_s",
                )?);
            }
            rows.push(Row {
                label,
                median: median(times),
                workers: n,
                rate: None,
            });
        }
    }
    Ok(rows)
}

fn life_bench(workers: usize, runs: usize, python: Option<&str>) -> Result<Vec<Row>> {
    let side = 4096;
    let gens = 20;
    let g = BitGrid::from_bytes(&ByteGrid::random(side, side, 30, 42).map_err(anyhow::Error::msg)?);
    let cells = (side * side * gens) as f64;
    let mut rows = Vec::new();
    let one = "bit-parallel, 1 thread".to_string();
    let median = time_runs(&one, runs, || {
        let mut cur = g.clone();
        let mut next = g.clone();
        for _ in 0..gens {
            cur.step_into(&mut next);
            std::mem::swap(&mut cur, &mut next);
        }
        Ok(())
    })?;
    rows.push(Row {
        label: one,
        median,
        workers: 1,
        rate: Some(cells / median),
    });
    let label = format!("bit-parallel, {workers} threads (row bands)");
    let median = time_runs(&label, runs, || {
        native::life_run(&g, gens, workers);
        Ok(())
    })?;
    rows.push(Row {
        label,
        median,
        workers,
        rate: Some(cells / median),
    });
    let small = ByteGrid::random(512, 512, 30, 42).map_err(anyhow::Error::msg)?;
    let median = time_runs("byte reference, 1 thread (512²)", runs, || {
        small.step_reference();
        Ok(())
    })?;
    rows.push(Row {
        label: "byte reference, 1 thread".to_string(),
        median,
        workers: 1,
        rate: Some(512.0 * 512.0 / median),
    });
    if let Some(py) = python {
        progress("CPython (the scenario's program, 32×32, no I/O)");
        let ms = python_seconds(
            py,
            "life",
            &[
                ("mode", "serial"),
                ("height", "32"),
                ("width", "32"),
                ("generations", "10"),
                ("io_ms", "0"),
                ("pattern", "random"),
            ],
            "ms_per_generation",
        )?;
        let secs = ms / 1000.0;
        rows.push(Row {
            label: "CPython, 1 thread (32², per generation)".to_string(),
            median: secs,
            workers: 1,
            rate: Some(1024.0 / secs.max(1e-12)),
        });
    }
    Ok(rows)
}

fn print_table(id: &str, rows: &[Row], workers: usize) {
    outln!("\n{id}: medians on this machine ({workers} workers where parallel)\n");
    let base = rows.first().map_or(1.0, |r| r.median);
    let cpython = rows.iter().find(|r| {
        r.label.starts_with("CPython sequential") || r.label.starts_with("CPython, 1 thread")
    });
    if rows.iter().any(|r| r.rate.is_some()) {
        outln!(
            "{:<44} {:>12} {:>16} {:>10}",
            "mode",
            "median",
            "cell-updates/s",
            "vs CPython"
        );
        let py_rate = cpython.and_then(|r| r.rate);
        for r in rows {
            let rate = r.rate.unwrap_or(0.0);
            let ratio = py_rate.map_or("—".to_string(), |p| format!("{:.0}×", rate / p));
            outln!(
                "{:<44} {:>10.3}s {:>16.3e} {:>10}",
                r.label,
                r.median,
                rate,
                ratio
            );
        }
    } else {
        outln!(
            "{:<44} {:>10} {:>9} {:>11} {:>10}",
            "mode",
            "median",
            "speed-up",
            "efficiency",
            "vs CPython"
        );
        for r in rows {
            let speedup = base / r.median;
            let eff = if r.workers > 1 {
                format!("{:.0}%", 100.0 * speedup / r.workers as f64)
            } else {
                "—".to_string()
            };
            let vs = cpython.map_or("—".to_string(), |c| {
                format!("{:.1}×", c.median / r.median)
            });
            outln!(
                "{:<44} {:>9.3}s {:>8.2}× {:>11} {:>10}",
                r.label,
                r.median,
                speedup,
                eff,
                vs
            );
        }
    }
    if rows.iter().any(|r| r.rate.is_some()) {
        outln!(
            "\nvs CPython: cell updates per second ÷ CPython's (the scenario's own Python program, no I/O)."
        );
    } else {
        outln!(
            "\nspeed-up: against the first row; efficiency: speed-up ÷ workers; vs CPython: CPython's sequential time ÷ this row's."
        );
    }
}
