//! `interleave explore`: a scenario under many schedules — the outcome table, and for each
//! failure the shortest schedule as a numbered interleaving with the command that replays it.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use interleave_scenarios::{Runs, Scenario};
use interleave_sim::explore::{Config, Report, explore_observed};
use interleave_sim::{Machine, SchedulerKind};

pub fn run(
    s: &Scenario,
    runs: &Runs,
    machine: &Machine,
    cfg: &Config,
    seconds: Option<f64>,
    set: &[String],
    json: bool,
) -> Result<ExitCode> {
    let build = || runs.build();
    let label = |t: &interleave_sim::Trace| s.outcome_label(t);
    let mut stderr = std::io::stderr();
    let _ = writeln!(
        stderr,
        "exploring {} ({:?}, budget {} runs)…",
        s.id, cfg.strategy, cfg.budget
    );
    // Progress on stderr (on one line when it is a terminal) and the time budget.
    let start = std::time::Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut progress = |runs: u64| {
        let secs = start.elapsed().as_secs_f64();
        if runs.is_multiple_of(10 * interleave_sim::explore::PROGRESS_EVERY) || tty {
            let _ = write!(
                std::io::stderr(),
                "{}  {runs} runs, {secs:.1} s{}",
                if tty { "\r" } else { "" },
                if tty { "" } else { "\n" }
            );
        }
        seconds.is_none_or(|limit| secs < limit)
    };
    let report = explore_observed(machine, &build, &label, cfg, &mut progress)
        .map_err(anyhow::Error::msg)?;
    if tty {
        let _ = writeln!(std::io::stderr());
    }
    if !report.exhausted && seconds.is_some_and(|l| start.elapsed().as_secs_f64() >= l) {
        let _ = writeln!(std::io::stderr(), "time budget used up");
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_report(s, runs, machine, &report, set);
    Ok(ExitCode::SUCCESS)
}

fn print_report(s: &Scenario, runs: &Runs, machine: &Machine, r: &Report, set: &[String]) {
    outln!(
        "{}: {} runs, {}",
        s.id,
        r.runs,
        if r.exhausted {
            "every schedule explored"
        } else {
            "budget used up (not exhaustive)"
        }
    );
    outln!("\n{:>8}  {:<7} outcome", "runs", "verdict");
    for o in &r.outcomes {
        outln!(
            "{:>8}  {:<7} {}",
            o.count,
            if o.failing { "FAIL" } else { "ok" },
            o.label
        );
    }
    for o in r.outcomes.iter().filter(|o| o.failing) {
        outln!(
            "\nshortest schedule for \"{}\": {} preemption(s), {} steps",
            o.label,
            o.shortest.preemptions,
            o.shortest.steps
        );
        let replay = SchedulerKind::Replay {
            schedule: o.shortest.schedule.clone(),
        };
        if let Ok(t) =
            interleave_sim::simulate(machine.clone(), o.shortest.seed, &replay, runs.build())
        {
            for (i, e) in t.events.iter().enumerate().take(60) {
                let obj = e
                    .obj
                    .map(|x| format!(" {}", t.obj_name(x)))
                    .unwrap_or_default();
                let detail = t.detail(i).map(|d| format!(" ({d})")).unwrap_or_default();
                outln!(
                    "{:>4}. {:<14} {:?}{obj}{detail}",
                    i + 1,
                    t.unit_name(e.unit),
                    e.kind
                );
            }
            if t.events.len() > 60 {
                outln!(
                    "      … {} more events (see --format json of the replay)",
                    t.events.len() - 60
                );
            }
        }
        let sets: String = set.iter().map(|kv| format!(" --set {kv}")).collect();
        outln!(
            "replay: interleave run {}{sets} --seed {} --cores {} --gil {} --replay '{}'",
            s.id,
            o.shortest.seed,
            machine.cores,
            if machine.gil { "on" } else { "off" },
            o.shortest.schedule
        );
    }
}
