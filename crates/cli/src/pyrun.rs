//! `interleave run FILE.py`: a Python program on the simulator, through `interleave-py`.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::Result;
use interleave_py::{Model, PyOptions};
use interleave_sim::{Machine, SchedulerKind, chrome};

use crate::{Format, render, usage};

/// Reads the program: a file, or standard input for `-`.
pub fn read_source(path: &str) -> Result<String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("cannot read the program from standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {path}: {e}")))
}

/// Whether a `run`/`explore` argument names a Python program rather than a scenario.
pub fn is_python_path(id: &str) -> bool {
    id == "-" || id.ends_with(".py")
}

pub struct PyRunArgs<'a> {
    pub path: &'a str,
    pub seed: u64,
    pub cores: Option<u32>,
    pub python: Option<&'a str>,
    pub scheduler: SchedulerKind,
    pub format: Format,
    pub out: Option<&'a std::path::Path>,
    pub max_instructions: Option<u64>,
}

/// The machine a program runs on: the model decides the GIL; `--cores` if given.
fn machine_for(model: Model, cores: Option<u32>) -> Result<Machine> {
    let mut machine = Machine {
        gil: model.gil(),
        ..Machine::default()
    };
    if let Some(c) = cores {
        if !(1..=interleave_sim::config::MAX_CORES).contains(&c) {
            return Err(usage(format!(
                "--cores must be from 1 to {}, got {c}",
                interleave_sim::config::MAX_CORES
            )));
        }
        machine.cores = c;
    }
    Ok(machine)
}

/// The model named by `--python`.
pub fn model(python: Option<&str>) -> Result<Model> {
    match python {
        None => Ok(Model::Py311),
        Some(p) => Model::parse(p)
            .ok_or_else(|| usage(format!("--python must be 3.11, 3.9 or 3.13t, got {p:?}"))),
    }
}

pub fn run(a: PyRunArgs<'_>) -> Result<ExitCode> {
    let src = read_source(a.path)?;
    let model = model(a.python)?;
    let filename = if a.path == "-" {
        "<stdin>".to_string()
    } else {
        std::path::Path::new(a.path)
            .file_name()
            .map_or_else(|| a.path.to_string(), |f| f.to_string_lossy().into_owned())
    };
    let compiled = match interleave_py::compile(&src, &filename) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", render_source_error(&src, &filename, &e));
            return Ok(ExitCode::from(2));
        }
    };
    let machine = machine_for(model, a.cores)?;
    let opts = PyOptions {
        model,
        filename: filename.clone(),
        seed: a.seed,
        cores: machine.cores,
        max_instructions: a
            .max_instructions
            .unwrap_or(PyOptions::default().max_instructions),
        ..PyOptions::default()
    };
    let r = compiled
        .run(&opts, machine.clone(), &a.scheduler)
        .map_err(usage)?;
    let trace = &r.trace;
    let code = r.exit_code;
    let unfinished =
        Some(&trace.outcome).filter(|o| !matches!(o, interleave_sim::Outcome::Completed));
    match a.format {
        Format::Output => {
            let mut so = std::io::stdout().lock();
            let _ = so.write_all(r.stdout.as_bytes());
            let _ = so.flush();
            let mut se = std::io::stderr().lock();
            let _ = se.write_all(r.stderr.as_bytes());
            if r.stderr.contains("(the playground's instruction limit)") {
                let _ = writeln!(se, "interleave: raise the limit with --max-instructions N");
            }
            if let Some(o) = unfinished {
                let _ = writeln!(se, "interleave: {}", o.summary());
            }
        }
        Format::Text => {
            let tty = a.out.is_none() && std::io::stdout().is_terminal();
            let title = format!(
                "{filename} (seed {}, {} cores, Python {})",
                a.seed,
                machine.cores,
                model.label()
            );
            let mut text = render::render(
                trace,
                &title,
                render::Style {
                    color: tty,
                    ..render::Style::default()
                },
            );
            if !r.stderr.is_empty() {
                text.push_str("\nstderr:\n");
                text.push_str(&r.stderr);
            }
            crate::emit(&text, a.out)?;
        }
        Format::Json => {
            let text = serde_json::to_string_pretty(trace)? + "\n";
            crate::emit(&text, a.out)?;
        }
        Format::Chrome => {
            let text = serde_json::to_string(&chrome::to_chrome(trace))? + "\n";
            crate::emit(&text, a.out)?;
        }
    }
    Ok(ExitCode::from(
        u8::try_from(code.clamp(0, 255)).unwrap_or(1),
    ))
}

/// A syntax or unsupported-construct error as CPython shows a `SyntaxError`: the file and line,
/// the line itself and a caret under the column.
pub fn render_source_error(src: &str, filename: &str, e: &interleave_py::SourceError) -> String {
    let line = e.pos.line.max(1);
    let text = src.lines().nth(line as usize - 1).unwrap_or("");
    let col = e.pos.col.max(1) as usize;
    let mut out = format!(
        "  File \"{filename}\", line {line}\n    {}\n",
        text.trim_end()
    );
    let indent = text.len() - text.trim_start().len();
    let caret = " ".repeat(4 + col.saturating_sub(1).saturating_sub(indent));
    let _ = indent;
    out.push_str(&format!("{caret}^\n"));
    out.push_str(&e.render("en"));
    out
}

/// `interleave explore FILE.py`: the program under many schedules, each outcome labelled by
/// `interleave_py::outcome_label`.
pub fn explore(
    path: &str,
    python: Option<&str>,
    cores: Option<u32>,
    cfg: &interleave_sim::explore::Config,
    json: bool,
) -> Result<ExitCode> {
    let src = read_source(path)?;
    let model = model(python)?;
    let filename = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |f| f.to_string_lossy().into_owned());
    let compiled = match interleave_py::compile(&src, &filename) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", render_source_error(&src, &filename, &e));
            return Ok(ExitCode::from(2));
        }
    };
    let machine = machine_for(model, cores)?;
    let opts = PyOptions {
        model,
        filename,
        cores: machine.cores,
        ..PyOptions::default()
    };
    // The explorer builds a program, runs it, then labels its trace: the label reads what
    // that run printed to tell its uncaught exceptions (a failed `assert` among them).
    let printed: std::cell::RefCell<Option<interleave_py::RunOutput>> = Default::default();
    let build = || {
        let (program, out) = compiled.program(&opts);
        printed.replace(Some(out));
        program
    };
    let label = |t: &interleave_sim::Trace| match printed.borrow().as_ref() {
        Some(out) => interleave_py::outcome_label(t, out),
        None => interleave_sim::explore::default_label(t),
    };
    eprintln!(
        "exploring {path} ({:?}, budget {} runs)…",
        cfg.strategy, cfg.budget
    );
    let mut progress = |_runs: u64| true;
    let report =
        interleave_sim::explore::explore_observed(&machine, &build, &label, cfg, &mut progress)
            .map_err(anyhow::Error::msg)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{path}: {} runs, {}",
        report.runs,
        if report.exhausted {
            "every schedule explored"
        } else {
            "budget used up (not exhaustive)"
        }
    );
    println!("\n{:>8}  {:<7} outcome", "runs", "verdict");
    for o in &report.outcomes {
        println!(
            "{:>8}  {:<7} {}",
            o.count,
            if o.failing { "FAIL" } else { "ok" },
            o.label
        );
    }
    for o in &report.outcomes {
        println!(
            "\nshortest schedule for \"{}\": {} preemption(s), {} steps\nreplay: interleave run {path} --python {} --seed {} --cores {} --replay '{}'",
            o.label,
            o.shortest.preemptions,
            o.shortest.steps,
            model.label(),
            o.shortest.seed,
            machine.cores,
            o.shortest.schedule
        );
    }
    Ok(ExitCode::SUCCESS)
}
