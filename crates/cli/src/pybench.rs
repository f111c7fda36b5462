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
    let out = with_stdin(python, &["-c", HARNESS], src)?;
    let secs: f64 = String::from_utf8_lossy(&out.stderr)
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{python} did not report its time: {e}"))?;
    Ok((secs, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// One run of the wasm build under Node (`xtask/py-wasm-run.mjs`, timed inside Node):
/// (seconds, stdout).
fn wasm(glue: &str, src: &str) -> Result<(f64, String)> {
    let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/../../xtask/py-wasm-run.mjs");
    let out = with_stdin("node", &[harness, glue], src)?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let secs = v["secs"].as_f64().unwrap_or(f64::NAN);
    Ok((secs, v["stdout"].as_str().unwrap_or_default().to_string()))
}

/// Runs `program args` with `src` on its standard input; an error unless it succeeds.
fn with_stdin(program: &str, args: &[&str], src: &str) -> Result<std::process::Output> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("{program} did not start: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        stdin.write_all(src.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    anyhow::ensure!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out)
}

fn ratio_cell(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.2}×"))
}

/// `interleave bench python`: each program under CPython, the native interpreter and, given
/// `wasm` (the Node glue of `interleave-py-wasm`), the wasm build, in alternation run by run.
pub fn run(runs: usize, python: Option<&str>, wasm_glue: Option<&str>) -> Result<ExitCode> {
    let runs = runs.max(1);
    println!(
        "Python programs: CPython vs interleave run (native{}, on the simulator); medians of {runs} runs",
        if wasm_glue.is_some() {
            " and wasm in Node"
        } else {
            ""
        }
    );
    println!(
        "{:<18} {:>12} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "program",
        "instructions",
        "CPy ms",
        "native ms",
        "wasm ms",
        "CPy M/s",
        "native/CPy",
        "wasm/CPy",
        "wasm/nat"
    );
    let mut native_ratios = Vec::new();
    let mut wasm_ratios = Vec::new();
    for (name, src) in PROGRAMS {
        eprint!("\rbench: {name}…\x1b[K");
        // Alternate them, run by run, so that a change in the machine's speed hits all.
        let mut ours_t = Vec::new();
        let mut cpy_t = Vec::new();
        let mut wasm_t = Vec::new();
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
            if let Some(g) = wasm_glue {
                let (t, o) = wasm(g, src)?;
                anyhow::ensure!(
                    o == out,
                    "{name}: the wasm build printed {o:?}, native {out:?}"
                );
                wasm_t.push(t.max(1e-6));
            }
        }
        let n = instructions as f64;
        let t_ours = median(ours_t);
        let t_cpy = (!cpy_t.is_empty()).then(|| median(cpy_t));
        let t_wasm = (!wasm_t.is_empty()).then(|| median(wasm_t));
        let native_vs_cpy = t_cpy.map(|c| c / t_ours);
        let wasm_vs_cpy = t_cpy.zip(t_wasm).map(|(c, w)| c / w);
        let wasm_vs_native = t_wasm.map(|w| t_ours / w);
        native_ratios.extend(native_vs_cpy);
        wasm_ratios.extend(wasm_vs_cpy);
        let ms = |t: Option<f64>| t.map_or("-".into(), |t| format!("{:.1}", t * 1e3));
        println!(
            "{:<18} {:>12} {:>10} {:>10.1} {:>10} {:>10} {:>10} {:>10} {:>10}",
            name,
            instructions,
            ms(t_cpy),
            t_ours * 1e3,
            ms(t_wasm),
            t_cpy.map_or("-".into(), |t| format!("{:.1}", n / t / 1e6)),
            ratio_cell(native_vs_cpy),
            ratio_cell(wasm_vs_cpy),
            ratio_cell(wasm_vs_native),
        );
    }
    eprint!("\r\x1b[K");
    let verdict = |m: f64, target: f64| if m >= target { "met" } else { "NOT met" };
    if !native_ratios.is_empty() {
        let m = median(native_ratios);
        println!(
            "median native/CPython instruction rate: {m:.2}× (target ≥ 0.33×: {})",
            verdict(m, 1.0 / 3.0)
        );
    }
    if !wasm_ratios.is_empty() {
        let m = median(wasm_ratios);
        println!(
            "median wasm/CPython instruction rate: {m:.2}× (target ≥ 0.17×: {})",
            verdict(m, 1.0 / 6.0)
        );
    }
    Ok(ExitCode::SUCCESS)
}
