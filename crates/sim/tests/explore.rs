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
    assert!(replay.outcome.unwrap().is_deadlock());
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
