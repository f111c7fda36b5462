//! Partial-order reduction is sound: on random small programs, DPOR reaches exactly the
//! outcomes plain depth-first search reaches, in no more runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::rc::Rc;

use interleave_sim::explore::{Config, Report, Strategy as Search, default_label, explore};
use interleave_sim::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Read(usize),
    Write(usize, i64),
    /// `v += 1` as a separate read and write.
    Incr(usize),
    /// `with locks[k]: body`
    Critical(usize, Vec<Op>),
    Set,
    Wait,
    Put(i64),
    Get,
    Acquire,
    Release,
    /// `time.sleep(ms)`: a timer wakes the unit (time advances only when nothing can run).
    Sleep(u64),
    /// `event.wait(timeout=ms)`: woken by `set` or by its timer.
    WaitFor(u64),
}

fn leaf() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..2).prop_map(Op::Read),
        3 => ((0usize..2), 1i64..4).prop_map(|(v, x)| Op::Write(v, x)),
        4 => (0usize..2).prop_map(Op::Incr),
        1 => Just(Op::Set),
        1 => Just(Op::Wait),
        1 => (1i64..3).prop_map(Op::Put),
        1 => Just(Op::Get),
        1 => Just(Op::Acquire),
        1 => Just(Op::Release),
        1 => (1u64..3).prop_map(Op::Sleep),
        1 => (1u64..3).prop_map(Op::WaitFor),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    leaf().prop_recursive(1, 6, 3, |inner| {
        ((0usize..2), prop::collection::vec(inner, 1..3)).prop_map(|(k, b)| Op::Critical(k, b))
    })
}

#[derive(Clone, Copy)]
struct Objs {
    locks: [Lock; 2],
    vars: [Var; 2],
    ev: Event,
    q: Queue,
    sem: Semaphore,
}

fn exec<'a>(
    cx: &'a Ctx,
    o: Objs,
    ops: &'a [Op],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<()>> + 'a>> {
    Box::pin(async move {
        for op in ops {
            match op {
                Op::Read(v) => {
                    o.vars[*v].read(cx).await?;
                }
                Op::Write(v, x) => o.vars[*v].write(cx, *x).await?,
                Op::Incr(v) => {
                    let x = o.vars[*v].read_int(cx).await?;
                    o.vars[*v].write(cx, x + 1).await?;
                }
                Op::Critical(k, body) => {
                    o.locks[*k].acquire(cx).await?;
                    exec(cx, o, body).await?;
                    o.locks[*k].release(cx).await?;
                }
                Op::Set => o.ev.set(cx).await?,
                Op::Wait => {
                    o.ev.wait(cx).await?;
                }
                Op::Put(x) => o.q.put(cx, *x).await?,
                Op::Get => {
                    o.q.get(cx).await?;
                }
                Op::Acquire => {
                    o.sem.acquire(cx).await?;
                }
                Op::Release => o.sem.release(cx).await?,
                Op::Sleep(t) => cx.sleep(ms(*t)).await?,
                Op::WaitFor(t) => {
                    o.ev.wait_timeout(cx, ms(*t)).await?;
                }
            }
        }
        Ok(())
    })
}

/// With `gated`, every thread first waits for a `go` event that main sets once all are
/// started; without, each thread starts running while main is still starting the next.
fn program(threads: Rc<Vec<Vec<Op>>>, gated: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        let o = Objs {
            locks: [cx.lock("L0"), cx.lock("L1")],
            vars: [cx.var("v0", 0), cx.var("v1", 0)],
            ev: cx.event("E"),
            q: cx.queue("Q", 1),
            sem: cx.new_semaphore(Flavor::Threading, "S", 1, true)?,
        };
        let go = cx.event("go");
        let mut hs = Vec::new();
        for i in 0..threads.len() {
            let threads = Rc::clone(&threads);
            let body = Program::new(move |cx: Ctx| async move {
                if gated {
                    go.wait(&cx).await?;
                }
                exec(&cx, o, &threads[i]).await
            });
            hs.push(cx.spawn_thread(&format!("T{i}"), body).await?);
        }
        if gated {
            go.set(&cx).await?;
        }
        for h in hs {
            h.join(&cx).await?;
        }
        let a = o.vars[0].read(&cx).await?;
        let b = o.vars[1].read(&cx).await?;
        cx.set_result("v0", a).await?;
        cx.set_result("v1", b).await
    })
}

fn one_core() -> Machine {
    let mut m = Machine {
        cores: 1,
        gil: false,
        ..Machine::default()
    };
    m.limits.max_steps = 10_000;
    // No spawn cost: thread starts are then pure steps, with no timer in between.
    m.costs.thread_spawn = 0;
    m
}

fn search(threads: &Rc<Vec<Vec<Op>>>, gated: bool, strategy: Search, budget: u64) -> Report {
    let t = Rc::clone(threads);
    let build = move || program(Rc::clone(&t), gated);
    let cfg = Config {
        strategy,
        max_preemptions: None,
        budget,
        seed: 1,
    };
    explore(&one_core(), &build, &default_label, &cfg).unwrap()
}

fn labels(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.label.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn dpor_reaches_exactly_the_outcomes_of_plain_dfs(
        threads in prop::collection::vec(prop::collection::vec(op(), 1..3), 2..4),
        gated in any::<bool>(),
    ) {
        let threads = Rc::new(threads);
        let full = search(&threads, gated, Search::Dfs, 5_000);
        prop_assume!(full.exhausted);
        let reduced = search(&threads, gated, Search::Dpor, 5_000);
        prop_assert!(reduced.exhausted);
        prop_assert_eq!(labels(&reduced), labels(&full), "{:?}", threads);
        prop_assert!(reduced.runs <= full.runs, "{} > {}", reduced.runs, full.runs);
    }
}

#[test]
fn dpor_explores_far_fewer_runs_on_the_classic_counters() {
    // Two threads, two unprotected increments each: every final value from 2 to 4.
    let racy = Rc::new(vec![vec![Op::Incr(0), Op::Incr(0)]; 2]);
    let full = search(&racy, true, Search::Dfs, 1_000_000);
    let reduced = search(&racy, true, Search::Dpor, 1_000_000);
    assert!(full.exhausted && reduced.exhausted);
    assert_eq!(labels(&full), labels(&reduced));
    assert_eq!(labels(&reduced).len(), 3, "{:?}", labels(&reduced));
    assert!(
        reduced.runs * 2 < full.runs,
        "{} vs {}",
        reduced.runs,
        full.runs
    );
    // Three threads, one locked increment each: always 3.
    let locked = Rc::new(vec![vec![Op::Critical(0, vec![Op::Incr(0)])]; 3]);
    let reduced = search(&locked, true, Search::Dpor, 1_000_000);
    assert!(reduced.exhausted);
    assert_eq!(labels(&reduced).len(), 1);
}

#[test]
fn threads_that_start_running_at_once_still_race() {
    // Without a start gate, thread 0 runs while main starts thread 1: every lost update must
    // still be found (a thread's first step inherits its starter's clock, not more).
    let racy = Rc::new(vec![vec![Op::Incr(0), Op::Incr(0)]; 2]);
    let full = search(&racy, false, Search::Dfs, 1_000_000);
    let reduced = search(&racy, false, Search::Dpor, 1_000_000);
    assert!(full.exhausted && reduced.exhausted);
    assert_eq!(labels(&full), labels(&reduced));
    assert_eq!(labels(&reduced).len(), 3, "{:?}", labels(&reduced));
}
