//! Interleave's scenario catalogue.
//!
//! Each scenario is one classic lesson about concurrency: a stable id, a bilingual title and
//! explanation, typed parameters validated by [`validate`](Scenario::validate) (the CLI and the
//! web UI use the same function), the simulated program, the equivalent Python program written
//! for this project, and the outcome it demonstrates (asserted by the tests).

use interleave_sim::{Machine, SchedulerKind, Trace};
use serde::Serialize;

mod body;
mod catalogue;
pub mod params;
pub mod play;
pub mod python;

pub use body::{Body, MAX_INSTRUCTIONS, Runs, SCENARIO_FILE};
pub use params::{PValue, ParamError, ParamKind, ParamSpec, Params};
pub use play::{Goal, RealWork};

/// A text in English and Chinese.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

/// Builds a [`Text`].
pub const fn t(en: &'static str, zh: &'static str) -> Text {
    Text { en, zh }
}

/// A language of the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// Parses `en` or `zh` (also `zh-CN`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "zh" | "zh-cn" => Some(Lang::Zh),
            _ => None,
        }
    }
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// What kind of lesson a scenario is, for filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    Primitive,
    Workload,
    Asyncio,
    Scheduling,
    Classic,
    Process,
}

/// How a scenario can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// In the deterministic simulator.
    Sim,
    /// As a real parallel workload (natively or on Web Workers).
    Real,
}

/// How the fidelity check compares the simulator with CPython.
#[derive(Clone, Copy, Debug)]
pub struct Fidelity {
    /// Parameter overrides that keep the Python program quick (short delays).
    pub params: &'static [(&'static str, &'static str)],
    /// Result keys compared with CPython's.
    pub keys: &'static [&'static str],
    /// True when CPython's result is deterministic (compared exactly); otherwise CPython's
    /// result over several runs must lie inside the simulator's set over many seeds.
    pub deterministic: bool,
    /// Further cases, each a set of overrides applied on top of `params` (variants of the
    /// lesson that must agree too).
    pub more: &'static [&'static [(&'static str, &'static str)]],
}

/// Something that must hold at the end of every run of a scenario. The explorer counts a run
/// where it fails as failing and names it in the outcome's label.
pub struct Invariant {
    /// What must hold: "counter == expected".
    pub text: Text,
    /// `Some(false)` when violated; `None` when the run does not report what it checks (an
    /// early error, another variant).
    pub check: fn(&Trace) -> Option<bool>,
}

/// The integer result `key`, if the run reported one.
pub fn result_int(t: &Trace, key: &str) -> Option<i64> {
    match t.result.get(key) {
        Some(interleave_sim::Value::Int(n)) => Some(*n),
        _ => None,
    }
}

/// Whether the result `key` is truthy, if the run reported it.
pub fn result_truthy(t: &Trace, key: &str) -> Option<bool> {
    t.result.get(key).map(interleave_sim::Value::truthy)
}

/// "No worker is left waiting": the run's `stuck` result is zero or false.
pub const NOBODY_STUCK: Invariant = Invariant {
    text: t("no worker is left waiting", "没有工作者一直等下去"),
    check: |t| result_truthy(t, "stuck").map(|stuck| !stuck),
};

/// "counter == expected": no update was lost.
pub const NO_LOST_UPDATE: Invariant = Invariant {
    text: t("counter == expected", "counter == expected"),
    check: |t| Some(result_int(t, "counter")? == result_int(t, "expected")?),
};

/// One entry of the catalogue.
pub struct Scenario {
    pub id: &'static str,
    pub title: Text,
    /// The one-line lesson.
    pub lesson: Text,
    /// What to look for, and what the model simplifies.
    pub explanation: Text,
    pub tags: &'static [Tag],
    pub modes: &'static [Mode],
    /// The workload of the browser's real mode (`None`: the page has no real mode for it).
    pub browser_real: Option<RealWork>,
    /// What "you are the scheduler" asks the player to reach.
    pub goal: Goal,
    /// What must hold at the end of every run (checked by the explorer).
    pub invariants: &'static [Invariant],
    pub params: Vec<ParamSpec>,
    /// Cross-parameter rules (most scenarios have none).
    pub check: fn(&Params) -> Result<(), ParamError>,
    /// What runs: the Python program, or a Rust model of it.
    pub body: Body,
    /// The scenario's Python program for validated parameters (its template filled in).
    pub python: fn(&Params) -> String,
    /// The machine the scenario runs on by default.
    pub machine: fn(&Params) -> Machine,
    pub fidelity: Fidelity,
}

/// Options of one simulated run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOptions {
    pub seed: u64,
    pub cores: Option<u32>,
    pub gil: Option<bool>,
    pub scheduler: SchedulerKind,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 1,
            cores: None,
            gil: None,
            scheduler: SchedulerKind::Random,
        }
    }
}

impl Scenario {
    /// Checks `overrides` (name, raw value) and fills in defaults.
    pub fn validate(&self, overrides: &[(String, String)]) -> Result<Params, ParamError> {
        params::validate(&self.params, overrides, self.check)
    }

    /// The default parameters.
    pub fn defaults(&self) -> Params {
        self.validate(&[]).unwrap_or_default()
    }

    /// The machine for these parameters and options, validated.
    pub fn machine_for(&self, params: &Params, opts: &RunOptions) -> Result<Machine, String> {
        let mut m = (self.machine)(params);
        if let Some(c) = opts.cores {
            m.cores = c;
        }
        if let Some(g) = opts.gil {
            m.gil = g;
        }
        m.validate()?;
        Ok(m)
    }

    /// Runs the scenario in the simulator.
    pub fn simulate(&self, params: &Params, opts: &RunOptions) -> Result<Trace, String> {
        self.simulate_observed(params, opts, u64::MAX, &mut |_, _| {})
    }

    /// What this scenario runs for these parameters and options, and the machine it runs on.
    pub fn runs(&self, params: &Params, opts: &RunOptions) -> Result<(Runs, Machine), String> {
        let machine = self.machine_for(params, opts)?;
        let runs = Runs::new(
            self.body,
            &self.python_program(params),
            params,
            &machine,
            opts.seed,
        )?;
        Ok((runs, machine))
    }

    /// Runs the scenario in the simulator, calling `progress(steps, virtual_time)` every
    /// `every` scheduling steps (for a progress bar; the trace is the same as `simulate`'s).
    pub fn simulate_observed(
        &self,
        params: &Params,
        opts: &RunOptions,
        every: u64,
        progress: &mut dyn FnMut(u64, interleave_sim::Nanos),
    ) -> Result<Trace, String> {
        if let Some(trace) = catalogue::synthetic(self.id) {
            self.machine_for(params, opts)?;
            return Ok(Trace {
                seed: opts.seed,
                ..trace(params)
            });
        }
        let (runs, machine) = self.runs(params, opts)?;
        runs.simulate_observed(machine, opts, every, progress)
    }

    /// A run's outcome for exploration: the simulator's generic label (deadlock cycle,
    /// errors, limits, lost wakeups, the result map), then every invariant of this scenario
    /// the run violates; failing when any of those is a failure.
    pub fn outcome_label(&self, t: &Trace) -> (String, bool) {
        let (label, failing) = interleave_sim::explore::default_label(t);
        let broken: Vec<&str> = self.violated(t).iter().map(|i| i.text.en).collect();
        if broken.is_empty() {
            (label, failing)
        } else {
            (format!("{label} · violates: {}", broken.join("; ")), true)
        }
    }

    /// The invariants this run violates.
    pub fn violated(&self, t: &Trace) -> Vec<&Invariant> {
        self.invariants
            .iter()
            .filter(|i| (i.check)(t) == Some(false))
            .collect()
    }

    /// The Python program for these parameters.
    pub fn python_program(&self, params: &Params) -> String {
        (self.python)(params)
    }
}

/// True for scenarios whose timelines are drawn from fixed schedules (no program to explore).
pub fn is_synthetic(id: &str) -> bool {
    catalogue::synthetic(id).is_some()
}

/// Every scenario, in catalogue order.
pub fn catalogue() -> Vec<Scenario> {
    catalogue::all()
}

/// The scenario with this id.
pub fn find(id: &str) -> Option<Scenario> {
    catalogue().into_iter().find(|s| s.id == id)
}

/// Every id, in catalogue order.
pub fn ids() -> Vec<&'static str> {
    catalogue().iter().map(|s| s.id).collect()
}
