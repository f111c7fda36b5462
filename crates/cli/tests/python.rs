//! `interleave run FILE.py`: a Python program on the simulator, from a file or standard input,
//! in every format; `--format output` prints exactly what the program printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn interleave(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PROGRAM: &str = "import threading\n\ndef work(n):\n    print('worker', n)\n\nts = [threading.Thread(target=work, args=(i,)) for i in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint('done')\n";

#[test]
fn output_format_prints_what_python_prints() {
    let o = interleave(&["run", "-", "--format", "output"], Some(PROGRAM));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "worker 0\nworker 1\ndone\n");
    assert_eq!(text(&o.stderr), "");
}

#[test]
fn text_format_draws_a_lane_per_thread() {
    let dir = std::env::temp_dir().join(format!("interleave-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two_threads.py");
    std::fs::write(&file, PROGRAM).unwrap();
    let o = interleave(&["run", file.to_str().unwrap(), "--python", "3.13t"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.starts_with("two_threads.py (seed 1, 2 cores, Python 3.13t)"),
        "{out}"
    );
    assert!(
        out.contains("Thread-1 (work)") && out.contains("Thread-2 (work)"),
        "{out}"
    );
    let o = interleave(&["run", file.to_str().unwrap(), "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(v["outcome"]["kind"], "completed");
    assert!(v["units"].as_array().unwrap().len() >= 3);
    let o = interleave(&["run", file.to_str().unwrap(), "--format", "chrome"], None);
    assert!(text(&o.stdout).contains("traceEvents"));
}

#[test]
fn an_uncaught_exception_exits_1_with_a_traceback() {
    let o = interleave(
        &["run", "-", "--format", "output"],
        Some("def f():\n    return 1 / 0\nf()\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.starts_with(
            "Traceback (most recent call last):\n  File \"<stdin>\", line 3, in <module>\n"
        ),
        "{err}"
    );
    assert!(
        err.ends_with("ZeroDivisionError: division by zero\n"),
        "{err}"
    );
}

#[test]
fn bad_programs_and_flags_exit_2() {
    let o = interleave(&["run", "-", "--format", "output"], Some("def f(:\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("SyntaxError"),
        "{}",
        text(&o.stderr)
    );
    let o = interleave(&["run", "-"], Some("match 1:\n    case 1:\n        pass\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not supported in the playground: `match"),
        "{}",
        text(&o.stderr)
    );
    let o = interleave(&["run", "-", "--python", "2.7"], Some("print(1)\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--python must be 3.11, 3.9 or 3.13t"));
    let o = interleave(&["run", "missing-file.py"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
}

#[test]
fn a_deadlocked_program_names_its_cycle() {
    let src = "import threading\na = threading.Lock()\na.acquire()\nt = threading.Thread(target=a.acquire)\nt.start()\nt.join()\n";
    let o = interleave(&["run", "-", "--format", "output"], Some(src));
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("deadlock"), "{err}");
}

#[test]
fn same_seed_same_trace() {
    let a = interleave(
        &["run", "-", "--format", "json", "--seed", "9"],
        Some(PROGRAM),
    );
    let b = interleave(
        &["run", "-", "--format", "json", "--seed", "9"],
        Some(PROGRAM),
    );
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn explore_finds_both_outcomes_of_a_race_and_their_replays_reproduce_them() {
    let dir = std::env::temp_dir().join(format!("interleave-py-x-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("race.py");
    std::fs::write(
        &file,
        "import threading, time\ncounter = 0\ndef work():\n    global counter\n    v = counter\n    time.sleep(0)\n    counter = v + 1\nts = [threading.Thread(target=work) for _ in range(2)]\nfor t in ts: t.start()\nfor t in ts: t.join()\nprint('counter', counter)\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let o = interleave(&["explore", path, "--budget", "500"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("every schedule explored"), "{out}");
    assert!(
        out.contains("printed last: counter 1") && out.contains("printed last: counter 2"),
        "{out}"
    );
    for line in out.lines().filter(|l| l.starts_with("replay: ")) {
        let replay = line.split('\'').nth(1).unwrap();
        let o = interleave(
            &["run", path, "--replay", replay, "--format", "output"],
            None,
        );
        let printed = text(&o.stdout);
        assert!(
            printed == "counter 1\n" || printed == "counter 2\n",
            "{printed}"
        );
    }
}

/// Every scenario's program is a real Python file (`catalogue/python/*.py`, runnable as it is
/// with the defaults): each file, and each scenario's program filled with its defaults, is
/// valid Python to the interpreter's parser (the playground may still refuse a construct:
/// `life` needs integers past 64 bits), and filling leaves no parameter marker behind.
#[test]
fn scenario_programs_are_python_files_that_compile() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/src/catalogue/python");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "py") {
            let src = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = interleave_py::compile(&src, "scenario.py")
                && e.kind != interleave_py::SourceErrorKind::Unsupported
            {
                panic!("{}: {}", path.display(), e.render("en"));
            }
            files += 1;
        }
    }
    assert!(
        files >= 25,
        "only {files} program files in {}",
        dir.display()
    );
    for s in interleave_scenarios::catalogue() {
        let src = s.python_program(&s.defaults());
        assert!(!src.contains("# param "), "{}: a marker is left", s.id);
        if let Err(e) = interleave_py::compile(&src, "scenario.py")
            && e.kind != interleave_py::SourceErrorKind::Unsupported
        {
            panic!("{}: {}", s.id, e.render("en"));
        }
    }
}
