//! `interleave fidelity`: runs each scenario's Python program under CPython and compares what
//! it prints with what the simulator computes.
//!
//! Every Python program ends by printing one line `RESULT {json}`. Where CPython is
//! deterministic the chosen keys must be equal to the simulator's (seed 1); where it is not,
//! every result CPython produced over several runs must be one the simulator produces for some
//! seed.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use interleave_scenarios::{RunOptions, Scenario, catalogue};
use interleave_sim::SchedulerKind;
use serde_json::Value as Json;

/// The verdict for one scenario.
struct Row {
    id: String,
    verdict: &'static str,
    detail: String,
}

/// What CPython's results are compared with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The scenario's Rust program on the simulator.
    Simulator,
    /// The scenario's own Python program, run by the interpreter (`interleave-py`).
    Interpreter,
}

pub fn run(
    python: &str,
    runs: u32,
    seeds: u64,
    only: Option<&[String]>,
    against: Against,
) -> Result<ExitCode> {
    if Command::new(python)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        outln!("{python} not found: fidelity check skipped");
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let mut rows = Vec::new();
    for s in catalogue() {
        if only.is_some_and(|o| !o.iter().any(|id| id == s.id)) {
            continue;
        }
        if s.fidelity.keys.is_empty() {
            continue;
        }
        let base: &[(&str, &str)] = &[];
        for case in std::iter::once(base).chain(s.fidelity.more.iter().copied()) {
            let label = if case.is_empty() {
                s.id.to_string()
            } else {
                let kv: Vec<String> = case.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{} [{}]", s.id, kv.join(" "))
            };
            eprint!("fidelity: {label} … ");
            let row = match check(&s, case, python, runs, seeds, against) {
                Ok((verdict, detail)) => Row {
                    id: label,
                    verdict,
                    detail,
                },
                Err(e) => Row {
                    id: label,
                    verdict: "ERROR",
                    detail: format!("{e:#}"),
                },
            };
            eprintln!("{}", row.verdict);
            rows.push(row);
        }
    }
    let w = rows
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    outln!("{:<w$} {:<9} detail", "scenario", "verdict");
    for r in &rows {
        outln!("{:<w$} {:<9} {}", r.id, r.verdict, r.detail);
    }
    let failed = rows
        .iter()
        .filter(|r| r.verdict != "agree" && r.verdict != "not yet")
        .count();
    let pending = rows.iter().filter(|r| r.verdict == "not yet").count();
    if pending > 0 {
        outln!("{pending} not yet run by the interpreter (a level it does not have yet)");
    }
    outln!(
        "{} passed, {} failed",
        rows.len() - failed - pending,
        failed
    );
    eprintln!("fidelity took {:.1}s", started.elapsed().as_secs_f64());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn check(
    s: &Scenario,
    case: &[(&str, &str)],
    python: &str,
    runs: u32,
    seeds: u64,
    against: Against,
) -> Result<(&'static str, String)> {
    let overrides: Vec<(String, String)> = s
        .fidelity
        .params
        .iter()
        .chain(case)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = s
        .validate(&overrides)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let program = s.python_program(&params);
    let keys = s.fidelity.keys;
    let pick = |obj: &serde_json::Map<String, Json>| -> Vec<Json> {
        keys.iter()
            .map(|k| obj.get(*k).cloned().unwrap_or(Json::Null))
            .collect()
    };
    let compiled = match against {
        Against::Interpreter => match interleave_py::compile(&program, "scenario.py") {
            Ok(c) => Some(c),
            Err(e) => return Ok(("not yet", e.render("en"))),
        },
        Against::Simulator => None,
    };
    let sim_result = |seed: u64, scheduler: SchedulerKind| -> Result<Vec<Json>> {
        if let Some(c) = &compiled {
            let opts = interleave_py::PyOptions {
                seed,
                filename: "scenario.py".into(),
                // A scenario may busy-wait for seconds of CPython's time (hello-spinner's
                // 3 s CPU job is about 3×10⁸ instructions), past the default limit.
                max_instructions: 2_000_000_000,
                ..interleave_py::PyOptions::default()
            };
            let r = c
                .run(&opts, opts.machine(), &scheduler)
                .map_err(anyhow::Error::msg)?;
            let Some(line) = r
                .stdout
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("RESULT "))
            else {
                bail!(
                    "interpreter: no RESULT line: {}",
                    r.stderr.lines().last().unwrap_or("")
                );
            };
            return match serde_json::from_str::<Json>(line)? {
                Json::Object(m) => Ok(pick(&m)),
                other => bail!("RESULT is not an object: {other}"),
            };
        }
        let opts = RunOptions {
            seed,
            scheduler,
            ..RunOptions::default()
        };
        let trace = s.simulate(&params, &opts).map_err(|e| anyhow::anyhow!(e))?;
        let obj = serde_json::to_value(&trace.result)?;
        Ok(pick(obj.as_object().context("result is not an object")?))
    };
    if compiled.is_some()
        && let Err(e) = sim_result(1, SchedulerKind::Random)
    {
        let msg = format!("{e:#}");
        if msg.contains("not supported in the playground") {
            return Ok(("not yet", msg));
        }
        return Err(e);
    }
    if s.fidelity.deterministic {
        let py = pick(&run_python(python, &program)?);
        let sim = sim_result(1, SchedulerKind::Random)?;
        return Ok(if py == sim {
            ("agree", format!("{} = {}", keys.join(","), show(&py)))
        } else {
            (
                "DISAGREE",
                format!("CPython {} vs simulator {}", show(&py), show(&sim)),
            )
        });
    }
    let mut sim_set = BTreeSet::new();
    for seed in 0..seeds {
        sim_set.insert(show(&sim_result(seed, SchedulerKind::Random)?));
    }
    let mut py_set = BTreeSet::new();
    for _ in 0..runs.max(1) {
        py_set.insert(show(&pick(&run_python(python, &program)?)));
    }
    let outside: Vec<&String> = py_set.iter().filter(|r| !sim_set.contains(*r)).collect();
    let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" ");
    Ok(if outside.is_empty() {
        (
            "agree",
            format!(
                "CPython {{{}}} ⊆ simulator {{{}}} over {seeds} seeds",
                list(&py_set),
                list(&sim_set)
            ),
        )
    } else {
        (
            "DISAGREE",
            format!(
                "CPython produced {outside:?}, never seen in the simulator's {{{}}}",
                list(&sim_set)
            ),
        )
    })
}

fn show(v: &[Json]) -> String {
    let parts: Vec<String> = v.iter().map(Json::to_string).collect();
    parts.join(",")
}

/// Runs a program on stdin with a time limit and returns its `RESULT` object.
fn run_python(python: &str, program: &str) -> Result<serde_json::Map<String, Json>> {
    let mut child = Command::new(python)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {python}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(program.as_bytes())?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("the Python program ran for more than 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(line) = stdout.lines().rev().find_map(|l| l.strip_prefix("RESULT ")) else {
        bail!(
            "the Python program printed no RESULT line (exit {:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    };
    match serde_json::from_str::<Json>(line)? {
        Json::Object(m) => Ok(m),
        other => bail!("RESULT is not an object: {other}"),
    }
}
