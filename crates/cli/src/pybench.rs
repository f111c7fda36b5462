//! `interleave bench python`: the same Python programs under CPython and under the
//! interpreter (natively, on the simulator), side by side in one run, as medians. The
//! interpreter counts the bytecode instructions it executes; CPython's rate is that count
//! over CPython's time for the same program (the two compile these loops to nearly the same
//! instructions), so the ratio of rates is the ratio of times.

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::Result;
use interleave_py::{PyOptions, compile};
use interleave_sim::SchedulerKind;

/// (name, program). Each prints one line so a run can be checked against CPython.
const PROGRAMS: &[(&str, &str)] = &[
    (
        "empty loop",
        "for i in range(3_000_000):\n    pass\nprint('done')\n",
    ),
    (
        "arithmetic",
        "x = 0\nfor i in range(1_000_000):\n    x = (x + i * 3) % 1000003\nprint(x)\n",
    ),
    (
        "global += 1",
        "n = 0\ndef run():\n    global n\n    for _ in range(1_000_000):\n        n += 1\nrun()\nprint(n)\n",
    ),
    (
        "function calls",
        "def inc(a):\n    return a + 1\nx = 0\nfor _ in range(500_000):\n    x = inc(x)\nprint(x)\n",
    ),
    (
        "list and dict",
        "d = {}\nxs = []\nfor i in range(300_000):\n    xs.append(i)\n    d[i % 1000] = d.get(i % 1000, 0) + 1\nprint(len(xs), len(d))\n",
    ),
    (
        "method calls",
        "class C:\n    def __init__(self):\n        self.n = 0\n    def add(self, k):\n        self.n += k\nc = C()\nfor i in range(300_000):\n    c.add(i)\nprint(c.n)\n",
    ),
    (
        "4 threads + lock",
        "import threading\nn = 0\nlock = threading.Lock()\ndef work():\n    global n\n    for _ in range(50_000):\n        with lock:\n            n += 1\nts = [threading.Thread(target=work) for _ in range(4)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint(n)\n",
    ),
];

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One run under the interpreter: (seconds, instructions, stdout).
fn ours(src: &str) -> Result<(f64, u64, String)> {
    let opts = PyOptions {
        max_instructions: u64::MAX / 2,
        ..PyOptions::default()
    };
    let t = Instant::now();
    let compiled = compile(src, "bench.py").map_err(|e| anyhow::anyhow!(e.render("en")))?;
    let r = compiled
        .run(&opts, opts.machine(), &SchedulerKind::Fifo)
        .map_err(anyhow::Error::msg)?;
    let secs = t.elapsed().as_secs_f64();
    Ok((secs, r.instructions, r.stdout))
}

/// The program run by CPython and timed inside the process (compiling included, start-up
/// excluded), as ours is timed: (seconds, stdout).
fn cpython(python: &str, src: &str) -> Result<(f64, String)> {
    const HARNESS: &str = "import sys, time\n\
src = sys.stdin.read()\n\
t = time.perf_counter()\n\
exec(compile(src, 'bench.py', 'exec'), {'__name__': '__main__'})\n\
sys.stdout.flush()\n\
sys.stderr.write('%r' % (time.perf_counter() - t))\n";
    let mut child = Command::new(python)
        .args(["-c", HARNESS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        stdin.write_all(src.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    anyhow::ensure!(
        out.status.success(),
        "{python} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secs: f64 = String::from_utf8_lossy(&out.stderr)
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{python} did not report its time: {e}"))?;
    Ok((secs, String::from_utf8_lossy(&out.stdout).into_owned()))
}

pub fn run(runs: usize, python: Option<&str>) -> Result<ExitCode> {
    let runs = runs.max(1);
    println!(
        "Python programs: CPython vs interleave run (native, on the simulator); medians of {runs} runs"
    );
    println!(
        "{:<18} {:>12} {:>11} {:>11} {:>13} {:>13} {:>9}",
        "program", "instructions", "CPython ms", "ours ms", "CPython M/s", "ours M/s", "ours/CPy"
    );
    let mut ratios = Vec::new();
    for (name, src) in PROGRAMS {
        eprint!("\rbench: {name}…\x1b[K");
        // Alternate the two, run by run, so that a change in the machine's speed hits both.
        let mut ours_t = Vec::new();
        let mut cpy_t = Vec::new();
        let mut instructions = 0;
        for _ in 0..runs {
            let (t, n, out) = ours(src)?;
            ours_t.push(t);
            instructions = n;
            if let Some(p) = python {
                let (t, o) = cpython(p, src)?;
                anyhow::ensure!(o == out, "{name}: CPython printed {o:?}, ours {out:?}");
                cpy_t.push(t.max(1e-6));
            }
        }
        let t_ours = median(ours_t);
        let ours_rate = instructions as f64 / t_ours / 1e6;
        let (cpy_ms, cpy_rate, ratio) = if cpy_t.is_empty() {
            ("-".into(), "-".into(), None)
        } else {
            let t = median(cpy_t);
            let rate = instructions as f64 / t / 1e6;
            (
                format!("{:.1}", t * 1e3),
                format!("{rate:.1}"),
                Some(ours_rate / rate),
            )
        };
        if let Some(r) = ratio {
            ratios.push(r);
        }
        println!(
            "{:<18} {:>12} {:>11} {:>11.1} {:>13} {:>13.1} {:>9}",
            name,
            instructions,
            cpy_ms,
            t_ours * 1e3,
            cpy_rate,
            ours_rate,
            ratio.map_or("-".into(), |r| format!("{r:.2}×"))
        );
    }
    eprint!("\r\x1b[K");
    if !ratios.is_empty() {
        let m = median(ratios.clone());
        println!(
            "median ours/CPython instruction rate: {m:.2}× (target ≥ 0.33×: {})",
            if m >= 1.0 / 3.0 { "met" } else { "NOT met" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
