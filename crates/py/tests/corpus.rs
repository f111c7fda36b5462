//! The corpus: every program in `tests/corpus/` runs under the interpreter and must print
//! exactly what CPython 3.11 printed: stdout and stderr byte for byte (tracebacks with their
//! `~~^~~` marker lines), and the exit code. Programs that need a level not built yet are listed in `PENDING` with the
//! reason; the test also checks that they still fail, so the list cannot go stale.

use std::path::Path;

use interleave_py::{PyOptions, run_program};
use interleave_sim::SchedulerKind;

/// Programs that need what the interpreter does not have yet, with the reason.
const PENDING: &[(&str, &str)] = &[
    (
        "066_async_queue",
        "CPython's loop moves every timer due by the time it wakes (c1's sleep ends a few µs \
         after c0's) to the ready queue before the woken putter; the simulator fires each \
         timer at its exact time, so the producer runs before c1",
    ),
    ("079_collections", "namedtuple is not a tuple subclass"),
];

struct Outcome {
    name: String,
    ok: bool,
    why: String,
}

fn check(path: &Path) -> Outcome {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let src = std::fs::read_to_string(path).unwrap_or_default();
    let expect = |ext: &str| std::fs::read_to_string(path.with_extension(ext)).ok();
    let want_out = expect("out").unwrap_or_default();
    let want_err = expect("err").unwrap_or_default();
    let want_code: i32 = expect("code")
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    let opts = PyOptions {
        filename: format!("{name}.py"),
        seed: 1,
        ..PyOptions::default()
    };
    let r = match run_program(&src, &opts, opts.machine(), &SchedulerKind::Random) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                name,
                ok: false,
                why: format!("did not run: {e:?}"),
            };
        }
    };
    let mut why = String::new();
    if r.stdout != want_out {
        why.push_str(&format!(
            "stdout differs:\n--- got\n{}--- want\n{}",
            r.stdout, want_out
        ));
    }
    if r.stderr != want_err {
        why.push_str(&format!(
            "stderr differs:\n--- got\n{}--- want\n{}",
            r.stderr, want_err
        ));
    }
    if r.exit_code != want_code {
        why.push_str(&format!("exit code {} (want {want_code})\n", r.exit_code));
    }
    Outcome {
        name,
        ok: why.is_empty(),
        why,
    }
}

#[test]
fn corpus_matches_cpython() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut programs: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "py")
                && p.file_name().is_some_and(|n| n != "expect.py")
        })
        .collect();
    programs.sort();
    assert!(
        programs.len() >= 60,
        "the corpus has {} programs",
        programs.len()
    );
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let mut passed = 0;
    for p in &programs {
        let o = check(p);
        let pending = PENDING.iter().any(|(n, _)| *n == o.name);
        match (o.ok, pending) {
            (true, false) => passed += 1,
            (true, true) => stale.push(o.name),
            (false, false) => failures.push(format!("{}:\n{}", o.name, o.why)),
            (false, true) => {}
        }
    }
    println!(
        "corpus: {passed} match CPython, {} pending, of {}",
        PENDING.len(),
        programs.len()
    );
    assert!(
        stale.is_empty(),
        "these now match CPython: remove them from PENDING: {stale:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
