//! `asyncio.Future`: set_result/set_exception/cancel, result() and InvalidStateError, awaiting,
//! and done callbacks (run later on the loop, in the order they were added).
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

#[test]
fn set_result_makes_the_future_done_with_that_result() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        cx.set_result("done_before", f.done(&cx).await?).await?;
        cx.set_result("result_before", os(f.result(&cx).await))
            .await?;
        f.set_result(&cx, 7).await?;
        cx.set_result("done_after", f.done(&cx).await?).await?;
        cx.set_result("result", f.result(&cx).await?).await?;
        cx.set_result("awaited", f.wait(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "done_before"), Value::Bool(false));
    assert_eq!(
        result(&t, "result_before"),
        Value::from("InvalidStateError:Result is not set.")
    );
    assert_eq!(result(&t, "done_after"), Value::Bool(true));
    assert_eq!(result_int(&t, "result"), 7);
    assert_eq!(result_int(&t, "awaited"), 7);
}

#[test]
fn a_done_future_cannot_be_set_again() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        f.set_result(&cx, 1).await?;
        cx.set_result("again", os(f.set_result(&cx, 2).await))
            .await?;
        let e = PyError::new(PyErrorKind::ValueError, "late");
        cx.set_result("exception", os(f.set_exception(&cx, e).await))
            .await?;
        cx.set_result("cancel", f.cancel(&cx).await?).await?;
        cx.set_result("result", f.result(&cx).await?).await
    }));
    assert_eq!(
        result(&t, "again"),
        Value::from("InvalidStateError:invalid state")
    );
    assert_eq!(
        result(&t, "exception"),
        Value::from("InvalidStateError:invalid state")
    );
    assert_eq!(result(&t, "cancel"), Value::Bool(false));
    assert_eq!(result_int(&t, "result"), 1, "the first result stays");
}

#[test]
fn set_exception_is_raised_by_result_and_by_await() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        f.set_exception(&cx, PyError::new(PyErrorKind::ValueError, "bad"))
            .await?;
        cx.set_result("done", f.done(&cx).await?).await?;
        cx.set_result("result", os(f.result(&cx).await)).await?;
        cx.set_result("await", os(f.wait(&cx).await)).await
    }));
    assert_eq!(result(&t, "done"), Value::Bool(true));
    assert_eq!(result(&t, "result"), Value::from("ValueError:bad"));
    assert_eq!(result(&t, "await"), Value::from("ValueError:bad"));
}

#[test]
fn cancel_makes_result_raise_cancelled_error_and_blocks_setting() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        cx.set_result("first_cancel", f.cancel(&cx).await?).await?;
        cx.set_result("second_cancel", f.cancel(&cx).await?).await?;
        cx.set_result("done", f.done(&cx).await?).await?;
        cx.set_result("result", os(f.result(&cx).await)).await?;
        cx.set_result("set", os(f.set_result(&cx, 1).await)).await
    }));
    assert_eq!(result(&t, "first_cancel"), Value::Bool(true));
    assert_eq!(result(&t, "second_cancel"), Value::Bool(false));
    assert_eq!(result(&t, "done"), Value::Bool(true));
    assert_eq!(result(&t, "result"), Value::from("CancelledError:"));
    assert_eq!(
        result(&t, "set"),
        Value::from("InvalidStateError:invalid state")
    );
}

#[test]
fn an_awaiting_task_wakes_when_another_task_sets_the_result() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        let waiter = cx.create_task(
            "waiter",
            Program::new(move |cx: Ctx| async move {
                let v = f.wait(&cx).await?.as_int()?;
                Ok(vec![v, cx.now().await? as i64])
            }),
        )?;
        cx.create_task(
            "setter",
            Program::new(move |cx: Ctx| async move {
                cx.asleep(ms(10)).await?;
                f.set_result(&cx, 5).await
            }),
        )?;
        cx.set_result("waiter", waiter.wait(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "waiter"), Value::from(vec![5, ms(10) as i64]));
}

#[test]
fn done_callbacks_run_after_the_setter_yields_in_the_order_added() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        for name in ["cb1", "cb2", "cb3"] {
            f.add_done_callback(
                &cx,
                name,
                Program::new(move |cx: Ctx| async move {
                    let r = f.result(&cx).await?;
                    cx.print(format!("{name} saw {r}")).await
                }),
            )
            .await?;
        }
        f.set_result(&cx, 9).await?;
        cx.print("after set_result").await?;
        cx.asleep(0).await?;
        cx.print("after yielding").await
    }));
    assert_completed(&t);
    assert_eq!(
        output(&t),
        [
            "after set_result",
            "cb1 saw 9",
            "cb2 saw 9",
            "cb3 saw 9",
            "after yielding"
        ]
    );
}

#[test]
fn a_callback_added_to_a_done_future_is_scheduled_not_called_at_once() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        f.set_result(&cx, 1).await?;
        f.add_done_callback(
            &cx,
            "cb",
            Program::new(|cx: Ctx| async move { cx.print("cb").await }),
        )
        .await?;
        cx.print("after add_done_callback").await?;
        cx.asleep(0).await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["after add_done_callback", "cb"]);
}

#[test]
fn callbacks_also_run_when_the_future_is_cancelled() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        f.add_done_callback(
            &cx,
            "cb",
            Program::new(move |cx: Ctx| async move {
                let r = os(f.result(&cx).await);
                cx.print(format!("cb: {r}")).await
            }),
        )
        .await?;
        f.cancel(&cx).await?;
        cx.asleep(0).await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["cb: CancelledError:"]);
}

#[test]
fn cancelling_a_task_that_awaits_a_future_cancels_the_future() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        let task = cx.create_task(
            "waiter",
            Program::new(move |cx: Ctx| async move { f.wait(&cx).await }),
        )?;
        cx.asleep(ms(1)).await?;
        cx.set_result("cancel", task.cancel(&cx).await?).await?;
        cx.set_result("task", os(task.wait(&cx).await)).await?;
        cx.set_result("future_done", f.done(&cx).await?).await?;
        cx.set_result("future", os(f.result(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "cancel"), Value::Bool(true));
    assert_eq!(result(&t, "task"), Value::from("CancelledError:"));
    assert_eq!(result(&t, "future_done"), Value::Bool(true));
    assert_eq!(result(&t, "future"), Value::from("CancelledError:"));
}

#[test]
fn awaiting_a_future_nobody_sets_deadlocks() {
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("never");
        f.wait(&cx).await
    }));
    let Outcome::Deadlock { blocked, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome)
    };
    let main = blocked.iter().find(|e| e.unit_name == "loop").unwrap();
    assert_eq!(main.waits_for, "asyncio.Future 'never' to be done");
}

#[test]
fn awaiters_and_callbacks_wake_in_the_order_they_were_registered() {
    // CPython: awaiting a future adds the task's wake-up as a done callback, so a callback
    // added before the await runs before the awaiting task resumes, and one added after, after.
    let t = run_async(Program::new(|cx: Ctx| async move {
        let f = cx.future("f");
        f.add_done_callback(
            &cx,
            "before",
            Program::new(|cx: Ctx| async move { cx.print("callback added before").await }),
        )
        .await?;
        cx.create_task(
            "setter",
            Program::new(move |cx: Ctx| async move {
                f.add_done_callback(
                    &cx,
                    "after",
                    Program::new(|cx: Ctx| async move { cx.print("callback added after").await }),
                )
                .await?;
                f.set_result(&cx, 1).await
            }),
        )?;
        f.wait(&cx).await?;
        cx.print("awaiter resumed").await?;
        cx.asleep(0).await
    }));
    assert_completed(&t);
    assert_eq!(
        output(&t),
        [
            "callback added before",
            "awaiter resumed",
            "callback added after"
        ]
    );
}

#[test]
fn a_thread_can_schedule_a_callback_on_a_running_loop() {
    let t = run(Program::new(|cx: Ctx| async move {
        let main = Program::new(|cx: Ctx| async move {
            let me = Task { id: cx.id() };
            let f = cx.future("f");
            let thread = cx.thread(
                "helper",
                Program::new(move |cx: Ctx| async move {
                    cx.sleep(ms(5)).await?;
                    cx.call_soon_threadsafe(
                        me,
                        "cb",
                        Program::new(move |cx: Ctx| async move { f.set_result(&cx, 7).await }),
                    )
                    .await?;
                    Ok(())
                }),
            );
            thread.start(&cx).await?;
            let v = f.wait(&cx).await?;
            cx.set_result("got", v).await?;
            cx.set_result("at", cx.now().await? as i64).await
        });
        cx.run_loop("loop", main).await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "got"), Value::from(7));
    assert!(result_int(&t, "at") >= ms(5) as i64);
}

#[test]
fn call_soon_threadsafe_after_the_loop_ended_is_a_runtime_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let main = Program::new(|cx: Ctx| async move { Ok(Value::from(i64::from(cx.id().0))) });
        let id = cx.run_loop("loop", main).await?.as_int()?;
        let task = Task {
            id: UnitId(id as u32),
        };
        let r = cx
            .call_soon_threadsafe(task, "cb", Program::new(|_cx: Ctx| async move { Ok(()) }))
            .await
            .map(|_| Value::None);
        cx.set_result("r", os(r)).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "r"),
        Value::from("RuntimeError:Event loop is closed")
    );
}
