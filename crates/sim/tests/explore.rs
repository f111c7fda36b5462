//! The explorer: DFS finds exactly the outcome sets the litmus tests derive by hand, the
//! shortest counterexample replays to its outcome with the fewest preemptions, the preemption
//! bound prunes, and random/PCT search are deterministic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use interleave_sim::explore::{Config, Strategy, default_label, explore};
use interleave_sim::*;

/// Two threads behind a start gate each increment a counter `n` times by a read and a write.
fn race(n: usize, locked: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        let counter = cx.var("counter", 0);
        let lock = cx.lock("lock");
        let go = cx.event("go");
        let mut ts = Vec::new();
        for i in 0..2 {
            ts.push(
                cx.spawn_thread(
                    &format!("T{i}"),
                    Program::new(move |cx: Ctx| async move {
                        go.wait(&cx).await?;
                        for _ in 0..n {
                            if locked {
                                lock.acquire(&cx).await?;
                            }
                            let v = counter.read_int(&cx).await?;
                            counter.write(&cx, v + 1).await?;
                            if locked {
                                lock.release(&cx).await?;
                            }
                        }
                        Ok(())
                    }),
                )
                .await?,
            );
        }
        go.set(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read(&cx).await?;
        cx.set_result("counter", v).await
    })
}

fn free() -> Machine {
    Machine {
        gil: false,
        ..Machine::default()
    }
}

fn dfs(bound: Option<u32>) -> Config {
    Config {
        strategy: Strategy::Dfs,
        max_preemptions: bound,
        budget: 100_000,
        seed: 0,
    }
}

fn labels(r: &explore::Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.label.clone()).collect()
}

#[test]
fn dfs_finds_the_lost_update_and_nothing_else() {
    let r = explore(&free(), &|| race(1, false), &default_label, &dfs(None)).unwrap();
    assert!(r.exhausted);
    assert_eq!(
        labels(&r),
        BTreeSet::from(["counter=1".to_string(), "counter=2".to_string()])
    );
    let locked = explore(&free(), &|| race(1, true), &default_label, &dfs(None)).unwrap();
    assert_eq!(labels(&locked), BTreeSet::from(["counter=2".to_string()]));
    let two = explore(&free(), &|| race(2, false), &default_label, &dfs(None)).unwrap();
    assert!(two.exhausted);
    assert_eq!(
        labels(&two),
        ["counter=2", "counter=3", "counter=4"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

#[test]
fn the_shortest_counterexample_replays_and_needs_one_preemption() {
    let r = explore(&free(), &|| race(2, false), &default_label, &dfs(None)).unwrap();
    // Losing an update costs one preemption (between T0's read and write, T1 runs to the end:
    // counter 2); losing exactly one needs a second preemption back to T0 (counter 3).
    for (value, preemptions) in [(2, 1), (3, 2)] {
        let o = r
            .outcomes
            .iter()
            .find(|o| o.label == format!("counter={value}"))
            .unwrap();
        assert_eq!(o.shortest.preemptions, preemptions, "counter={value}");
        let replay = SchedulerKind::Replay {
            schedule: o.shortest.schedule.clone(),
        };
        let again = simulate(free(), o.shortest.seed, &replay, race(2, false)).unwrap();
        assert_eq!(again.result["counter"], Value::Int(value));
    }
    // No schedule with zero preemptions loses an update.
    let bounded = explore(&free(), &|| race(2, false), &default_label, &dfs(Some(0))).unwrap();
    assert!(bounded.exhausted);
    assert_eq!(labels(&bounded), BTreeSet::from(["counter=4".to_string()]));
    assert!(
        bounded.runs < r.runs,
        "the bound prunes: {} vs {}",
        bounded.runs,
        r.runs
    );
}

#[test]
fn deadlocks_are_failing_outcomes() {
    let inversion = || {
        Program::new(|cx: Ctx| async move {
            let (a, b) = (cx.lock("a"), cx.lock("b"));
            let go = cx.event("go");
            for (name, first, second) in [("T1", a, b), ("T2", b, a)] {
                cx.spawn_thread(
                    name,
                    Program::new(move |cx: Ctx| async move {
                        go.wait(&cx).await?;
                        first.acquire(&cx).await?;
                        second.acquire(&cx).await?;
                        second.release(&cx).await?;
                        first.release(&cx).await
                    }),
                )
                .await?;
            }
            go.set(&cx).await
        })
    };
    let r = explore(&free(), &inversion, &default_label, &dfs(None)).unwrap();
    let dead = r.outcomes.first().unwrap();
    assert!(
        dead.failing && dead.label.starts_with("deadlock"),
        "{:?}",
        r.outcomes
    );
    let replay = simulate(
        free(),
        0,
        &SchedulerKind::Replay {
            schedule: dead.shortest.schedule.clone(),
        },
        inversion(),
    )
    .unwrap();
    assert!(replay.outcome.is_deadlock());
}

#[test]
fn random_and_pct_are_deterministic_and_respect_the_budget() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        let cfg = Config {
            strategy,
            max_preemptions: None,
            budget: 40,
            seed: 9,
        };
        let a = explore(&free(), &|| race(2, false), &default_label, &cfg).unwrap();
        let b = explore(&free(), &|| race(2, false), &default_label, &cfg).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.runs, 40);
        assert!(!a.exhausted);
    }
}

/// Follows a prefix of choices (indices into each decision's candidates) and stops at the
/// first decision after it, reporting that decision's number of candidates; counts
/// preemptions on the way.
struct Prefix {
    choices: Vec<u32>,
    pos: usize,
    last: Option<UnitId>,
    preemptions: std::rc::Rc<std::cell::Cell<u32>>,
    options: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Scheduler for Prefix {
    fn choose(&mut self, _step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        let Some(&c) = self.choices.get(self.pos) else {
            self.options.set(candidates.len());
            return Err("paused".to_string());
        };
        self.pos += 1;
        let c = c as usize;
        if let Some(last) = self.last
            && candidates.iter().any(|x| x.unit == last)
            && candidates[c].unit != last
        {
            self.preemptions.set(self.preemptions.get() + 1);
        }
        Ok(c)
    }

    fn observe(&mut self, unit: UnitId) {
        self.last = Some(unit);
    }
}

/// Every complete run of `build`, found breadth first over the choice prefixes: its label,
/// preemptions and steps.
fn every_run(build: &dyn Fn() -> Program) -> Vec<(String, u32, u64)> {
    let mut queue = std::collections::VecDeque::from([Vec::<u32>::new()]);
    let mut runs = Vec::new();
    while let Some(choices) = queue.pop_front() {
        assert!(
            runs.len() + queue.len() < 200_000,
            "too many schedules for this check"
        );
        let preemptions = std::rc::Rc::new(std::cell::Cell::new(0));
        let options = std::rc::Rc::new(std::cell::Cell::new(0));
        let sched = Prefix {
            choices: choices.clone(),
            pos: 0,
            last: None,
            preemptions: preemptions.clone(),
            options: options.clone(),
        };
        let mut sim = Sim::with_scheduler(free(), 0, Box::new(sched)).unwrap();
        sim.spawn_main("MainProcess", build());
        let t = sim.run();
        if options.get() > 0 {
            for c in 0..options.get() {
                let mut next = choices.clone();
                next.push(c as u32);
                queue.push_back(next);
            }
        } else {
            runs.push((default_label(&t).0, preemptions.get(), t.metrics.steps));
        }
    }
    runs
}

#[test]
fn the_shortest_counterexample_is_shortest_by_breadth_first_search() {
    let programs: [(&str, &dyn Fn() -> Program); 2] = [
        ("race(2)", &|| race(2, false)),
        ("crossed locks", &|| crossed_locks()),
    ];
    for (name, build) in programs {
        let all = every_run(build);
        let r = explore(&free(), build, &default_label, &dfs(None)).unwrap();
        assert!(r.exhausted, "{name}");
        // The same outcomes, each counted once per schedule.
        let found: BTreeSet<String> = all.iter().map(|(l, _, _)| l.clone()).collect();
        assert_eq!(labels(&r), found, "{name}");
        assert_eq!(r.runs, all.len() as u64, "{name}");
        // Each program has more than one outcome (crossed locks: a deadlock among them).
        assert!(found.len() > 1, "{name}: {found:?}");
        assert_eq!(
            name == "crossed locks",
            r.outcomes.iter().any(|o| o.failing),
            "{name}: {found:?}"
        );
        for o in &r.outcomes {
            let best = all
                .iter()
                .filter(|(l, _, _)| *l == o.label)
                .map(|&(_, p, s)| (p, s))
                .min()
                .unwrap();
            assert_eq!(
                (o.shortest.preemptions, o.shortest.steps),
                best,
                "{name}: {}",
                o.label
            );
            // And it replays to that outcome.
            let replay = SchedulerKind::Replay {
                schedule: o.shortest.schedule.clone(),
            };
            let again = simulate(free(), o.shortest.seed, &replay, build()).unwrap();
            assert_eq!(default_label(&again).0, o.label, "{name}");
        }
        // DPOR finds the same outcomes; its counterexamples replay too, and are never shorter
        // than the shortest (it keeps the best of the runs it explored).
        let cfg = Config {
            strategy: Strategy::Dpor,
            ..dfs(None)
        };
        let d = explore(&free(), build, &default_label, &cfg).unwrap();
        assert_eq!(labels(&d), found, "{name}");
        for o in &d.outcomes {
            let best = r.outcomes.iter().find(|x| x.label == o.label).unwrap();
            assert!(
                (o.shortest.preemptions, o.shortest.steps)
                    >= (best.shortest.preemptions, best.shortest.steps)
            );
        }
    }
}

/// Two threads behind a start gate take two locks in opposite orders: some schedules
/// deadlock.
fn crossed_locks() -> Program {
    Program::new(|cx: Ctx| async move {
        let a = cx.lock("a");
        let b = cx.lock("b");
        let go = cx.event("go");
        let t0 = cx
            .spawn_thread(
                "T0",
                Program::new(move |cx: Ctx| async move {
                    go.wait(&cx).await?;
                    a.acquire(&cx).await?;
                    b.acquire(&cx).await?;
                    b.release(&cx).await?;
                    a.release(&cx).await
                }),
            )
            .await?;
        let t1 = cx
            .spawn_thread(
                "T1",
                Program::new(move |cx: Ctx| async move {
                    go.wait(&cx).await?;
                    b.acquire(&cx).await?;
                    a.acquire(&cx).await?;
                    a.release(&cx).await?;
                    b.release(&cx).await
                }),
            )
            .await?;
        go.set(&cx).await?;
        t0.join(&cx).await?;
        t1.join(&cx).await?;
        cx.set_result("done", true).await
    })
}
