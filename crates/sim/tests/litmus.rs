//! Litmus tests: small programs run under every interleaving; the *set* of outcomes is
//! asserted, as loom's litmus tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use std::collections::BTreeSet;

use common::*;
use interleave_sim::*;

/// `threads` threads each increment a shared counter `n` times as a separate read and write,
/// optionally under a lock, optionally yielding (`time.sleep(0)`) between read and write.
fn increments(threads: usize, n: usize, use_lock: bool, yield_between: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        let counter = cx.var("counter", 0);
        let lock = cx.lock("lock");
        // A start gate, so the threads really run at the same time.
        let go = cx.event("go");
        let mut ts = Vec::new();
        for i in 0..threads {
            let body = Program::new(move |cx: Ctx| async move {
                go.wait(&cx).await?;
                for _ in 0..n {
                    if use_lock {
                        lock.acquire(&cx).await?;
                    }
                    let v = counter.read_int(&cx).await?;
                    if yield_between {
                        cx.sleep(0).await?;
                    }
                    counter.write(&cx, v + 1).await?;
                    if use_lock {
                        lock.release(&cx).await?;
                    }
                }
                Ok(())
            });
            ts.push(cx.spawn_thread(&format!("T{i}"), body).await?);
        }
        go.set(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read(&cx).await?;
        cx.set_result("counter", v).await?;
        Ok(())
    })
}

fn keys(m: &std::collections::BTreeMap<String, usize>) -> BTreeSet<String> {
    m.keys().cloned().collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn unlocked_increments_without_gil_end_in_one_or_two() {
    let m = all_outcomes(
        &free_threaded(2),
        &|| increments(2, 1, false, false),
        &counter_label,
        10_000,
    );
    assert_eq!(keys(&m), set(&["1", "2"]), "{m:?}");
}

#[test]
fn locked_increments_always_end_in_two() {
    let m = all_outcomes(
        &free_threaded(2),
        &|| increments(2, 1, true, false),
        &counter_label,
        10_000,
    );
    assert_eq!(keys(&m), set(&["2"]), "{m:?}");
    assert!(m["2"] > 1, "several interleavings were explored: {m:?}");
}

#[test]
fn three_increments_each_lose_any_number_of_updates() {
    // Two threads, three unlocked increments each: anything from 2 to 6 (the classic result:
    // never below 2).
    let m = all_outcomes(
        &free_threaded(2),
        &|| increments(2, 3, false, false),
        &counter_label,
        200_000,
    );
    assert_eq!(keys(&m), set(&["2", "3", "4", "5", "6"]), "{m:?}");
}

#[test]
fn under_the_gil_a_short_increment_is_never_interrupted() {
    let m = all_outcomes(
        &Machine::default(),
        &|| increments(2, 1, false, false),
        &counter_label,
        10_000,
    );
    assert_eq!(keys(&m), set(&["2"]), "{m:?}");
}

#[test]
fn under_the_gil_a_yield_between_read_and_write_loses_updates() {
    let m = all_outcomes(
        &Machine::default(),
        &|| increments(2, 1, false, true),
        &counter_label,
        10_000,
    );
    assert_eq!(keys(&m), set(&["1", "2"]), "{m:?}");
}

#[test]
fn lock_order_inversion_deadlocks_in_some_schedule_only() {
    let build = || {
        Program::new(|cx: Ctx| async move {
            let a = cx.lock("a");
            let b = cx.lock("b");
            let go = cx.event("go");
            let t1 = cx
                .spawn_thread(
                    "T1",
                    Program::new(move |cx: Ctx| async move {
                        go.wait(&cx).await?;
                        a.acquire(&cx).await?;
                        b.acquire(&cx).await?;
                        b.release(&cx).await?;
                        a.release(&cx).await?;
                        Ok(())
                    }),
                )
                .await?;
            let t2 = cx
                .spawn_thread(
                    "T2",
                    Program::new(move |cx: Ctx| async move {
                        go.wait(&cx).await?;
                        b.acquire(&cx).await?;
                        a.acquire(&cx).await?;
                        a.release(&cx).await?;
                        b.release(&cx).await?;
                        Ok(())
                    }),
                )
                .await?;
            go.set(&cx).await?;
            t1.join(&cx).await?;
            t2.join(&cx).await?;
            cx.set_result("counter", "done").await?;
            Ok(())
        })
    };
    let m = all_outcomes(&free_threaded(2), &build, &counter_label, 10_000);
    assert_eq!(keys(&m), set(&["'done'", "deadlock"]), "{m:?}");
}

#[test]
fn deadlock_names_the_cycle() {
    // Force the bad order with sleeps so FIFO reaches it.
    let t = run(Program::new(|cx: Ctx| async move {
        let a = cx.lock("a");
        let b = cx.lock("b");
        cx.spawn_thread(
            "T1",
            Program::new(move |cx: Ctx| async move {
                a.acquire(&cx).await?;
                cx.sleep(ms(1)).await?;
                b.acquire(&cx).await?;
                Ok(())
            }),
        )
        .await?;
        cx.spawn_thread(
            "T2",
            Program::new(move |cx: Ctx| async move {
                b.acquire(&cx).await?;
                cx.sleep(ms(1)).await?;
                a.acquire(&cx).await?;
                Ok(())
            }),
        )
        .await?;
        Ok(())
    }));
    let Outcome::Deadlock { cycle, message, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome);
    };
    let names: BTreeSet<&str> = cycle.iter().map(|e| e.unit_name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["T1", "T2"]), "{message}");
    assert!(
        message.contains("'a'") && message.contains("'b'"),
        "{message}"
    );
}
