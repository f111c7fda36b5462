//! asyncio tasks: create_task, sequential awaits vs gather, gather(return_exceptions), wait's
//! return_when modes, wait_for timeouts, as_completed, shield, cancel, call_soon/call_later/call_at,
//! to_thread, blocking calls inside a task, and contextvars per task and per thread.
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

/// Runs `main` as the main task of `asyncio.run` in the main thread.
fn run_async(main: Program) -> Trace {
    run(Program::new(|cx: Ctx| async move {
        cx.run_loop("loop", main).await?;
        Ok(())
    }))
}

/// A coroutine that sleeps `d` (asyncio.sleep) and returns `v`.
fn sleeper(d: Nanos, v: &'static str) -> Program {
    Program::new(move |cx: Ctx| async move {
        cx.asleep(d).await?;
        Ok(v)
    })
}

/// A coroutine that sleeps `d` and raises `ValueError(msg)`.
fn failer(d: Nanos, msg: &'static str) -> Program {
    Program::new(move |cx: Ctx| async move {
        cx.asleep(d).await?;
        err::<()>(PyErrorKind::ValueError, msg)
    })
}

fn names(tasks: &[Task], all: &[(Task, &'static str)]) -> Value {
    Value::from(
        tasks
            .iter()
            .map(|t| all.iter().find(|(x, _)| x == t).map_or("?", |(_, n)| *n))
            .collect::<Vec<_>>(),
    )
}

async fn elapsed_since(cx: &Ctx, t0: Nanos) -> PyResult<i64> {
    Ok((cx.now().await? - t0) as i64)
}

#[test]
fn create_task_starts_a_concurrent_task_whose_await_gives_its_result() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let task = cx.create_task("child", sleeper(ms(10), "hello"))?;
        cx.set_result("result_early", os(task.result(&cx).await))
            .await?;
        cx.set_result("done_early", task.done(&cx).await?).await?;
        cx.set_result("awaited", task.wait(&cx).await?).await?;
        cx.set_result("result", task.result(&cx).await?).await?;
        cx.set_result("at", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "result_early"),
        Value::from("InvalidStateError:Result is not set.")
    );
    assert_eq!(result(&t, "done_early"), Value::Bool(false));
    assert_eq!(result(&t, "awaited"), Value::from("hello"));
    assert_eq!(result(&t, "result"), Value::from("hello"));
    assert_eq!(result_int(&t, "at"), ms(10) as i64);
}

#[test]
fn create_task_outside_a_running_loop_is_runtime_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let r = cx.create_task("t", sleeper(0, "x")).map(|_| ());
        cx.set_result("r", os(r)).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("RuntimeError:no running event loop")
    );
}

#[test]
fn asyncio_run_inside_a_running_loop_is_runtime_error() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let r = cx.run_loop("inner", sleeper(0, "x")).await;
        cx.set_result("r", os(r)).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("RuntimeError:asyncio.run() cannot be called from a running event loop")
    );
}

#[test]
fn asyncio_run_returns_the_main_result_or_raises_its_exception() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ok = cx.run_loop("loop1", sleeper(ms(1), "value")).await;
        cx.set_result("ok", os(ok)).await?;
        let bad = cx.run_loop("loop2", failer(ms(1), "boom")).await;
        cx.set_result("bad", os(bad)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "ok"), Value::from("ok:'value'"));
    assert_eq!(result(&t, "bad"), Value::from("ValueError:boom"));
}

#[test]
fn sequential_awaits_take_the_sum_of_the_delays() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        cx.create_task("a", sleeper(ms(100), "a"))?
            .wait(&cx)
            .await?;
        cx.create_task("b", sleeper(ms(200), "b"))?
            .wait(&cx)
            .await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "elapsed"), ms(300) as i64);
}

#[test]
fn gather_takes_the_longest_delay_and_keeps_argument_order() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let a = cx.create_task("a", sleeper(ms(100), "a"))?;
        let b = cx.create_task("b", sleeper(ms(200), "b"))?;
        let c = cx.create_task("c", sleeper(ms(50), "c"))?;
        let r = cx.gather(&[a, b, c]).await?;
        cx.set_result("results", r).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "results"), Value::from(vec!["a", "b", "c"]));
    assert_eq!(result_int(&t, "elapsed"), ms(200) as i64);
}

#[test]
fn gather_raises_the_first_exception_and_leaves_the_other_tasks_running() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let slow = cx.create_task("slow", sleeper(ms(30), "slow"))?;
        let bad = cx.create_task("bad", failer(ms(10), "boom"))?;
        let r = cx.gather(&[slow, bad]).await;
        cx.set_result("gather", os(r.map(Value::from))).await?;
        cx.set_result("raised_after", elapsed_since(&cx, t0).await?)
            .await?;
        cx.set_result("slow", slow.wait(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "gather"), Value::from("ValueError:boom"));
    assert_eq!(result_int(&t, "raised_after"), ms(10) as i64);
    assert_eq!(result(&t, "slow"), Value::from("slow"));
}

#[test]
fn gather_with_return_exceptions_returns_every_outcome_in_order() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let a = cx.create_task("a", sleeper(ms(20), "a"))?;
        let bad = cx.create_task("bad", failer(ms(10), "boom"))?;
        let c = cx.create_task("c", sleeper(ms(5), "c"))?;
        let r = cx.gather_all(&[a, bad, c]).await?;
        let r: Vec<String> = r.into_iter().map(outcome_str).collect();
        cx.set_result("results", r).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "results"),
        Value::from(vec!["ok:'a'", "ValueError:boom", "ok:'c'"])
    );
}

#[test]
fn wait_first_completed_returns_as_soon_as_one_task_finishes() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let all = [
            (cx.create_task("slow", sleeper(ms(30), "slow"))?, "slow"),
            (cx.create_task("fast", sleeper(ms(10), "fast"))?, "fast"),
            (cx.create_task("mid", sleeper(ms(20), "mid"))?, "mid"),
        ];
        let tasks: Vec<Task> = all.iter().map(|(t, _)| *t).collect();
        let (done, pending) = cx
            .wait_tasks(&tasks, None, ReturnWhen::FirstCompleted)
            .await?;
        cx.set_result("done", names(&done, &all)).await?;
        cx.set_result("pending", names(&pending, &all)).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "done"), Value::from(vec!["fast"]));
    assert_eq!(result(&t, "pending"), Value::from(vec!["slow", "mid"]));
    assert_eq!(result_int(&t, "elapsed"), ms(10) as i64);
}

#[test]
fn wait_first_exception_returns_when_a_task_raises() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let all = [
            (cx.create_task("quick", sleeper(ms(5), "quick"))?, "quick"),
            (cx.create_task("bad", failer(ms(20), "boom"))?, "bad"),
            (cx.create_task("slow", sleeper(ms(50), "slow"))?, "slow"),
        ];
        let tasks: Vec<Task> = all.iter().map(|(t, _)| *t).collect();
        let (done, pending) = cx
            .wait_tasks(&tasks, None, ReturnWhen::FirstException)
            .await?;
        cx.set_result("done", names(&done, &all)).await?;
        cx.set_result("pending", names(&pending, &all)).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await?;
        cx.set_result("bad", os(all[1].0.result(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "done"), Value::from(vec!["quick", "bad"]));
    assert_eq!(result(&t, "pending"), Value::from(vec!["slow"]));
    assert_eq!(result_int(&t, "elapsed"), ms(20) as i64);
    assert_eq!(result(&t, "bad"), Value::from("ValueError:boom"));
}

#[test]
fn wait_first_exception_without_exceptions_waits_for_all() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let a = cx.create_task("a", sleeper(ms(5), "a"))?;
        let b = cx.create_task("b", sleeper(ms(15), "b"))?;
        let (done, pending) = cx
            .wait_tasks(&[a, b], None, ReturnWhen::FirstException)
            .await?;
        cx.set_result("counts", vec![done.len(), pending.len()])
            .await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await
    }));
    assert_eq!(result(&t, "counts"), Value::from(vec![2, 0]));
    assert_eq!(result_int(&t, "elapsed"), ms(15) as i64);
}

#[test]
fn wait_all_completed_with_a_timeout_returns_pending_tasks_without_cancelling_them() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let all = [
            (cx.create_task("a", sleeper(ms(10), "a"))?, "a"),
            (cx.create_task("b", sleeper(ms(50), "b"))?, "b"),
        ];
        let tasks: Vec<Task> = all.iter().map(|(t, _)| *t).collect();
        let (done, pending) = cx
            .wait_tasks(&tasks, Some(ms(20)), ReturnWhen::AllCompleted)
            .await?;
        cx.set_result("done", names(&done, &all)).await?;
        cx.set_result("pending", names(&pending, &all)).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await?;
        cx.set_result("b", all[1].0.wait(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "done"), Value::from(vec!["a"]));
    assert_eq!(result(&t, "pending"), Value::from(vec!["b"]));
    assert_eq!(result_int(&t, "elapsed"), ms(20) as i64);
    assert_eq!(
        result(&t, "b"),
        Value::from("b"),
        "wait() does not cancel on timeout"
    );
}

#[test]
fn wait_on_no_tasks_is_value_error() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let r = cx
            .wait_tasks(&[], None, ReturnWhen::AllCompleted)
            .await
            .map(|_| ());
        cx.set_result("r", os(r)).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("ValueError:Set of Tasks/Futures is empty.")
    );
}

#[test]
fn wait_for_times_out_with_timeout_error_and_cancels_the_task() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let task = cx.create_task("slow", sleeper(ms(100), "slow"))?;
        cx.set_result("r", os(cx.wait_for(task, ms(30)).await))
            .await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await?;
        cx.set_result("done", task.done(&cx).await?).await?;
        cx.set_result("task", os(task.wait(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "r"), Value::from("TimeoutError:"));
    assert_eq!(result_int(&t, "elapsed"), ms(30) as i64);
    assert_eq!(result(&t, "done"), Value::Bool(true));
    assert_eq!(result(&t, "task"), Value::from("CancelledError:"));
}

#[test]
fn wait_for_returns_the_result_when_in_time() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let task = cx.create_task("quick", sleeper(ms(10), "quick"))?;
        cx.set_result("r", cx.wait_for(task, ms(30)).await?).await?;
        cx.set_result("at", cx.now().await? as i64).await
    }));
    assert_eq!(result(&t, "r"), Value::from("quick"));
    assert_eq!(result_int(&t, "at"), ms(10) as i64);
}

#[test]
fn as_completed_yields_tasks_in_finishing_order() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let all = [
            (cx.create_task("a", sleeper(ms(30), "a"))?, "a"),
            (cx.create_task("b", sleeper(ms(10), "b"))?, "b"),
            (cx.create_task("c", sleeper(ms(20), "c"))?, "c"),
        ];
        let tasks: Vec<Task> = all.iter().map(|(t, _)| *t).collect();
        let order = cx.as_completed(&tasks).await?;
        cx.set_result("order", names(&order, &all)).await
    }));
    assert_eq!(result(&t, "order"), Value::from(vec!["b", "c", "a"]));
}

#[test]
fn cancel_raises_cancelled_error_in_the_task_and_at_its_await() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let task = cx.create_task(
            "victim",
            Program::new(|cx: Ctx| async move {
                let r = cx.asleep(ms(100)).await;
                cx.print(format!("victim saw {}", os(r.clone()))).await?;
                r
            }),
        )?;
        cx.asleep(ms(5)).await?;
        cx.set_result("cancel", task.cancel(&cx).await?).await?;
        cx.set_result("await", os(task.wait(&cx).await)).await?;
        cx.set_result("cancel_again", task.cancel(&cx).await?)
            .await?;
        cx.set_result("at", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    assert!(
        t.errors.is_empty(),
        "a cancelled task is not an error: {:?}",
        t.errors
    );
    assert_eq!(output(&t), ["victim saw CancelledError:"]);
    assert_eq!(result(&t, "cancel"), Value::Bool(true));
    assert_eq!(result(&t, "await"), Value::from("CancelledError:"));
    assert_eq!(result(&t, "cancel_again"), Value::Bool(false));
    assert_eq!(result_int(&t, "at"), ms(5) as i64);
}

#[test]
fn a_task_that_catches_cancelled_error_finishes_normally() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let task = cx.create_task(
            "stubborn",
            Program::new(|cx: Ctx| async move {
                match cx.asleep(ms(100)).await {
                    Err(e) if e.kind == PyErrorKind::CancelledError => Ok("cleaned up"),
                    Err(e) => Err(e),
                    Ok(()) => Ok("slept"),
                }
            }),
        )?;
        cx.asleep(ms(5)).await?;
        task.cancel(&cx).await?;
        cx.set_result("await", os(task.wait(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "await"), Value::from("ok:'cleaned up'"));
}

#[test]
fn shield_keeps_the_inner_task_running_when_the_outer_is_cancelled() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let inner = cx.create_task("inner", sleeper(ms(50), "inner done"))?;
        let outer = cx.create_task(
            "outer",
            Program::new(move |cx: Ctx| async move { inner.wait_shielded(&cx).await }),
        )?;
        cx.asleep(ms(10)).await?;
        outer.cancel(&cx).await?;
        cx.set_result("outer", os(outer.wait(&cx).await)).await?;
        cx.set_result("inner_done_at_cancel", inner.done(&cx).await?)
            .await?;
        cx.set_result("inner", os(inner.wait(&cx).await)).await?;
        cx.set_result("at", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "outer"), Value::from("CancelledError:"));
    assert_eq!(result(&t, "inner_done_at_cancel"), Value::Bool(false));
    assert_eq!(result(&t, "inner"), Value::from("ok:'inner done'"));
    assert_eq!(result_int(&t, "at"), ms(50) as i64);
}

#[test]
fn without_shield_cancelling_the_outer_task_cancels_the_awaited_one() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let inner = cx.create_task("inner", sleeper(ms(50), "inner done"))?;
        let outer = cx.create_task(
            "outer",
            Program::new(move |cx: Ctx| async move { inner.wait(&cx).await }),
        )?;
        cx.asleep(ms(10)).await?;
        outer.cancel(&cx).await?;
        cx.set_result("outer", os(outer.wait(&cx).await)).await?;
        cx.set_result("inner", os(inner.wait(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "outer"), Value::from("CancelledError:"));
    assert_eq!(result(&t, "inner"), Value::from("CancelledError:"));
}

#[test]
fn loop_callbacks_run_in_time_order_and_call_soon_in_fifo_order() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let cb = |name: &'static str| {
            Program::new(move |cx: Ctx| async move {
                let now = cx.now().await?;
                cx.print(format!("{name}@{}", fmt_nanos(now))).await
            })
        };
        cx.call_later(ms(20), "A", cb("A")).await?;
        cx.call_soon("B", cb("B")).await?;
        cx.call_at(ms(10), "C", cb("C")).await?;
        cx.call_soon("D", cb("D")).await?;
        let cancelled = cx.call_later(ms(5), "E", cb("E")).await?;
        cancelled.cancel(&cx).await?;
        cx.print("main continues").await?;
        cx.asleep(ms(30)).await
    }));
    assert_completed(&t);
    assert_eq!(
        output(&t),
        ["main continues", "B@0", "D@0", "C@10ms", "A@20ms"]
    );
}

#[test]
fn to_thread_runs_blocking_work_while_the_loop_keeps_going() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let ticker = cx.create_task(
            "ticker",
            Program::new(|cx: Ctx| async move {
                for _ in 0..4 {
                    cx.asleep(ms(25)).await?;
                    cx.print(format!("tick@{}", fmt_nanos(cx.now().await?)))
                        .await?;
                }
                Ok(())
            }),
        )?;
        let r = cx
            .to_thread(
                "blocking",
                Program::new(|cx: Ctx| async move {
                    cx.io(ms(100)).await?;
                    Ok(42)
                }),
            )
            .await?;
        cx.set_result("r", r).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await?;
        ticker.wait(&cx).await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "r"), 42);
    let elapsed = result_int(&t, "elapsed");
    assert!(
        (ms(100) as i64..ms(101) as i64).contains(&elapsed),
        "{elapsed}"
    );
    assert_eq!(
        output(&t),
        ["tick@25ms", "tick@50ms", "tick@75ms", "tick@100ms"]
    );
}

#[test]
fn a_blocking_sleep_inside_a_task_stalls_every_other_task() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let other = cx.create_task(
            "other",
            Program::new(|cx: Ctx| async move {
                cx.asleep(ms(10)).await?;
                cx.now().await.map(|n| n as i64)
            }),
        )?;
        let blocker = cx.create_task(
            "blocker",
            Program::new(|cx: Ctx| async move {
                cx.sleep(ms(100)).await // time.sleep, not asyncio.sleep
            }),
        )?;
        let r = cx.gather(&[other, blocker]).await?;
        cx.set_result("other_woke_at", r[0].clone()).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await
    }));
    assert_completed(&t);
    // asyncio.sleep(0.01) should have ended at 10 ms, but the loop was stuck in time.sleep.
    assert_eq!(result_int(&t, "other_woke_at"), ms(100) as i64);
    assert_eq!(result_int(&t, "elapsed"), ms(100) as i64);
}

#[test]
fn asyncio_sleep_lets_other_tasks_overlap() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let other = cx.create_task(
            "other",
            Program::new(|cx: Ctx| async move {
                cx.asleep(ms(10)).await?;
                cx.now().await.map(|n| n as i64)
            }),
        )?;
        let sleeper = cx.create_task("sleeper", sleeper(ms(100), "done"))?;
        let r = cx.gather(&[other, sleeper]).await?;
        cx.set_result("other_woke_at", r[0].clone()).await?;
        cx.set_result("elapsed", elapsed_since(&cx, t0).await?)
            .await
    }));
    assert_eq!(result_int(&t, "other_woke_at"), ms(10) as i64);
    assert_eq!(result_int(&t, "elapsed"), ms(100) as i64);
}

#[test]
fn asyncio_run_cancels_tasks_still_pending_when_main_returns() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        cx.create_task(
            "background",
            Program::new(|cx: Ctx| async move {
                let r = cx.asleep(ms(100)).await;
                cx.print(format!("background: {}", os(r.clone()))).await?;
                r
            }),
        )?;
        cx.asleep(ms(10)).await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["background: CancelledError:"]);
    assert_eq!(t.metrics.makespan, ms(10));
}

#[test]
fn context_variables_are_copied_into_each_task() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let var = cx.context_var("request_id", None);
        var.set(&cx, "main").await?;
        let mut tasks = vec![];
        for name in ["t1", "t2"] {
            tasks.push(cx.create_task(
                name,
                Program::new(move |cx: Ctx| async move {
                    let inherited = var.get(&cx).await?;
                    var.set(&cx, name).await?;
                    cx.asleep(ms(1)).await?;
                    let own = var.get(&cx).await?;
                    Ok(vec![inherited, own])
                }),
            )?);
        }
        let r = cx.gather(&tasks).await?;
        cx.set_result("tasks", r).await?;
        cx.set_result("main", var.get(&cx).await?).await
    }));
    assert_completed(&t);
    let pair = |a: &str, b: &str| Value::from(vec![a, b]);
    assert_eq!(
        result(&t, "tasks"),
        Value::List(vec![pair("main", "t1"), pair("main", "t2")])
    );
    assert_eq!(result(&t, "main"), Value::from("main"));
}

#[test]
fn a_new_thread_starts_with_an_empty_context_unless_given_a_copy() {
    let t = run(Program::new(|cx: Ctx| async move {
        let var = cx.context_var("x", None);
        let with_default = cx.context_var("y", Some(Value::from("default")));
        var.set(&cx, 1).await?;
        with_default.set(&cx, "set in main").await?;
        cx.spawn_thread(
            "plain",
            Program::new(move |cx: Ctx| async move {
                cx.set_result("plain_x", os(var.get(&cx).await)).await?;
                cx.set_result("plain_y", with_default.get(&cx).await?).await
            }),
        )
        .await?
        .join(&cx)
        .await?;
        let copied = cx.thread_in_context(
            "copied",
            Program::new(move |cx: Ctx| async move {
                cx.set_result("copied_x", var.get(&cx).await?).await?;
                var.set(&cx, 2).await
            }),
        );
        copied.start(&cx).await?;
        copied.join(&cx).await?;
        cx.set_result("main_x", var.get(&cx).await?).await
    }));
    assert_completed(&t);
    let plain = match result(&t, "plain_x") {
        Value::Str(s) => s,
        v => panic!("{v:?}"),
    };
    assert!(
        plain.starts_with("LookupError:<ContextVar name='x'"),
        "{plain}"
    );
    assert_eq!(result(&t, "plain_y"), Value::from("default"));
    assert_eq!(result_int(&t, "copied_x"), 1);
    assert_eq!(
        result_int(&t, "main_x"),
        1,
        "the thread changed its copy only"
    );
}

#[test]
fn to_thread_propagates_the_callers_context() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let var = cx.context_var("user", None);
        var.set(&cx, "alice").await?;
        let seen = cx
            .to_thread(
                "worker",
                Program::new(move |cx: Ctx| async move { var.get(&cx).await }),
            )
            .await?;
        cx.set_result("seen", seen).await
    }));
    assert_eq!(result(&t, "seen"), Value::from("alice"));
}
