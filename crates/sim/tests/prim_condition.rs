//! `Condition`: wait/notify/notify_all, FIFO wake-up, re-acquiring the lock, timeouts, lost wake-ups.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

fn output(t: &Trace) -> Vec<&str> {
    t.output.iter().map(|(_, _, s)| s.as_str()).collect()
}

#[test]
fn wait_and_notify_without_the_lock_are_runtime_errors() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        cx.set_result("wait", os(c.wait(&cx).await)).await?;
        cx.set_result("notify", os(c.notify(&cx).await)).await?;
        cx.set_result("notify_all", os(c.notify_all(&cx).await))
            .await
    }));
    assert_eq!(
        result(&t, "wait"),
        Value::from("RuntimeError:cannot wait on un-acquired lock")
    );
    assert_eq!(
        result(&t, "notify"),
        Value::from("RuntimeError:cannot notify on un-acquired lock")
    );
    assert_eq!(
        result(&t, "notify_all"),
        Value::from("RuntimeError:cannot notify on un-acquired lock")
    );
}

#[test]
fn consumer_waits_until_the_producer_notifies() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        let items = cx.var("items", 0);
        let consumer = cx
            .spawn_thread(
                "consumer",
                Program::new(move |cx: Ctx| async move {
                    c.acquire(&cx).await?;
                    let ok = c
                        .wait_for(&cx, || async { Ok(items.read_int(&cx).await? > 0) }, None)
                        .await?;
                    cx.set_result("ok", ok).await?;
                    cx.set_result("woke_at", cx.now().await? as i64).await?;
                    cx.set_result("holds_lock", c.lock.locked(&cx).await?)
                        .await?;
                    c.release(&cx).await
                }),
            )
            .await?;
        cx.sleep(ms(10)).await?;
        c.acquire(&cx).await?;
        items.write(&cx, 1).await?;
        c.notify(&cx).await?;
        c.release(&cx).await?;
        consumer.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "ok"), Value::Bool(true));
    assert_eq!(result(&t, "holds_lock"), Value::Bool(true));
    let woke = result_int(&t, "woke_at");
    assert!((ms(10) as i64..ms(11) as i64).contains(&woke), "{woke}");
}

#[test]
fn notify_wakes_waiters_one_at_a_time_in_fifo_order() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        let mut ts = vec![];
        for i in 0..3 {
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        c.acquire(&cx).await?;
                        c.wait(&cx).await?;
                        cx.print(format!("W{i}")).await?;
                        c.release(&cx).await
                    }),
                )
                .await?,
            );
            cx.sleep(ms(1)).await?;
        }
        for n in [1, 2] {
            c.acquire(&cx).await?;
            c.notify_n(&cx, n).await?;
            c.release(&cx).await?;
            cx.sleep(ms(10)).await?;
            cx.print(format!("after notify({n})")).await?;
        }
        for t in ts {
            t.join(&cx).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(
        output(&t),
        ["W0", "after notify(1)", "W1", "W2", "after notify(2)"]
    );
}

#[test]
fn notify_all_wakes_every_waiter() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        let mut ts = vec![];
        for i in 0..4 {
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        c.acquire(&cx).await?;
                        let r = c.wait(&cx).await?;
                        c.release(&cx).await?;
                        cx.set_result(format!("W{i}"), r).await
                    }),
                )
                .await?,
            );
        }
        cx.sleep(ms(5)).await?;
        c.acquire(&cx).await?;
        c.notify_all(&cx).await?;
        c.release(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    for i in 0..4 {
        assert_eq!(result(&t, &format!("W{i}")), Value::Bool(true));
    }
}

#[test]
fn a_notified_waiter_resumes_only_once_the_notifier_releases_the_lock() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        let w = cx
            .spawn_thread(
                "W",
                Program::new(move |cx: Ctx| async move {
                    c.acquire(&cx).await?;
                    c.wait(&cx).await?;
                    cx.set_result("resumed_at", cx.now().await? as i64).await?;
                    c.release(&cx).await
                }),
            )
            .await?;
        cx.sleep(ms(5)).await?;
        c.acquire(&cx).await?;
        c.notify(&cx).await?;
        cx.sleep(ms(20)).await?;
        cx.set_result("released_at", cx.now().await? as i64).await?;
        c.release(&cx).await?;
        w.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "resumed_at"), result_int(&t, "released_at"));
    assert!(result_int(&t, "released_at") >= ms(25) as i64);
}

#[test]
fn wait_timeout_returns_false_and_holds_the_lock_again() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        c.acquire(&cx).await?;
        let t0 = cx.now().await?;
        cx.set_result("r", c.wait_timeout(&cx, ms(15)).await?)
            .await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64)
            .await?;
        cx.set_result("locked", c.lock.locked(&cx).await?).await?;
        cx.set_result("release", os(c.release(&cx).await)).await
    }));
    assert_eq!(result(&t, "r"), Value::Bool(false));
    assert_eq!(result_int(&t, "waited"), ms(15) as i64);
    assert_eq!(result(&t, "locked"), Value::Bool(true));
    assert_eq!(result(&t, "release"), Value::from("ok:None"));
}

#[test]
fn wait_releases_every_rlock_level_and_restores_them() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        c.acquire(&cx).await?;
        c.acquire(&cx).await?;
        let other = cx
            .spawn_thread(
                "other",
                Program::new(move |cx: Ctx| async move {
                    // Only possible if wait() released both levels.
                    c.acquire(&cx).await?;
                    c.notify(&cx).await?;
                    c.release(&cx).await
                }),
            )
            .await?;
        cx.set_result("notified", c.wait(&cx).await?).await?;
        other.join(&cx).await?;
        c.release(&cx).await?;
        cx.set_result("second", os(c.release(&cx).await)).await?;
        cx.set_result("third", os(c.release(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "notified"), Value::Bool(true));
    assert_eq!(result(&t, "second"), Value::from("ok:None"));
    assert_eq!(
        result(&t, "third"),
        Value::from("RuntimeError:cannot release un-acquired lock")
    );
}

#[test]
fn wait_for_with_timeout_returns_the_false_predicate() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        c.acquire(&cx).await?;
        let t0 = cx.now().await?;
        let r = c
            .wait_for(&cx, || async { Ok(false) }, Some(ms(30)))
            .await?;
        cx.set_result("r", r).await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64)
            .await?;
        c.release(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "r"), Value::Bool(false));
    assert_eq!(result_int(&t, "waited"), ms(30) as i64);
}

#[test]
fn a_notify_before_anyone_waits_is_lost_and_the_waiter_deadlocks() {
    let t = run(Program::new(|cx: Ctx| async move {
        let c = cx.condition("c");
        c.acquire(&cx).await?;
        c.notify(&cx).await?;
        c.release(&cx).await?;
        let w = cx
            .spawn_thread(
                "W",
                Program::new(move |cx: Ctx| async move {
                    c.acquire(&cx).await?;
                    c.wait(&cx).await?;
                    c.release(&cx).await
                }),
            )
            .await?;
        w.join(&cx).await
    }));
    let Outcome::Deadlock { blocked, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome)
    };
    let w = blocked.iter().find(|e| e.unit_name == "W").unwrap();
    assert_eq!(w.waits_for, "a notify on threading.Condition 'c'");
}

#[test]
fn asyncio_condition_notifies_a_waiting_task() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let c = cx.new_condition(Flavor::Asyncio, "c", None);
                let waiter = cx.create_task(
                    "waiter",
                    Program::new(move |cx: Ctx| async move {
                        c.acquire(&cx).await?;
                        c.wait(&cx).await?;
                        let at = cx.now().await? as i64;
                        c.release(&cx).await?;
                        Ok(at)
                    }),
                )?;
                cx.asleep(ms(7)).await?;
                c.acquire(&cx).await?;
                c.notify(&cx).await?;
                c.release(&cx).await?;
                cx.set_result("woke_at", waiter.wait(&cx).await?).await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "woke_at"), ms(7) as i64);
}
