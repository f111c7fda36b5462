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
    assert_eq!(line_of(EventKind::Acquire), Some(5), "the `with lock:` line");
    // join() is Python in the playground's threading module: its event is still placed at
    // the user's line.
    assert_eq!(line_of(EventKind::Join), Some(10));
}

#[test]
fn a_busy_wait_on_the_clock_is_cpu_time_not_scheduling_steps() {
    let r = run("import time\nend = time.perf_counter() + 0.01\nn = 0\nwhile time.perf_counter() < end:\n    n += 1\nprint(n > 1000)\n");
    assert_eq!(r.stdout, "True\n");
    assert!(r.trace.metrics.steps < 2_000, "{} steps", r.trace.metrics.steps);
    assert!(r.trace.metrics.makespan >= 10_000_000);
}
