//! Helpers shared by the scenario lesson tests: run a scenario with some parameters set, and
//! read its result map.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use interleave_scenarios::{RunOptions, find};
use interleave_sim::{Trace, Value};

/// Scenario `id` with the parameters in `set` (the rest at their defaults), run with `opts`.
pub fn run_with(id: &str, set: &[(&str, &str)], opts: RunOptions) -> Trace {
    let s = find(id).unwrap();
    let overrides: Vec<(String, String)> = set
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = s.validate(&overrides).unwrap();
    s.simulate(&params, &opts).unwrap()
}

/// [`run_with`] with the default options and `seed`.
pub fn run_seed(id: &str, set: &[(&str, &str)], seed: u64) -> Trace {
    run_with(id, set, seed_opts(seed))
}

/// The default run options with `seed`.
pub fn seed_opts(seed: u64) -> RunOptions {
    RunOptions {
        seed,
        ..RunOptions::default()
    }
}

/// The integer `key` of the result map (a missing or other value fails the test, saying how
/// the run ended).
pub fn int(t: &Trace, key: &str) -> i64 {
    match t.result.get(key) {
        Some(Value::Int(i)) => *i,
        other => panic!("{key} = {other:?} ({:?}, {:?})", t.outcome, t.errors),
    }
}

/// The list of integers `key` of the result map.
pub fn ints(t: &Trace, key: &str) -> Vec<i64> {
    match t.result.get(key) {
        Some(Value::List(v)) => v.iter().map(|x| x.as_int().unwrap()).collect(),
        other => panic!("{key} = {other:?}"),
    }
}

/// `base` with `more` after it (a later setting of a parameter wins).
pub fn with<'a>(
    base: &[(&'a str, &'a str)],
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

/// What the run printed, in order, without the `RESULT {json}` line a scenario's program
/// ends with (its result map, checked through `t.result`).
pub fn printed(t: &Trace) -> Vec<&str> {
    t.output
        .iter()
        .map(|(_, _, l)| l.as_str())
        .filter(|l| !l.starts_with("RESULT "))
        .collect()
}

/// The units still blocked when the run ended (the program gave up waiting for them), each
/// with the name of what it was blocked on.
pub fn blocked_at_end(t: &Trace) -> Vec<(String, String)> {
    t.units
        .iter()
        .filter_map(|u| {
            let last = t.spans.iter().rev().find(|s| s.unit == u.id)?;
            (last.state == interleave_sim::State::Blocked).then(|| {
                let on = last.obj.map(|o| t.obj_name(o)).unwrap_or_default();
                (u.name.clone(), on)
            })
        })
        .collect()
}
