//! What a run of a program records beyond its output: events carry the program's source line
//! (the editor marks each thread's line with it), lines inside the standard library's Python
//! are reported at the user's call, and the clock reads do not cost a scheduling step.

use interleave_py::{PyOptions, RunResult, run_program};
use interleave_sim::{EventKind, SchedulerKind};

fn run(src: &str) -> RunResult {
    let opts = PyOptions::default();
    match run_program(src, &opts, opts.machine(), &SchedulerKind::Fifo) {
        Ok(r) => r,
        Err(e) => panic!("{e:?}"),
    }
}

const PROGRAM: &str = "import threading
lock = threading.Lock()

def work():
    with lock:
        pass

t = threading.Thread(target=work)
t.start()
t.join()
";

#[test]
fn events_carry_the_line_of_the_program_that_caused_them() {
    let r = run(PROGRAM);
    let t = &r.trace;
    let line_of = |kind: EventKind| {
        t.events
            .iter()
            .enumerate()
            .find(|(_, e)| e.kind == kind)
            .and_then(|(i, _)| t.line(i))
    };
    assert_eq!(
        line_of(EventKind::Acquire),
        Some(5),
        "the `with lock:` line"
    );
    // join() is Python in the playground's threading module: its event is still placed at
    // the user's line.
    assert_eq!(line_of(EventKind::Join), Some(10));
}

#[test]
fn a_busy_wait_on_the_clock_is_cpu_time_not_scheduling_steps() {
    let r = run(
        "import time\nend = time.perf_counter() + 0.01\nn = 0\nwhile time.perf_counter() < end:\n    n += 1\nprint(n > 1000)\n",
    );
    assert_eq!(r.stdout, "True\n");
    assert!(
        r.trace.metrics.steps < 2_000,
        "{} steps",
        r.trace.metrics.steps
    );
    assert!(r.trace.metrics.makespan >= 10_000_000);
}

const COUNTER: &str = "import threading
counter = 0
lock = threading.Lock()

def work(locked):
    global counter
    for _ in range(200):
        if locked:
            with lock:
                counter += 1
        else:
            counter += 1

ts = [threading.Thread(target=work, args=(LOCKED,)) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(counter)
";

fn races_in(src: &str) -> Vec<(String, Option<u32>)> {
    let r = run(src);
    interleave_sim::races::find(&r.trace, 10)
        .iter()
        .map(|race| {
            (
                r.trace.obj_name(race.obj).to_string(),
                r.trace.line(race.second.event),
            )
        })
        .collect()
}

#[test]
fn unsynchronised_updates_of_a_global_are_a_data_race_at_their_line() {
    let races = races_in(&COUNTER.replace("LOCKED", "False"));
    assert!(!races.is_empty(), "no race found");
    assert!(
        races
            .iter()
            .all(|(name, line)| name == "counter" && *line == Some(12)),
        "{races:?}"
    );
}

#[test]
fn the_same_updates_under_a_lock_are_no_race() {
    assert_eq!(races_in(&COUNTER.replace("LOCKED", "True")), vec![]);
}

#[test]
fn attributes_of_a_shared_object_and_list_items_are_tracked_too() {
    let src = "import threading
class Account:
    def __init__(self):
        self.balance = 0
acct = Account()
log = []
def deposit():
    for _ in range(100):
        acct.balance = acct.balance + 1
        log.append(1)
        log[0] = 0
ts = [threading.Thread(target=deposit) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
";
    let names: Vec<String> = races_in(src).into_iter().map(|r| r.0).collect();
    assert!(names.iter().any(|n| n == "Account.balance"), "{names:?}");
    assert!(names.iter().any(|n| n == "list items"), "{names:?}");
}

#[test]
fn a_program_with_one_thread_notes_no_accesses() {
    let r = run("x = 0\nfor i in range(100):\n    x += i\nprint(x)\n");
    assert!(
        !r.trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Read | EventKind::Write)),
        "a single thread cannot race"
    );
}

#[test]
fn processes_work_on_copies_so_they_do_not_race() {
    let src = "import multiprocessing as mp
import threading
n = 0
def work():
    global n
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    for _ in range(50):
        n += 1
if __name__ == '__main__':
    ps = [mp.Process(target=work) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
";
    assert_eq!(races_in(src), vec![]);
}
