//! `Barrier`: passing together, arrival indices, the action, timeouts, abort/reset, reuse, errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;
use std::rc::Rc;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

/// Starts `n` threads `W0..` that sleep `i * 10ms`, then wait at `b` and record what `wait` gave
/// and when.
async fn arrive(
    cx: &Ctx,
    b: &Barrier,
    n: usize,
    timeout_for_w0: Option<Nanos>,
) -> PyResult<Vec<Thread>> {
    let mut ts = vec![];
    for i in 0..n {
        let b = b.clone();
        ts.push(
            cx.spawn_thread(
                &format!("W{i}"),
                Program::new(move |cx: Ctx| async move {
                    cx.sleep(ms(10) * i as u64).await?;
                    let r = match (i, timeout_for_w0) {
                        (0, Some(t)) => b.wait_timeout(&cx, t).await,
                        _ => b.wait(&cx).await,
                    };
                    cx.set_result(format!("r{i}"), os(r)).await?;
                    cx.set_result(format!("t{i}"), cx.now().await? as i64).await
                }),
            )
            .await?,
        );
    }
    Ok(ts)
}

#[test]
fn parties_pass_together_when_the_last_arrives_with_distinct_indices() {
    let t = run(Program::new(|cx: Ctx| async move {
        let b = cx.barrier("b", 3)?;
        for th in arrive(&cx, &b, 3, None).await? {
            th.join(&cx).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    let last = result_int(&t, "t2");
    assert!((ms(20) as i64..ms(21) as i64).contains(&last), "{last}");
    for i in 0..3 {
        // Arrival order gives the index: W0 arrived first.
        assert_eq!(result(&t, &format!("r{i}")), Value::from(format!("ok:{i}")));
        assert_eq!(
            result_int(&t, &format!("t{i}")),
            last,
            "W{i} passes when the last arrives"
        );
    }
}

#[test]
fn the_action_runs_once_in_the_last_thread_before_anyone_passes() {
    let t = run(Program::new(|cx: Ctx| async move {
        let action: BarrierAction = Rc::new(|cx: Ctx| {
            Box::pin(async move {
                cx.print("action").await?;
                Ok(Value::None)
            })
        });
        let b = cx.new_barrier(Flavor::Threading, "b", 3, Some(action), None)?;
        let mut ts = vec![];
        for i in 0..3u64 {
            let b = b.clone();
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        cx.sleep(ms(5) * i).await?;
                        b.wait(&cx).await?;
                        cx.print(format!("W{i} passed")).await
                    }),
                )
                .await?,
            );
        }
        for th in ts {
            th.join(&cx).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    let lines: Vec<&str> = t.output.iter().map(|(_, _, s)| s.as_str()).collect();
    assert_eq!(lines.iter().filter(|l| **l == "action").count(), 1);
    assert_eq!(lines[0], "action", "{lines:?}");
    assert_eq!(t.unit_name(t.output[0].1), "W2");
}

#[test]
fn a_wait_timeout_breaks_the_barrier_for_every_waiter() {
    let t = run(Program::new(|cx: Ctx| async move {
        let b = cx.barrier("b", 3)?;
        // W0 waits with a 25 ms timeout; W1 arrives at 10 ms; the third party never comes.
        for th in arrive(&cx, &b, 2, Some(ms(25))).await? {
            th.join(&cx).await?;
        }
        cx.set_result("broken", b.broken(&cx).await?).await?;
        cx.set_result("later", os(b.wait(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "r0"), Value::from("BrokenBarrierError:"));
    assert_eq!(result(&t, "r1"), Value::from("BrokenBarrierError:"));
    let t0 = result_int(&t, "t0");
    assert!((ms(25) as i64..ms(26) as i64).contains(&t0), "{t0}");
    assert_eq!(result_int(&t, "t1"), t0);
    assert_eq!(result(&t, "broken"), Value::Bool(true));
    assert_eq!(result(&t, "later"), Value::from("BrokenBarrierError:"));
}

#[test]
fn the_default_timeout_applies_to_wait() {
    let t = run(Program::new(|cx: Ctx| async move {
        let b = cx.new_barrier(Flavor::Threading, "b", 2, None, Some(ms(40)))?;
        let t0 = cx.now().await?;
        cx.set_result("r", os(b.wait(&cx).await)).await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64).await
    }));
    assert_eq!(result(&t, "r"), Value::from("BrokenBarrierError:"));
    assert_eq!(result_int(&t, "waited"), ms(40) as i64);
}

#[test]
fn abort_breaks_waiters_and_reset_makes_the_barrier_usable_again() {
    let t = run(Program::new(|cx: Ctx| async move {
        let b = cx.barrier("b", 3)?;
        let ts = arrive(&cx, &b, 2, None).await?;
        cx.sleep(ms(50)).await?;
        cx.set_result("n_waiting", b.n_waiting(&cx).await?).await?;
        b.abort(&cx).await?;
        for th in ts {
            th.join(&cx).await?;
        }
        cx.set_result("broken_after_abort", b.broken(&cx).await?)
            .await?;
        b.reset(&cx).await?;
        cx.set_result("broken_after_reset", b.broken(&cx).await?)
            .await?;
        let b2 = b.clone();
        let helper = cx
            .spawn_thread(
                "H",
                Program::new(move |cx: Ctx| async move { b2.wait(&cx).await.map(|_| ()) }),
            )
            .await?;
        let b3 = b.clone();
        let helper2 = cx
            .spawn_thread(
                "H2",
                Program::new(move |cx: Ctx| async move { b3.wait(&cx).await.map(|_| ()) }),
            )
            .await?;
        cx.set_result("fresh", os(b.wait(&cx).await)).await?;
        helper.join(&cx).await?;
        helper2.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "n_waiting"), 2);
    assert_eq!(result(&t, "r0"), Value::from("BrokenBarrierError:"));
    assert_eq!(result(&t, "r1"), Value::from("BrokenBarrierError:"));
    assert_eq!(result(&t, "broken_after_abort"), Value::Bool(true));
    assert_eq!(result(&t, "broken_after_reset"), Value::Bool(false));
    assert_eq!(result(&t, "fresh"), Value::from("ok:2"));
}

#[test]
fn the_barrier_can_be_passed_again_and_again() {
    let t = run(Program::new(|cx: Ctx| async move {
        let b = cx.barrier("b", 2)?;
        let b2 = b.clone();
        let other = cx
            .spawn_thread(
                "other",
                Program::new(move |cx: Ctx| async move {
                    for _ in 0..3 {
                        cx.sleep(ms(10)).await?;
                        b2.wait(&cx).await?;
                    }
                    Ok(())
                }),
            )
            .await?;
        for round in 0..3 {
            b.wait(&cx).await?;
            cx.set_result(format!("round{round}"), cx.now().await? as i64)
                .await?;
        }
        other.join(&cx).await
    }));
    assert_completed(&t);
    for round in 0..3 {
        let at = result_int(&t, &format!("round{round}"));
        let want = ms(10) as i64 * (round + 1);
        assert!(
            (want..want + ms(1) as i64).contains(&at),
            "round {round} at {at}"
        );
    }
}

#[test]
fn an_action_that_raises_breaks_the_barrier() {
    let t = run(Program::new(|cx: Ctx| async move {
        let action: BarrierAction = Rc::new(|_cx: Ctx| {
            Box::pin(async move { err(PyErrorKind::ZeroDivisionError, "division by zero") })
        });
        let b = cx.new_barrier(Flavor::Threading, "b", 2, Some(action), None)?;
        let ts = arrive(&cx, &b, 2, None).await?;
        for th in ts {
            th.join(&cx).await?;
        }
        cx.set_result("broken", b.broken(&cx).await?).await
    }));
    assert_completed(&t);
    // W1 arrived last, ran the action and gets its exception; W0 gets BrokenBarrierError.
    assert_eq!(
        result(&t, "r1"),
        Value::from("ZeroDivisionError:division by zero")
    );
    assert_eq!(result(&t, "r0"), Value::from("BrokenBarrierError:"));
    assert_eq!(result(&t, "broken"), Value::Bool(true));
}

#[test]
fn fewer_than_one_party_is_value_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.set_result("threading", os(cx.barrier("b", 0).map(|_| ())))
            .await?;
        let r = cx
            .new_barrier(Flavor::Asyncio, "a", 0, None, None)
            .map(|_| ());
        cx.set_result("asyncio", os(r)).await
    }));
    assert_eq!(
        result(&t, "threading"),
        Value::from("ValueError:parties must be >= 1")
    );
    assert_eq!(
        result(&t, "asyncio"),
        Value::from("ValueError:parties must be > 0")
    );
}

#[test]
fn too_few_parties_deadlock() {
    let t = run(Program::new(|cx: Ctx| async move {
        let b = cx.barrier("b", 3)?;
        for th in arrive(&cx, &b, 2, None).await? {
            th.join(&cx).await?;
        }
        Ok(())
    }));
    let Outcome::Deadlock { blocked, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome)
    };
    let w0 = blocked.iter().find(|e| e.unit_name == "W0").unwrap();
    assert_eq!(w0.waits_for, "1 more parties at threading.Barrier 'b'");
}

#[test]
fn asyncio_barrier_releases_tasks_together() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let b = cx.new_barrier(Flavor::Asyncio, "b", 3, None, None)?;
                let mut tasks = vec![];
                for i in 0..3u64 {
                    let b = b.clone();
                    tasks.push(cx.create_task(
                        &format!("t{i}"),
                        Program::new(move |cx: Ctx| async move {
                            cx.asleep(ms(10) * i).await?;
                            let ix = b.wait(&cx).await?;
                            Ok(vec![ix, cx.now().await? as i64])
                        }),
                    )?);
                }
                let r = cx.gather(&tasks).await?;
                cx.set_result("r", r).await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    let at = ms(20) as i64;
    let want: Vec<Value> = (0..3).map(|i| Value::from(vec![i, at])).collect();
    assert_eq!(result(&t, "r"), Value::List(want));
}

/// A waiter cancelled by `wait_for` leaves the barrier: the next lone waiter does not pass.
#[test]
fn cancelled_asyncio_waiter_leaves_the_barrier() {
    let t = common::run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "main",
            Program::new(|cx: Ctx| async move {
                let b = cx.new_barrier(Flavor::Asyncio, "b", 2, None, None)?;
                let (b1, b2) = (b.clone(), b.clone());
                let first = cx.create_task(
                    "w1",
                    Program::new(move |cx: Ctx| async move { b1.wait(&cx).await }),
                )?;
                let r1 = cx.wait_for(first, ms(10)).await;
                cx.set_result("first", common::outcome_str(r1)).await?;
                let second = cx.create_task(
                    "w2",
                    Program::new(move |cx: Ctx| async move { b2.wait(&cx).await }),
                )?;
                let r2 = cx.wait_for(second, ms(10)).await;
                cx.set_result("second", common::outcome_str(r2)).await?;
                PyResult::Ok(())
            }),
        )
        .await?;
        Ok(())
    }));
    assert_eq!(t.result["first"], Value::from("TimeoutError:"));
    assert_eq!(t.result["second"], Value::from("TimeoutError:"));
}
