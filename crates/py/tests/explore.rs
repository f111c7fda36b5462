//! The explorer on Python programs: partial-order reduction (DPOR) reaches exactly the
//! outcomes plain depth-first search does, under each Python model. Under a GIL every thread
//! waits for the GIL rather than for another thread, so who gets it next is the choice.

use std::cell::RefCell;
use std::collections::BTreeSet;

use interleave_py::{Model, PyOptions, RunOutput, compile};
use interleave_sim::Trace;
use interleave_sim::explore::{Config, Strategy, explore_observed};

/// The outcomes (what the program printed, and lost wakeups) over every schedule, and the
/// number of runs it took.
fn outcomes(src: &str, model: Model, strategy: Strategy) -> (BTreeSet<String>, u64) {
    let compiled = compile(src, "test.py").unwrap_or_else(|e| panic!("{e:?}"));
    let opts = PyOptions {
        model,
        ..PyOptions::default()
    };
    let printed: RefCell<Option<RunOutput>> = RefCell::default();
    let build = || {
        let (program, out) = compiled.program(&opts);
        printed.replace(Some(out));
        program
    };
    let label = |t: &Trace| {
        let out = printed.borrow();
        let console = out.as_ref().map(|o| o.console.borrow().clone());
        let stdout = console.map(|c| c.stdout).unwrap_or_default();
        (format!("{stdout} lost={}", t.lost_wakeups.len()), false)
    };
    let cfg = Config {
        strategy,
        max_preemptions: None,
        budget: 20_000,
        seed: 1,
    };
    let report = explore_observed(&opts.machine(), &build, &label, &cfg, &mut |_| true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.exhausted, "{strategy:?}: {} runs", report.runs);
    let labels = report.outcomes.into_iter().map(|o| o.label).collect();
    (labels, report.runs)
}

const CHECK_THEN_ACT: &str = "import threading, time
balance = 100
def withdraw(amount):
    global balance
    if balance >= amount:
        time.sleep(0)
        balance -= amount
ts = [threading.Thread(target=withdraw, args=(80,)) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(balance)
";

const LOST_UPDATE: &str = "import threading, time
counter = 0
def work():
    global counter
    for _ in range(2):
        v = counter
        time.sleep(0)
        counter = v + 1
ts = [threading.Thread(target=work) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(counter)
";

const NOTIFY_ONE: &str = "import threading
items = []
cond = threading.Condition()
def producer():
    with cond:
        while len(items) >= 1:
            cond.wait()
        items.append(1)
        cond.notify()
def consumer():
    with cond:
        while not items:
            cond.wait()
        items.pop()
        cond.notify()
ts = [threading.Thread(target=f) for f in (producer, producer, consumer, consumer)]
for t in ts: t.start()
for t in ts: t.join()
print('done')
";

#[test]
fn dpor_reaches_exactly_the_outcomes_of_dfs_on_python_programs() {
    for (name, src) in [
        ("check-then-act", CHECK_THEN_ACT),
        ("lost update", LOST_UPDATE),
        ("notify one", NOTIFY_ONE),
    ] {
        for model in [Model::Py311, Model::Py39, Model::Py313t] {
            let (dfs, dfs_runs) = outcomes(src, model, Strategy::Dfs);
            let (dpor, dpor_runs) = outcomes(src, model, Strategy::Dpor);
            assert_eq!(dpor, dfs, "{name} on {model:?}");
            assert!(dpor_runs <= dfs_runs, "{name} on {model:?}");
        }
    }
    // The races are really there to find.
    let (found, _) = outcomes(CHECK_THEN_ACT, Model::Py311, Strategy::Dpor);
    assert!(found.len() >= 2, "{found:?}");
    let (found, _) = outcomes(LOST_UPDATE, Model::Py311, Strategy::Dpor);
    assert!(found.iter().any(|o| o.starts_with("2\n")), "{found:?}");
}
