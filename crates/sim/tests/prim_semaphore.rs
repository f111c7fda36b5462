//! `Semaphore` and `BoundedSemaphore` (threading, multiprocessing, asyncio): limits, release(n), errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

#[test]
fn semaphore_of_two_lets_two_of_four_workers_in_at_a_time() {
    let t = run(Program::new(|cx: Ctx| async move {
        let sem = cx.semaphore("s", 2)?;
        let inside = cx.var("inside", 0);
        let peak = cx.var("peak", 0);
        let mut ts = vec![];
        for i in 0..4 {
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        sem.acquire(&cx).await?;
                        let n = inside.read_int(&cx).await? + 1;
                        inside.write(&cx, n).await?;
                        if n > peak.read_int(&cx).await? {
                            peak.write(&cx, n).await?;
                        }
                        cx.io(ms(100)).await?;
                        let n = inside.read_int(&cx).await?;
                        inside.write(&cx, n - 1).await?;
                        sem.release(&cx).await
                    }),
                )
                .await?,
            );
        }
        for t in ts {
            t.join(&cx).await?;
        }
        cx.set_result("peak", peak.read(&cx).await?).await?;
        cx.set_result("value", sem.value(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "peak"), 2);
    assert_eq!(result_int(&t, "value"), 2);
    // Two rounds of 100 ms, plus four thread starts of 50 µs.
    assert!(
        (ms(200)..ms(201)).contains(&t.metrics.makespan),
        "{}",
        t.metrics.makespan
    );
}

#[test]
fn negative_initial_value_is_rejected_per_flavour() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.set_result("threading", os(cx.semaphore("s", -1).map(|_| ())))
            .await?;
        let r = cx
            .new_semaphore(Flavor::Asyncio, "a", -1, false)
            .map(|_| ());
        cx.set_result("asyncio", os(r)).await?;
        let r = cx
            .new_semaphore(Flavor::Multiprocessing, "m", -1, false)
            .map(|_| ());
        cx.set_result("multiprocessing", os(r)).await
    }));
    assert_eq!(
        result(&t, "threading"),
        Value::from("ValueError:semaphore initial value must be >= 0")
    );
    assert_eq!(
        result(&t, "asyncio"),
        Value::from("ValueError:Semaphore initial value must be >= 0")
    );
    assert_eq!(
        result(&t, "multiprocessing"),
        Value::from("OSError:[Errno 22] Invalid argument")
    );
}

#[test]
fn bounded_semaphore_over_release_is_value_error_in_every_flavour() {
    let t = run(Program::new(|cx: Ctx| async move {
        let th = cx.new_semaphore(Flavor::Threading, "t", 1, true)?;
        th.acquire(&cx).await?;
        th.release(&cx).await?;
        cx.set_result("threading", os(th.release(&cx).await))
            .await?;
        cx.set_result("value", th.value(&cx).await?).await?;
        let mp = cx.new_semaphore(Flavor::Multiprocessing, "m", 1, true)?;
        cx.set_result("multiprocessing", os(mp.release(&cx).await))
            .await?;
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let a = cx.new_semaphore(Flavor::Asyncio, "a", 1, true)?;
                cx.set_result("asyncio", os(a.release(&cx).await)).await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "threading"),
        Value::from("ValueError:Semaphore released too many times")
    );
    assert_eq!(result_int(&t, "value"), 1);
    assert_eq!(
        result(&t, "multiprocessing"),
        Value::from("ValueError:semaphore or lock released too many times")
    );
    assert_eq!(
        result(&t, "asyncio"),
        Value::from("ValueError:BoundedSemaphore released too many times")
    );
}

#[test]
fn plain_semaphore_release_above_initial_value_raises_the_value() {
    let t = run(Program::new(|cx: Ctx| async move {
        let s = cx.semaphore("s", 1)?;
        s.release(&cx).await?;
        cx.set_result("value", s.value(&cx).await?).await?;
        let a = s.try_acquire(&cx).await?;
        let b = s.try_acquire(&cx).await?;
        let c = s.try_acquire(&cx).await?;
        cx.set_result("tries", vec![a, b, c]).await
    }));
    assert_eq!(result_int(&t, "value"), 2);
    assert_eq!(result(&t, "tries"), Value::from(vec![true, true, false]));
}

#[test]
fn release_of_zero_is_value_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let s = cx.semaphore("s", 0)?;
        cx.set_result("r", os(s.release_n(&cx, 0).await)).await?;
        cx.set_result("value", s.value(&cx).await?).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("ValueError:n must be one or more")
    );
    assert_eq!(result_int(&t, "value"), 0);
}

#[test]
fn release_n_wakes_n_waiters() {
    let t = run(Program::new(|cx: Ctx| async move {
        let s = cx.semaphore("s", 0)?;
        let passed = cx.var("passed", 0);
        let mut ts = vec![];
        for i in 0..3 {
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        s.acquire(&cx).await?;
                        let n = passed.read_int(&cx).await?;
                        passed.write(&cx, n + 1).await
                    }),
                )
                .await?,
            );
        }
        cx.sleep(ms(10)).await?;
        s.release_n(&cx, 2).await?;
        cx.sleep(ms(10)).await?;
        cx.set_result("after_two", passed.read(&cx).await?).await?;
        s.release(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        cx.set_result("after_three", passed.read(&cx).await?)
            .await?;
        cx.set_result("value", s.value(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "after_two"), 2);
    assert_eq!(result_int(&t, "after_three"), 3);
    assert_eq!(result_int(&t, "value"), 0);
}

#[test]
fn try_acquire_and_acquire_timeout_on_an_exhausted_semaphore() {
    let t = run(Program::new(|cx: Ctx| async move {
        let s = cx.semaphore("s", 1)?;
        s.acquire(&cx).await?;
        cx.set_result("try", s.try_acquire(&cx).await?).await?;
        let t0 = cx.now().await?;
        cx.set_result("timed", s.acquire_timeout(&cx, ms(30)).await?)
            .await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64).await
    }));
    assert_eq!(result(&t, "try"), Value::Bool(false));
    assert_eq!(result(&t, "timed"), Value::Bool(false));
    assert_eq!(result_int(&t, "waited"), ms(30) as i64);
}

#[test]
fn acquiring_a_zero_semaphore_nobody_releases_deadlocks() {
    let t = run(Program::new(|cx: Ctx| async move {
        let s = cx.semaphore("s", 0)?;
        s.acquire(&cx).await?;
        Ok(())
    }));
    let Outcome::Deadlock { cycle, blocked, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome)
    };
    assert!(cycle.is_empty());
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].unit_name, "MainProcess");
    assert!(
        blocked[0].waits_for.contains("threading.Semaphore 's'"),
        "{}",
        blocked[0].waits_for
    );
}

#[test]
fn asyncio_semaphore_hands_permits_over_in_fifo_order() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let s = cx.new_semaphore(Flavor::Asyncio, "s", 1, false)?;
                s.acquire(&cx).await?;
                let mut tasks = vec![];
                for i in 0..3 {
                    tasks.push(cx.create_task(
                        &format!("t{i}"),
                        Program::new(move |cx: Ctx| async move {
                            s.acquire(&cx).await?;
                            cx.print(format!("t{i}")).await?;
                            cx.asleep(ms(1)).await?;
                            s.release(&cx).await
                        }),
                    )?);
                }
                cx.asleep(ms(1)).await?;
                s.release(&cx).await?;
                cx.gather(&tasks).await?;
                cx.set_result("value", s.value(&cx).await?).await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    let order: Vec<&str> = t.output.iter().map(|(_, _, s)| s.as_str()).collect();
    assert_eq!(order, ["t0", "t1", "t2"]);
    assert_eq!(result_int(&t, "value"), 1);
}

#[test]
fn a_timeout_on_a_non_blocking_acquire_is_value_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let s = cx.semaphore("s", 1)?;
        let r = s.try_acquire_timeout(&cx, ms(1)).await;
        cx.set_result("r", os(r)).await?;
        // Nothing was taken.
        cx.set_result("value", s.value(&cx).await?).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("ValueError:can't specify timeout for non-blocking acquire")
    );
    assert_eq!(result_int(&t, "value"), 1);
}
