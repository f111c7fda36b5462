//! Property tests over random small programs: the simulator never panics, always ends within
//! its limits, never lets two units hold one lock, keeps every bounded semaphore within
//! `0..=bound`, and is deterministic; footprint recording and FIFO's fast path change no run.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::rc::Rc;

use interleave_sim::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Compute(u64),
    Sleep(u64),
    Io(u64),
    Read(usize),
    Write(usize, i64),
    /// `with locks[k]: body`
    Critical(usize, Vec<Step>),
    /// `with sem: body`
    Permit(Vec<Step>),
    /// An unpaired `sem.release()` (a ValueError when it would exceed the bound).
    ExtraRelease,
    /// An unpaired `locks[k].release()` (a RuntimeError when unlocked).
    StrayRelease(usize),
    Put(i64),
    GetTimeout(u64),
    Set,
    Clear,
    WaitTimeout(u64),
    Notify,
    CondWaitTimeout(u64),
}

fn leaf() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u64..50).prop_map(Step::Compute),
        (0u64..50).prop_map(Step::Sleep),
        (1u64..50).prop_map(Step::Io),
        (0usize..2).prop_map(Step::Read),
        ((0usize..2), -5i64..5).prop_map(|(v, x)| Step::Write(v, x)),
        Just(Step::ExtraRelease),
        (0usize..2).prop_map(Step::StrayRelease),
        (0i64..10).prop_map(Step::Put),
        (0u64..40).prop_map(Step::GetTimeout),
        Just(Step::Set),
        Just(Step::Clear),
        (0u64..40).prop_map(Step::WaitTimeout),
        Just(Step::Notify),
        (0u64..40).prop_map(Step::CondWaitTimeout),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    leaf().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            ((0usize..2), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(k, b)| Step::Critical(k, b)),
            prop::collection::vec(inner, 0..4).prop_map(Step::Permit),
        ]
    })
}

#[derive(Clone, Copy)]
struct Objs {
    locks: [Lock; 2],
    vars: [Var; 2],
    sem: Semaphore,
    q: Queue,
    ev: Event,
    cond: Condition,
}

fn exec<'a>(
    cx: &'a Ctx,
    o: Objs,
    steps: &'a [Step],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<()>> + 'a>> {
    Box::pin(async move {
        for s in steps {
            match s {
                Step::Compute(d) => cx.compute(us(*d)).await?,
                Step::Sleep(d) => cx.sleep(us(*d)).await?,
                Step::Io(d) => cx.io(us(*d)).await?,
                Step::Read(v) => {
                    o.vars[*v].read(cx).await?;
                }
                Step::Write(v, x) => o.vars[*v].write(cx, *x).await?,
                Step::Critical(k, body) => {
                    o.locks[*k].acquire(cx).await?;
                    exec(cx, o, body).await?;
                    o.locks[*k].release(cx).await?;
                }
                Step::Permit(body) => {
                    o.sem.acquire(cx).await?;
                    exec(cx, o, body).await?;
                    o.sem.release(cx).await?;
                }
                Step::ExtraRelease => o.sem.release(cx).await?,
                Step::StrayRelease(k) => o.locks[*k].release(cx).await?,
                Step::Put(x) => o.q.put_timeout(cx, *x, us(30)).await?,
                Step::GetTimeout(d) => {
                    o.q.get_timeout(cx, us(*d)).await?;
                }
                Step::Set => o.ev.set(cx).await?,
                Step::Clear => o.ev.clear(cx).await?,
                Step::WaitTimeout(d) => {
                    o.ev.wait_timeout(cx, us(*d)).await?;
                }
                Step::Notify => {
                    o.cond.acquire(cx).await?;
                    o.cond.notify(cx).await?;
                    o.cond.release(cx).await?;
                }
                Step::CondWaitTimeout(d) => {
                    o.cond.acquire(cx).await?;
                    o.cond.wait_timeout(cx, us(*d)).await?;
                    o.cond.release(cx).await?;
                }
            }
        }
        Ok(())
    })
}

fn program(threads: Vec<Vec<Step>>, permits: i64) -> Program {
    let threads = Rc::new(threads);
    Program::new(move |cx: Ctx| async move {
        let o = Objs {
            locks: [cx.lock("L0"), cx.lock("L1")],
            vars: [cx.var("v0", 0), cx.var("v1", 0)],
            sem: cx.new_semaphore(Flavor::Threading, "S", permits, true)?,
            q: cx.queue("Q", 2),
            ev: cx.event("E"),
            cond: cx.condition("C"),
        };
        let mut handles = Vec::new();
        for i in 0..threads.len() {
            let threads = Rc::clone(&threads);
            let body = Program::new(move |cx: Ctx| async move { exec(&cx, o, &threads[i]).await });
            handles.push(cx.spawn_thread(&format!("T{i}"), body).await?);
        }
        for h in handles {
            h.join(&cx).await?;
        }
        Ok(())
    })
}

fn machine(cores: u32, gil: bool) -> Machine {
    let mut m = Machine {
        cores,
        gil,
        ..Machine::default()
    };
    m.limits.max_steps = 200_000;
    m
}

fn scheduler(k: u8) -> SchedulerKind {
    match k % 3 {
        0 => SchedulerKind::Fifo,
        1 => SchedulerKind::Random,
        _ => SchedulerKind::Pct {
            depth: 3,
            expected_steps: 300,
        },
    }
}

fn check_invariants(t: &Trace, permits: i64) -> Result<(), TestCaseError> {
    // Ended, within limits, with a named outcome.
    let outcome = &t.outcome;
    prop_assert!(
        matches!(outcome, Outcome::Completed | Outcome::Deadlock { .. }),
        "unexpected outcome {outcome:?}"
    );
    // Mutual exclusion: a lock is acquired only when free.
    let mut holder: BTreeMap<ObjId, UnitId> = BTreeMap::new();
    for (e, detail) in t.events_with_details() {
        let Some(o) = e.obj else { continue };
        if !t.obj_name(o).starts_with('L') && t.obj_name(o) != "C.lock" {
            continue;
        }
        match e.kind {
            EventKind::Acquire if detail.is_none() => {
                prop_assert!(
                    !holder.contains_key(&o),
                    "{} acquired {} held by {:?}",
                    t.unit_name(e.unit),
                    t.obj_name(o),
                    holder.get(&o)
                );
                holder.insert(o, e.unit);
            }
            EventKind::Release if detail.is_none() => {
                holder.remove(&o);
            }
            _ => {}
        }
    }
    // Semaphore bounds.
    for c in t.counters.iter().filter(|c| c.name == "value of S") {
        for &(_, v) in &c.points {
            prop_assert!(
                (0..=permits).contains(&v),
                "semaphore value {v} outside 0..={permits}"
            );
        }
    }
    // Spans are well formed: positive length, in time order per unit, never overlapping,
    // and maximal: a span never starts where the unit's last one ended in the same state.
    let mut last: BTreeMap<UnitId, &Span> = BTreeMap::new();
    for s in &t.spans {
        prop_assert!(s.start < s.end);
        if let Some(prev) = last.insert(s.unit, s) {
            prop_assert!(
                s.start >= prev.end,
                "overlapping spans on {}",
                t.unit_name(s.unit)
            );
            prop_assert!(
                !(s.start == prev.end
                    && (s.state, s.obj, s.core) == (prev.state, prev.obj, prev.core)),
                "two touching {:?} spans on {} at {}",
                s.state,
                t.unit_name(s.unit),
                s.start
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_keep_the_invariants(
        threads in prop::collection::vec(prop::collection::vec(step(), 1..6), 1..5),
        permits in 1i64..3,
        cores in 1u32..4,
        gil in any::<bool>(),
        sched in any::<u8>(),
        seed in any::<u64>(),
    ) {
        let m = machine(cores, gil);
        let a = simulate(m.clone(), seed, &scheduler(sched), program(threads.clone(), permits))
            .map_err(TestCaseError::fail)?;
        check_invariants(&a, permits)?;
        let b = simulate(m.clone(), seed, &scheduler(sched), program(threads.clone(), permits)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(a.hash(), b.hash(), "not deterministic");
        // The kernel's shortcuts change nothing: footprint recording (DPOR's) on, and FIFO
        // through the general path instead of its fast one.
        let mut with_footprints = Sim::new(m.clone(), seed, &scheduler(sched)).map_err(TestCaseError::fail)?;
        with_footprints.record_footprints();
        with_footprints.spawn_main("MainProcess", program(threads.clone(), permits));
        prop_assert_eq!(with_footprints.run().hash(), a.hash(), "footprints changed the run");
        let fast = simulate(m.clone(), seed, &SchedulerKind::Fifo, program(threads.clone(), permits))
            .map_err(TestCaseError::fail)?;
        let mut general = Sim::with_scheduler(m, seed, Box::new(FirstCandidate)).map_err(TestCaseError::fail)?;
        general.spawn_main("MainProcess", program(threads, permits));
        prop_assert_eq!(general.run().hash(), fast.hash(), "FIFO's fast path differs");
    }
}

/// Always the first candidate, like FIFO, without telling the kernel so.
struct FirstCandidate;

impl sched::Scheduler for FirstCandidate {
    fn choose(&mut self, _step: u64, _candidates: &[sched::Candidate]) -> Result<usize, String> {
        Ok(0)
    }
}
