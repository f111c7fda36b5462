//! Where the GIL changes hands, per Python model: CPython 3.10+ switches only at eval-breaker
//! points (so `counter += 1` never loses an update, but a `time.sleep(0)` between the read and
//! the write does), 3.9 may switch before any instruction, and free-threaded 3.13t runs the
//! threads at once.

use interleave_py::{Model, PyOptions, RunResult, run_program};
use interleave_sim::{SchedulerKind, Value};

fn run(src: &str, model: Model, seed: u64) -> RunResult {
    let opts = PyOptions {
        model,
        seed,
        ..PyOptions::default()
    };
    match run_program(src, &opts, opts.machine(), &SchedulerKind::Random) {
        Ok(r) => r,
        Err(e) => panic!("{e:?}"),
    }
}

const INPLACE: &str = r#"
import threading
counter = 0
def work():
    global counter
    for _ in range(20000):
        counter += 1
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter)
"#;

fn printed_int(r: &RunResult) -> i64 {
    r.stdout.trim().parse().unwrap_or(-1)
}

#[test]
fn inplace_add_never_loses_on_311() {
    for seed in 1..=4 {
        let r = run(INPLACE, Model::Py311, seed);
        assert_eq!(printed_int(&r), 80000, "seed {seed}: {}", r.stderr);
    }
}

#[test]
fn inplace_add_loses_on_free_threaded() {
    for seed in 1..=2 {
        let n = printed_int(&run(INPLACE, Model::Py313t, seed));
        assert!((20000..80000).contains(&n), "seed {seed}: {n}");
    }
}

#[test]
fn inplace_add_loses_on_39_once_threads_outlive_a_switch_interval() {
    // Each thread runs for several 5 ms switch intervals, so the GIL changes hands mid-loop;
    // on 3.9 a hand-over may fall between the read and the write of `counter += 1`.
    let src = INPLACE
        .replace("range(20000)", "range(200000)")
        .replace("range(4)", "range(2)");
    let results: Vec<i64> = (1..=2)
        .map(|seed| printed_int(&run(&src, Model::Py39, seed)))
        .collect();
    assert!(
        results.iter().all(|n| (200_000..=400_000).contains(n)),
        "{results:?}"
    );
    assert!(results.iter().any(|n| *n < 400_000), "{results:?}");
    let exact = printed_int(&run(&src, Model::Py311, 1));
    assert_eq!(exact, 400_000);
}

#[test]
fn sleep_zero_between_read_and_write_loses_on_311() {
    let src = r#"
import threading, time
counter = 0
def work():
    global counter
    for _ in range(200):
        v = counter
        time.sleep(0)
        counter = v + 1
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(counter)
"#;
    let n = printed_int(&run(src, Model::Py311, 1));
    assert!((200..800).contains(&n), "{n}");
}

#[test]
fn a_lock_keeps_every_update_on_every_model() {
    let src = r#"
import threading
counter = 0
lock = threading.Lock()
def work():
    global counter
    for _ in range(3000):
        with lock:
            counter += 1
threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads: t.start()
for t in threads: t.join()
print(counter)
"#;
    for model in [Model::Py311, Model::Py39, Model::Py313t] {
        assert_eq!(printed_int(&run(src, model, 2)), 9000, "{model:?}");
    }
}

#[test]
fn threads_are_units_named_as_python_names_them() {
    let src = r#"
import threading
def work(): pass
t = threading.Thread(target=work)
u = threading.Thread(target=work, name="reader")
t.start(); u.start(); t.join(); u.join()
print(threading.current_thread().name, t.name, u.name)
"#;
    let r = run(src, Model::Py311, 1);
    assert_eq!(r.stdout, "MainThread Thread-1 (work) reader\n");
    let names: Vec<&str> = r.trace.units.iter().map(|u| u.name.as_str()).collect();
    assert!(names.contains(&"Thread-1 (work)"), "{names:?}");
    assert!(names.contains(&"reader"), "{names:?}");
}

#[test]
fn cpu_bound_threads_serialise_under_the_gil_but_not_free_threaded() {
    let src = r#"
import threading
def spin():
    x = 0
    for i in range(30000):
        x += i
threads = [threading.Thread(target=spin) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
"#;
    let gil = run(src, Model::Py311, 1).trace.metrics.makespan;
    let free = run(src, Model::Py313t, 1).trace.metrics.makespan;
    let ratio = gil as f64 / free as f64;
    assert!(
        (1.6..2.4).contains(&ratio),
        "GIL {gil} ns vs free {free} ns: {ratio}"
    );
}

#[test]
fn sleeping_threads_overlap() {
    let src = r#"
import threading, time
ts = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(5)]
for t in ts: t.start()
for t in ts: t.join()
"#;
    let r = run(src, Model::Py311, 1);
    let secs = r.trace.metrics.makespan as f64 / 1e9;
    assert!((1.0..1.1).contains(&secs), "{secs}");
    assert_eq!(r.trace.result.get("x"), None::<&Value>);
}
