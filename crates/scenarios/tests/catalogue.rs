//! The whole catalogue: every scenario is complete in both languages, every parameter runs at
//! its minimum, default and maximum (one at a time) without panicking, bad values are
//! rejected with a message saying what is accepted, and every Python program is filled in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use interleave_scenarios::{ParamKind, RunOptions, catalogue};
use interleave_sim::Outcome;

#[test]
fn ids_are_unique_and_texts_bilingual() {
    let all = catalogue();
    let ids: BTreeSet<&str> = all.iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), all.len());
    for s in &all {
        for text in [s.title, s.lesson, s.explanation] {
            assert!(!text.en.is_empty() && !text.zh.is_empty(), "{}", s.id);
            assert!(
                text.zh
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: zh text {:?}",
                s.id,
                text.zh
            );
        }
        for p in &s.params {
            assert!(
                !p.help.en.is_empty() && !p.help.zh.is_empty(),
                "{}.{}",
                s.id,
                p.name
            );
        }
        assert!(!s.modes.is_empty() && !s.tags.is_empty(), "{}", s.id);
    }
}

/// Values to try for one parameter: its extremes and every choice.
fn probes(kind: &ParamKind) -> Vec<String> {
    match kind {
        ParamKind::Int { min, max } => vec![min.to_string(), max.to_string()],
        ParamKind::Float { min, max } => vec![min.to_string(), max.to_string()],
        ParamKind::Bool => vec!["true".into(), "false".into()],
        ParamKind::Choice { choices } => choices.iter().map(|c| c.to_string()).collect(),
        ParamKind::List { .. } | ParamKind::Text { .. } => vec![],
    }
}

#[test]
fn every_parameter_at_its_extremes_runs_without_panic() {
    for s in catalogue() {
        let d = s.defaults();
        let t = s.simulate(&d, &RunOptions::default()).unwrap();
        assert!(
            matches!(t.outcome, Outcome::Completed | Outcome::Deadlock { .. }),
            "{} defaults end in {:?}",
            s.id,
            t.outcome
        );
        for p in &s.params {
            for v in probes(&p.kind) {
                let Ok(params) = s.validate(&[(p.name.to_string(), v.clone())]) else {
                    // A cross-parameter rule may refuse an extreme; that is a clear error, fine.
                    continue;
                };
                let t = s.simulate(&params, &RunOptions::default()).unwrap();
                // An extreme may end in a limit, with a message that says which; never in a
                // scheduler failure.
                let ended_clearly = match &t.outcome {
                    Outcome::Completed | Outcome::Deadlock { .. } => true,
                    Outcome::LimitExceeded { message, .. } => !message.is_empty(),
                    Outcome::SchedulerError { .. } | Outcome::Running => false,
                };
                assert!(ended_clearly, "{} {}={v}: {:?}", s.id, p.name, t.outcome);
            }
        }
    }
}

#[test]
fn bad_values_say_what_is_accepted() {
    for s in catalogue() {
        for p in &s.params {
            let bad = match &p.kind {
                ParamKind::Int { max, .. } => (max + 1).to_string(),
                ParamKind::Float { max, .. } => (max * 2.0 + 1.0).to_string(),
                ParamKind::Bool => "maybe".to_string(),
                ParamKind::Choice { .. } => "no-such-choice".to_string(),
                ParamKind::List { .. } => "1,x".to_string(),
                ParamKind::Text { max_len } => "x".repeat(max_len + 1),
            };
            let e = s
                .validate(&[(p.name.to_string(), bad.clone())])
                .unwrap_err();
            assert_eq!(e.param, p.name);
            assert!(e.message.contains(p.name), "{}: {}", s.id, e.message);
        }
        let e = s
            .validate(&[("no_such_param".to_string(), "1".to_string())])
            .unwrap_err();
        assert!(e.message.contains("unknown parameter"), "{}", e.message);
    }
}

#[test]
fn python_programs_are_filled_and_report_a_result() {
    for s in catalogue() {
        let py = s.python_program(&s.defaults());
        // No `@name@` marker may be left (decorators such as `@atexit.register` are fine).
        for p in &s.params {
            let marker = format!("@{}@", p.name);
            assert!(!py.contains(&marker), "{}: unfilled {marker}", s.id);
        }
        assert!(py.contains("RESULT "), "{} prints no RESULT line", s.id);
    }
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    for s in catalogue() {
        let d = s.defaults();
        let a = s
            .simulate(
                &d,
                &RunOptions {
                    seed: 5,
                    ..RunOptions::default()
                },
            )
            .unwrap();
        let b = s
            .simulate(
                &d,
                &RunOptions {
                    seed: 5,
                    ..RunOptions::default()
                },
            )
            .unwrap();
        assert_eq!(a.hash(), b.hash(), "{}", s.id);
    }
}
