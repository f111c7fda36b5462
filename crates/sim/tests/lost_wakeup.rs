//! The lost-wakeup detector: a waiter left blocked while what it waits for holds is reported;
//! one whose condition is still false (a plain deadlock) is not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_sim::explore::default_label;
use interleave_sim::*;

fn machine() -> Machine {
    Machine {
        cores: 1,
        gil: false,
        ..Machine::default()
    }
}

/// The classic check-then-wait without holding the lock across both: the consumer looks at
/// `ready`, the producer sets it and notifies nobody, then the consumer waits forever.
fn check_then_wait(set_flag: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        let cond = cx.condition("cond");
        let ready = cx.var("ready", false);
        let looked = cx.event("looked");
        let consumer = Program::new(move |cx: Ctx| async move {
            let seen = ready.read(&cx).await?.truthy();
            looked.set(&cx).await?;
            cond.acquire(&cx).await?;
            if !seen {
                let id = ready.id;
                cond.wait_expecting(&cx, "ready is true", move |v| {
                    v.value(id).is_some_and(|x| x.truthy())
                })
                .await?;
            }
            cond.release(&cx).await
        });
        let c = cx.spawn_thread("consumer", consumer).await?;
        looked.wait(&cx).await?;
        cond.acquire(&cx).await?;
        if set_flag {
            ready.write(&cx, true).await?;
        }
        cond.notify(&cx).await?;
        cond.release(&cx).await?;
        c.join(&cx).await
    })
}

#[test]
fn a_notify_before_the_wait_is_a_lost_wakeup_when_the_condition_holds() {
    let mut found = false;
    for seed in 0..20 {
        let t = simulate(
            machine(),
            seed,
            &SchedulerKind::Random,
            check_then_wait(true),
        )
        .unwrap();
        match &t.outcome {
            Outcome::Deadlock { .. } => {
                found = true;
                assert_eq!(t.lost_wakeups.len(), 1, "seed {seed}");
                let l = &t.lost_wakeups[0];
                assert_eq!(t.unit_name(l.unit), "consumer");
                assert_eq!(l.waits_for, "ready is true");
                assert!(l.describe(&t).contains("consumer still waits on cond"));
                let (label, failing) = default_label(&t);
                assert!(
                    failing && label.ends_with("lost wakeup: consumer"),
                    "{label}"
                );
            }
            other => {
                assert_eq!(other, &Outcome::Completed, "seed {seed}");
                assert!(t.lost_wakeups.is_empty(), "seed {seed}");
            }
        }
    }
    assert!(found, "no seed let the notify come before the wait");
}

#[test]
fn a_waiter_whose_condition_is_false_is_a_deadlock_not_a_lost_wakeup() {
    for seed in 0..20 {
        let t = simulate(
            machine(),
            seed,
            &SchedulerKind::Random,
            check_then_wait(false),
        )
        .unwrap();
        assert!(t.lost_wakeups.is_empty(), "seed {seed}");
    }
}
