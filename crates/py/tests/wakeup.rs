//! Lost wakeups in Python programs: a waiter still blocked on a condition or event when the
//! run ends, although what it waits for (the test of the `while` loop around a bare
//! `x.wait()`, or the predicate of `wait_for`) already holds.

use std::cell::RefCell;

use interleave_py::{PyOptions, RunResult, compile, run_program};
use interleave_sim::explore::{Config, Strategy, explore_observed};
use interleave_sim::{SchedulerKind, Trace};

/// Every schedule of `src` (up to the order of independent steps): the lost wakeups of each run, as "unit: what".
fn lost_wakeups_over_all_schedules(src: &str) -> Vec<Vec<String>> {
    let compiled = compile(src, "test.py").unwrap_or_else(|e| panic!("{e:?}"));
    let opts = PyOptions::default();
    let seen: RefCell<Vec<Vec<String>>> = RefCell::default();
    let label = |t: &Trace| {
        seen.borrow_mut().push(
            t.lost_wakeups
                .iter()
                .map(|l| format!("{}: {}", t.unit_name(l.unit), l.waits_for))
                .collect(),
        );
        (String::new(), false)
    };
    let cfg = Config {
        strategy: Strategy::Dpor,
        max_preemptions: None,
        budget: 20_000,
        seed: 1,
    };
    let report = explore_observed(
        &opts.machine(),
        &|| compiled.program(&opts).0,
        &label,
        &cfg,
        &mut |_| true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.exhausted, "{} runs", report.runs);
    seen.into_inner()
}

fn run(src: &str) -> RunResult {
    let opts = PyOptions::default();
    run_program(src, &opts, opts.machine(), &SchedulerKind::Fifo)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// Two producers and two consumers on one condition and a one-slot buffer.
fn buffer(wait_producer: &str, wait_consumer: &str, wake: &str) -> String {
    format!(
        "import threading
items = []
cond = threading.Condition()

def producer(n):
    for i in range(n):
        with cond:
{wait_producer}
            items.append(i)
            cond.{wake}()

def consumer(n):
    for _ in range(n):
        with cond:
{wait_consumer}
            items.pop()
            cond.{wake}()

ts = [threading.Thread(target=producer, args=(2,)) for _ in range(2)]
ts += [threading.Thread(target=consumer, args=(2,)) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print('done')
"
    )
}

const WHILE_PRODUCER: &str = "            while len(items) >= 1:\n                cond.wait()";
const WHILE_CONSUMER: &str = "            while not items:\n                cond.wait()";

#[test]
fn notify_to_the_wrong_kind_of_waiter_is_a_lost_wakeup_naming_the_loop_test() {
    let runs = lost_wakeups_over_all_schedules(&buffer(WHILE_PRODUCER, WHILE_CONSUMER, "notify"));
    let all: Vec<&String> = runs.iter().flatten().collect();
    assert!(
        all.iter().any(|l| l.ends_with("(consumer): items")),
        "a consumer waits for `items`: {all:?}"
    );
    assert!(
        all.iter()
            .any(|l| l.ends_with("(producer): not (len(items) >= 1)")),
        "a producer waits for the negated test: {all:?}"
    );
    assert!(
        runs.iter().any(Vec::is_empty),
        "some schedules get lucky and complete"
    );
}

#[test]
fn with_notify_all_no_schedule_loses_a_wakeup() {
    let runs =
        lost_wakeups_over_all_schedules(&buffer(WHILE_PRODUCER, WHILE_CONSUMER, "notify_all"));
    assert!(runs.len() > 10, "{} runs", runs.len());
    assert!(runs.iter().all(Vec::is_empty), "{runs:?}");
}

#[test]
fn wait_for_declares_its_predicate() {
    let runs = lost_wakeups_over_all_schedules(&buffer(
        "            cond.wait_for(lambda: len(items) < 1)",
        "            cond.wait_for(lambda: items)",
        "notify",
    ));
    let all: Vec<&String> = runs.iter().flatten().collect();
    assert!(
        all.iter()
            .any(|l| l.ends_with("wait_for(consumer.<locals>.<lambda>) to be true")),
        "{all:?}"
    );
}

#[test]
fn asyncio_conditions_lose_wakeups_the_same_way() {
    let r = run("import asyncio
items = []

async def producer(cond, n):
    for i in range(n):
        async with cond:
            while len(items) >= 1:
                await cond.wait()
            items.append(i)
            cond.notify()

async def consumer(cond, n):
    for _ in range(n):
        async with cond:
            await cond.wait_for(lambda: items)
            items.pop()
            cond.notify()

async def main():
    cond = asyncio.Condition()
    tasks = [asyncio.create_task(producer(cond, 3)) for _ in range(2)]
    tasks += [asyncio.create_task(consumer(cond, 3)) for _ in range(2)]
    await asyncio.gather(*tasks)

asyncio.run(main())
");
    let names: Vec<String> = r
        .trace
        .lost_wakeups
        .iter()
        .map(|l| format!("{}: {}", r.trace.unit_name(l.unit), l.waits_for))
        .collect();
    assert!(!names.is_empty(), "the consumers starve: {}", r.stderr);
    assert!(
        names.iter().all(|n| n.contains("wait_for(consumer")),
        "only consumers, by their predicate: {names:?}"
    );
}

#[test]
fn a_declaration_ends_with_its_statement() {
    // The loop's test holds at the end, but the thread is stuck at a later, bare wait: that
    // wait declared nothing, so no wake-up was lost.
    let r = run("import threading
ready = threading.Event()
never = threading.Event()
done = False

def work():
    while not done:
        ready.wait()
    never.wait()

t = threading.Thread(target=work)
t.start()
done = True
ready.set()
t.join()
");
    assert!(
        matches!(r.trace.outcome, interleave_sim::Outcome::Deadlock { .. }),
        "{:?}",
        r.trace.outcome
    );
    assert!(
        r.trace.lost_wakeups.is_empty(),
        "{:?}",
        r.trace.lost_wakeups
    );
}

/// A waiter on `cond` whose loop tests `check()`; nobody ever notifies it.
fn stuck_on(check: &str) -> RunResult {
    run(&format!(
        "import threading
cond = threading.Condition()
calls = 0
{check}
def work():
    with cond:
        while not check():
            cond.wait()

threading.Thread(target=work).start()
"
    ))
}

#[test]
fn the_simulator_evaluates_a_predicate_when_the_run_ends() {
    // False while the thread checks it, true when the simulator looks.
    let r = stuck_on("def check():\n    global calls\n    calls += 1\n    return calls > 1\n");
    assert_eq!(r.trace.lost_wakeups.len(), 1, "{:?}", r.trace.outcome);
    assert_eq!(r.trace.lost_wakeups[0].waits_for, "check()");
}

#[test]
fn a_predicate_that_prints_blocks_or_runs_away_holds_not() {
    let printing = stuck_on(
        "def check():\n    global calls\n    calls += 1\n    print('checked', calls)\n    return calls > 1\n",
    );
    assert_eq!(printing.stdout, "checked 1\n", "the look printed nothing");
    assert!(printing.trace.lost_wakeups.is_empty());
    let blocking = stuck_on(
        "import time\ndef check():\n    global calls\n    calls += 1\n    if calls > 1:\n        time.sleep(1)\n    return calls > 1\n",
    );
    assert!(blocking.trace.lost_wakeups.is_empty());
    let runaway = stuck_on(
        "def check():\n    global calls\n    calls += 1\n    while calls > 1:\n        pass\n    return True\n",
    );
    assert!(runaway.trace.lost_wakeups.is_empty());
    assert!(runaway.stderr.is_empty(), "{}", runaway.stderr);
}
