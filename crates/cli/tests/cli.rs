//! The `interleave` binary end to end: listing, running in every format, printing Python, and
//! bad input giving status 2 with one line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn interleave(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_json_describes_every_scenario() {
    let o = interleave(&["list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), interleave_scenarios::catalogue().len());
    for s in all {
        assert!(s["id"].is_string());
        assert!(s["title"]["en"].is_string() && s["title"]["zh"].is_string());
        assert!(s["modes"].as_array().is_some_and(|m| !m.is_empty()));
        for p in s["params"].as_array().unwrap() {
            for key in ["name", "kind", "default", "min", "max", "choices", "help"] {
                assert!(p.get(key).is_some(), "param without {key}: {p}");
            }
        }
    }
}

#[test]
fn run_json_has_outcome_metrics_and_result() {
    let o = interleave(&[
        "run",
        "lock-race",
        "--format",
        "json",
        "--set",
        "use_lock=true",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["outcome"]["kind"], "completed");
    assert_eq!(v["result"]["counter"], 20);
    assert!(v["metrics"]["makespan"].as_u64().unwrap() > 0);
    assert!(!v["spans"].as_array().unwrap().is_empty());
}

#[test]
fn run_chrome_is_a_trace_event_document() {
    let o = interleave(&["run", "lock-race", "--format", "chrome"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["traceEvents"].as_array().is_some_and(|e| e.len() > 10));
}

#[test]
fn run_text_writes_to_a_file() {
    let dir = std::env::temp_dir().join(format!("interleave-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.txt");
    let o = interleave(&["run", "lock-race", "--out", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("legend:") && text.contains("outcome: completed"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colours in files");
}

#[test]
fn replay_reproduces_a_run() {
    let first = interleave(&[
        "run",
        "lock-race",
        "--format",
        "json",
        "--seed",
        "9",
        "--gil",
        "off",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    let schedule = v["schedule"].as_str().unwrap().to_string();
    let again = interleave(&[
        "run",
        "lock-race",
        "--format",
        "json",
        "--seed",
        "9",
        "--gil",
        "off",
        "--replay",
        &schedule,
    ]);
    let w: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(v["events"], w["events"]);
    assert_eq!(v["result"], w["result"]);
}

#[test]
fn python_substitutes_parameters() {
    let o = interleave(&[
        "python",
        "lock-race",
        "--set",
        "workers=7",
        "--set",
        "use_lock=true",
    ]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("WORKERS = 7") && text.contains("USE_LOCK = True"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "no-such-scenario"], "unknown scenario"),
        (&["run", "lock-race", "--set", "workers=0"], "from 1 to 64"),
        (&["run", "lock-race", "--set", "workers=many"], "an integer"),
        (
            &["run", "lock-race", "--set", "flavor=fiber"],
            "one of thread, process, asyncio",
        ),
        (
            &["run", "lock-race", "--set", "speed=3"],
            "unknown parameter",
        ),
        (&["run", "lock-race", "--set", "workers"], "name=value"),
        (&["run", "lock-race", "--cores", "0"], "--cores"),
        (&["run", "lock-race", "--cores", "65"], "--cores"),
        (&["run", "lock-race", "--replay", "garbage"], "schedule"),
        (&["run", "lock-race", "--format", "xml"], "invalid value"),
        (&["show", "lock-race", "--lang", "fr"], "en or zh"),
        (&["python", "lock-race", "--set", "delay_ms=-1"], "from 0"),
        (&["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, needle) in cases {
        let o = interleave(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn show_in_both_languages() {
    let en = stdout(&interleave(&["show", "lock-race"]));
    let zh = stdout(&interleave(&["show", "lock-race", "--lang", "zh"]));
    assert!(en.contains("Race condition") && en.contains("Parameters:"));
    assert!(zh.contains("竞态") && zh.contains("参数"));
}

#[test]
fn real_mode_runs_on_threads_and_child_processes() {
    for mode in ["sequential", "threads", "processes"] {
        let o = interleave(&[
            "run",
            "primes",
            "--mode",
            "real",
            "--set",
            "numbers=97,91,1000003",
            "--set",
            &format!("mode={mode}"),
            "--workers",
            "2",
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{mode}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(
            v["result"]["answers"],
            serde_json::json!([true, false, true]),
            "{mode}"
        );
        let lanes = v["units"].as_array().unwrap().len();
        assert_eq!(lanes, if mode == "sequential" { 2 } else { 3 }, "{mode}");
    }
    let o = interleave(&[
        "run",
        "factorize",
        "--mode",
        "real",
        "--set",
        "numbers=12",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["result"]["answers"],
        serde_json::json!([[1, 2, 3, 4, 6, 12]])
    );
    let o = interleave(&[
        "run",
        "lock-race",
        "--mode",
        "real",
        "--set",
        "use_lock=true",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["result"]["lost"], 0);
}

#[test]
fn real_mode_bad_input_exits_2() {
    for (args, needle) in [
        (&["run", "rlock", "--mode", "real"][..], "no real mode"),
        (
            &["run", "primes", "--mode", "real", "--kernel", "magic"][..],
            "kernel must be",
        ),
        (
            &["run", "primes", "--mode", "real", "--workers", "0"][..],
            "--workers",
        ),
        (&["bench", "rlock"][..], "no benchmark"),
    ] {
        let o = interleave(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn explore_finds_the_philosophers_deadlock_and_its_replay_reproduces_it() {
    let args = [
        "--set",
        "n=3",
        "--set",
        "meals=1",
        "--set",
        "pause_ms=0",
        "--set",
        "think_ms=0",
        "--set",
        "eat_ms=0",
    ];
    let mut cmd = vec![
        "explore",
        "philosophers",
        "--budget",
        "3000",
        "--format",
        "json",
    ];
    cmd.extend(args);
    let o = interleave(&cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let failing: Vec<&serde_json::Value> = v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["failing"] == true)
        .collect();
    assert!(!failing.is_empty(), "{v}");
    let dead = failing[0];
    assert!(dead["label"].as_str().unwrap().starts_with("deadlock"));
    let schedule = dead["shortest"]["schedule"].as_str().unwrap().to_string();
    let seed = dead["shortest"]["seed"].to_string();
    let mut run = vec![
        "run",
        "philosophers",
        "--seed",
        &seed,
        "--replay",
        &schedule,
        "--format",
        "json",
    ];
    run.extend(args);
    let r: serde_json::Value = serde_json::from_str(&stdout(&interleave(&run))).unwrap();
    assert_eq!(r["outcome"]["kind"], "deadlock");
    let text = stdout(&interleave(&["explore", "rlock", "--set", "lock=lock"]));
    assert!(
        text.contains("FAIL") && text.contains("replay: interleave run rlock --set lock=lock"),
        "{text}"
    );
}

#[test]
fn list_marks_the_scenarios_with_a_real_mode() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&interleave(&["list", "--json"]))).unwrap();
    let real: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["modes"].as_array().unwrap().iter().any(|m| m == "real"))
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(real, ["lock-race", "primes", "factorize", "life"]);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // `interleave list | head -1`: the reader goes away; the writer must not panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["show", "primes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{:?} {err}", out.status);
}

#[test]
fn explore_with_dpor_finds_the_lost_update() {
    let o = interleave(&[
        "explore",
        "lock-race",
        "--set",
        "workers=2",
        "--set",
        "increments=1",
        "--set",
        "variant=inplace",
        "--gil",
        "off",
        "--cores",
        "1",
        "--strategy",
        "dpor",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("every schedule explored"), "{text}");
    assert!(text.contains("FAIL") && text.contains("lost=1"), "{text}");
    assert!(text.contains("lost=0"), "{text}");
}

#[test]
fn explore_stops_at_its_time_budget() {
    let start = std::time::Instant::now();
    let o = interleave(&[
        "explore",
        "lock-race",
        "--set",
        "variant=inplace",
        "--set",
        "workers=3",
        "--set",
        "increments=3",
        "--gil",
        "off",
        "--cores",
        "1",
        "--budget",
        "100000000",
        "--time",
        "0.5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(start.elapsed().as_secs_f64() < 30.0);
    assert!(stdout(&o).contains("not exhaustive"), "{}", stdout(&o));
    assert!(stderr(&o).contains("time budget used up"), "{}", stderr(&o));
    let bad = interleave(&["explore", "lock-race", "--time", "-1"]);
    assert_eq!(bad.status.code(), Some(2));
}
