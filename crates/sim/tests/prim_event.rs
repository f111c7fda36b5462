//! `Event` (threading, multiprocessing, asyncio): set wakes every waiter, wait(timeout), clear.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

#[test]
fn set_wakes_every_waiter_at_the_same_time() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("go");
        let mut ts = vec![];
        for i in 0..3 {
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        let flag = ev.wait(&cx).await?;
                        cx.set_result(format!("flag{i}"), flag).await?;
                        cx.set_result(format!("woke{i}"), cx.now().await? as i64)
                            .await
                    }),
                )
                .await?,
            );
        }
        cx.sleep(ms(40)).await?;
        cx.set_result("set_at", cx.now().await? as i64).await?;
        ev.set(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    let set_at = result_int(&t, "set_at");
    assert!(set_at >= ms(40) as i64);
    for i in 0..3 {
        assert_eq!(result(&t, &format!("flag{i}")), Value::Bool(true));
        assert_eq!(result_int(&t, &format!("woke{i}")), set_at, "W{i}");
    }
}

#[test]
fn wait_on_a_set_event_returns_true_at_once() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("e");
        ev.set(&cx).await?;
        let t0 = cx.now().await?;
        cx.set_result("flag", ev.wait(&cx).await?).await?;
        cx.set_result("flag_timeout", ev.wait_timeout(&cx, ms(10)).await?)
            .await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64).await
    }));
    assert_eq!(result(&t, "flag"), Value::Bool(true));
    assert_eq!(result(&t, "flag_timeout"), Value::Bool(true));
    assert_eq!(result_int(&t, "waited"), 0);
}

#[test]
fn wait_timeout_returns_false_after_the_timeout() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("e");
        let t0 = cx.now().await?;
        cx.set_result("flag", ev.wait_timeout(&cx, ms(25)).await?)
            .await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "flag"), Value::Bool(false));
    assert_eq!(result_int(&t, "waited"), ms(25) as i64);
}

#[test]
fn wait_timeout_returns_true_when_set_before_the_timeout() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("e");
        cx.spawn_thread(
            "setter",
            Program::new(move |cx: Ctx| async move {
                cx.sleep(ms(10)).await?;
                ev.set(&cx).await
            }),
        )
        .await?;
        let t0 = cx.now().await?;
        cx.set_result("flag", ev.wait_timeout(&cx, ms(100)).await?)
            .await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64).await
    }));
    assert_eq!(result(&t, "flag"), Value::Bool(true));
    let waited = result_int(&t, "waited");
    assert!((ms(10) as i64..ms(11) as i64).contains(&waited), "{waited}");
}

#[test]
fn clear_lowers_the_flag_and_wait_blocks_again() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("e");
        ev.set(&cx).await?;
        cx.set_result("set", ev.is_set(&cx).await?).await?;
        ev.clear(&cx).await?;
        cx.set_result("cleared", ev.is_set(&cx).await?).await?;
        cx.set_result("wait", ev.wait_timeout(&cx, ms(5)).await?)
            .await
    }));
    assert_eq!(result(&t, "set"), Value::Bool(true));
    assert_eq!(result(&t, "cleared"), Value::Bool(false));
    assert_eq!(result(&t, "wait"), Value::Bool(false));
}

#[test]
fn waiting_for_an_event_nobody_sets_deadlocks() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("never");
        let th = cx
            .spawn_thread(
                "W",
                Program::new(move |cx: Ctx| async move {
                    ev.wait(&cx).await?;
                    Ok(())
                }),
            )
            .await?;
        th.join(&cx).await
    }));
    let Outcome::Deadlock { cycle, blocked, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome)
    };
    assert!(cycle.is_empty(), "{cycle:?}");
    let w = blocked.iter().find(|e| e.unit_name == "W").unwrap();
    assert_eq!(w.waits_for, "threading.Event 'never' to be set");
    let main = blocked
        .iter()
        .find(|e| e.unit_name == "MainProcess")
        .unwrap();
    assert_eq!(main.holder.map(|h| t.unit_name(h)), Some("W".to_string()));
}

#[test]
fn multiprocessing_event_wakes_a_waiting_child_process() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.new_event(Flavor::Multiprocessing, "go");
        let p = cx
            .spawn_process(
                "child",
                Program::new(move |cx: Ctx| async move {
                    ev.wait(&cx).await?;
                    cx.set_result("child_woke", cx.now().await? as i64).await
                }),
            )
            .await?;
        cx.sleep(ms(50)).await?;
        ev.set(&cx).await?;
        p.join(&cx).await?;
        cx.set_result("exitcode", p.exitcode(&cx).await?.unwrap_or(99))
            .await
    }));
    assert_completed(&t);
    assert!(result_int(&t, "child_woke") >= ms(50) as i64);
    assert_eq!(result_int(&t, "exitcode"), 0);
}

#[test]
fn asyncio_event_wakes_every_waiting_task() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let ev = cx.new_event(Flavor::Asyncio, "e");
                let mut tasks = vec![];
                for i in 0..3 {
                    tasks.push(cx.create_task(
                        &format!("t{i}"),
                        Program::new(move |cx: Ctx| async move {
                            ev.wait(&cx).await?;
                            cx.now().await.map(|n| n as i64)
                        }),
                    )?);
                }
                cx.asleep(ms(20)).await?;
                ev.set(&cx).await?;
                let times = cx.gather(&tasks).await?;
                cx.set_result("times", times).await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    let ms20 = Value::Int(ms(20) as i64);
    assert_eq!(
        result(&t, "times"),
        Value::List(vec![ms20.clone(), ms20.clone(), ms20])
    );
}

#[test]
fn a_wait_timeout_satisfied_early_does_not_extend_the_run() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("e");
        let waiter = cx
            .spawn_thread(
                "waiter",
                Program::new(move |cx: Ctx| async move {
                    ev.wait_timeout(&cx, ms(100)).await.map(|_| ())
                }),
            )
            .await?;
        cx.sleep(ms(10)).await?;
        ev.set(&cx).await?;
        waiter.join(&cx).await?;
        cx.set_result("end", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    let end = result_int(&t, "end");
    assert!(end < ms(11) as i64, "{end}");
    // Nothing waits for the 100 ms deadline any more: the program ends when main does.
    assert_eq!(t.metrics.makespan as i64, end);
}

#[test]
fn a_long_wait_timeout_satisfied_early_does_not_hit_the_time_limit() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ev = cx.event("e");
        cx.spawn_thread(
            "setter",
            Program::new(move |cx: Ctx| async move {
                cx.sleep(ms(10)).await?;
                ev.set(&cx).await
            }),
        )
        .await?;
        // Event.wait(timeout=7200): longer than the one-hour virtual-time limit.
        cx.set_result("flag", ev.wait_timeout(&cx, secs(7200)).await?)
            .await
    }));
    assert_eq!(result(&t, "flag"), Value::Bool(true));
    assert_completed(&t);
}
