//! No input panics or hangs: mutated corpus programs and random token soups either fail to
//! compile with a positioned error or run to an outcome within the limits.

#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use interleave_py::{PyOptions, RunError, run_program};
use interleave_sim::{Machine, SchedulerKind};
use proptest::prelude::*;

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    v.sort();
    v.iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Runs a program with small limits; returns whether it compiled.
fn run_bounded(src: &str) -> bool {
    let opts = PyOptions {
        max_instructions: 30_000,
        max_items: 100_000,
        seed: 3,
        ..PyOptions::default()
    };
    let mut machine: Machine = opts.machine();
    machine.limits.max_steps = 20_000;
    machine.limits.max_units = 200;
    match run_program(src, &opts, machine, &SchedulerKind::Random) {
        Ok(r) => {
            assert_ne!(r.trace.outcome, interleave_sim::Outcome::Running);
            true
        }
        Err(RunError::Source(e)) => {
            assert!(e.pos.line >= 1 || e.message.contains("too"), "{e:?}");
            false
        }
        Err(RunError::Settings(s)) => panic!("settings refused: {s}"),
    }
}

const TOKENS: &[&str] = &[
    "x",
    "y",
    "f",
    "t",
    "lock",
    " = ",
    " + ",
    " * ",
    " // ",
    " % ",
    " ** ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "\n",
    "    ",
    "def ",
    "return ",
    "yield ",
    "class ",
    "if ",
    "else",
    "while ",
    "for ",
    " in ",
    "try",
    "except",
    "finally",
    "with ",
    "lambda ",
    "not ",
    " and ",
    "0",
    "1",
    "-1",
    "2.5",
    "'s'",
    "f'{x}'",
    "None",
    "True",
    "import threading",
    "threading.Thread",
    "threading.Lock()",
    ".start()",
    ".join()",
    ".acquire()",
    ".release()",
    "range(3)",
    "print",
    "global x",
    "nonlocal x",
    "*",
    "**",
    "raise ",
    "ValueError",
    "async ",
    "await ",
    "del ",
    "assert ",
    "break",
    "continue",
    "pass",
    "@",
    "->",
    "is ",
    "==",
    "<",
    ">=",
    "!",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn mutated_corpus_programs_never_panic(
        pick in 0usize..1000,
        edits in proptest::collection::vec((0usize..100_000, 0u8..4, 0usize..TOKENS.len()), 1..6),
    ) {
        let programs = corpus();
        prop_assume!(!programs.is_empty());
        let mut chars: Vec<char> = programs[pick % programs.len()].chars().collect();
        for (at, kind, tok) in edits {
            if chars.is_empty() {
                break;
            }
            let i = at % chars.len();
            match kind {
                0 => {
                    chars.remove(i);
                }
                1 => {
                    let c = chars[i];
                    chars.insert(i, c);
                }
                2 => {
                    for (k, c) in TOKENS[tok].chars().enumerate() {
                        chars.insert((i + k).min(chars.len()), c);
                    }
                }
                _ => {
                    let j = (at / 7) % chars.len();
                    chars.swap(i, j);
                }
            }
        }
        let src: String = chars.into_iter().collect();
        run_bounded(&src);
    }

    #[test]
    fn token_soup_never_panics(toks in proptest::collection::vec(0usize..TOKENS.len(), 0..60)) {
        let src: String = toks.iter().map(|&t| TOKENS[t]).collect();
        run_bounded(&src);
    }
}

#[test]
fn every_corpus_program_parses_and_runs_within_small_limits() {
    let programs = corpus();
    assert!(programs.len() >= 60);
    for p in &programs {
        let opts = PyOptions::default();
        match interleave_py::compile(p, &opts.filename) {
            Ok(_) => {
                run_bounded(p);
            }
            // `async for` / `async with` are the next level: reported as such, never a
            // syntax error.
            Err(e) => assert_eq!(e.kind, interleave_py::SourceErrorKind::Unsupported, "{e:?}"),
        }
    }
}
