//! `Lock` and `RLock` (threading, multiprocessing, asyncio): exclusion, errors, timeouts, deadlocks.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

fn cycle_names(t: &Trace) -> Vec<String> {
    match &t.outcome {
        Outcome::Deadlock { cycle, .. } => {
            let mut v: Vec<String> = cycle.iter().map(|e| e.unit_name.clone()).collect();
            v.sort();
            v
        }
        other => panic!("expected a deadlock, got {other:?}"),
    }
}

#[test]
fn lock_protects_read_modify_write_on_free_threaded_cores() {
    let t = run_with(
        free_threaded(2),
        0,
        SchedulerKind::Fifo,
        Program::new(|cx: Ctx| async move {
            let lock = cx.lock("l");
            let counter = cx.var("counter", 0);
            let mut ts = vec![];
            for i in 0..3 {
                ts.push(
                    cx.spawn_thread(
                        &format!("T{i}"),
                        Program::new(move |cx: Ctx| async move {
                            for _ in 0..5 {
                                lock.with(&cx, || async {
                                    let v = counter.read_int(&cx).await?;
                                    cx.compute(us(10)).await?;
                                    counter.write(&cx, v + 1).await
                                })
                                .await?;
                            }
                            Ok(())
                        }),
                    )
                    .await?,
                );
            }
            for t in ts {
                t.join(&cx).await?;
            }
            cx.set_result("counter", counter.read(&cx).await?).await
        }),
    );
    assert_completed(&t);
    assert_eq!(result_int(&t, "counter"), 15);
}

#[test]
fn without_the_lock_the_same_program_loses_updates() {
    let t = run_with(
        free_threaded(2),
        0,
        SchedulerKind::Fifo,
        Program::new(|cx: Ctx| async move {
            let counter = cx.var("counter", 0);
            let mut ts = vec![];
            for i in 0..3 {
                ts.push(
                    cx.spawn_thread(
                        &format!("T{i}"),
                        Program::new(move |cx: Ctx| async move {
                            for _ in 0..5 {
                                let v = counter.read_int(&cx).await?;
                                cx.compute(us(10)).await?;
                                counter.write(&cx, v + 1).await?;
                            }
                            Ok(())
                        }),
                    )
                    .await?,
                );
            }
            for t in ts {
                t.join(&cx).await?;
            }
            cx.set_result("counter", counter.read(&cx).await?).await
        }),
    );
    assert_completed(&t);
    assert!(
        result_int(&t, "counter") < 15,
        "got {}",
        result_int(&t, "counter")
    );
}

#[test]
fn release_of_unlocked_lock_is_runtime_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        cx.set_result("r", os(lock.release(&cx).await)).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("RuntimeError:release unlocked lock")
    );
}

#[test]
fn non_blocking_acquire_and_locked() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        cx.set_result("first", lock.try_acquire(&cx).await?).await?;
        cx.set_result("locked", lock.locked(&cx).await?).await?;
        cx.set_result("second", lock.try_acquire(&cx).await?)
            .await?;
        lock.release(&cx).await?;
        cx.set_result("after", lock.locked(&cx).await?).await
    }));
    assert_eq!(result(&t, "first"), Value::Bool(true));
    assert_eq!(result(&t, "locked"), Value::Bool(true));
    assert_eq!(result(&t, "second"), Value::Bool(false));
    assert_eq!(result(&t, "after"), Value::Bool(false));
}

#[test]
fn non_blocking_acquire_with_timeout_is_value_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        cx.set_result("r", os(lock.try_acquire_timeout(&cx, ms(1)).await))
            .await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("ValueError:can't specify a timeout for a non-blocking call")
    );
}

#[test]
fn acquire_timeout_gives_up_after_the_timeout() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        lock.acquire(&cx).await?;
        let th = cx
            .spawn_thread(
                "T",
                Program::new(move |cx: Ctx| async move {
                    let t0 = cx.now().await?;
                    let got = lock.acquire_timeout(&cx, ms(100)).await?;
                    cx.set_result("got", got).await?;
                    cx.set_result("waited", (cx.now().await? - t0) as i64).await
                }),
            )
            .await?;
        th.join(&cx).await?;
        lock.release(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "got"), Value::Bool(false));
    assert_eq!(result_int(&t, "waited"), ms(100) as i64);
}

#[test]
fn blocked_acquire_proceeds_when_the_holder_releases() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        lock.acquire(&cx).await?;
        let th = cx
            .spawn_thread(
                "T",
                Program::new(move |cx: Ctx| async move {
                    lock.acquire(&cx).await?;
                    cx.set_result("acquired_at", cx.now().await? as i64).await?;
                    lock.release(&cx).await
                }),
            )
            .await?;
        cx.sleep(ms(50)).await?;
        cx.set_result("released_at", cx.now().await? as i64).await?;
        lock.release(&cx).await?;
        th.join(&cx).await
    }));
    assert_completed(&t);
    let released = result_int(&t, "released_at");
    assert!(released >= ms(50) as i64);
    assert_eq!(result_int(&t, "acquired_at"), released);
}

/// `threading.Lock` is not fair: a release wakes the oldest waiter only to try again, and a
/// thread that releases and acquires at once takes the lock back first. The woken waiter then
/// waits again, leaving no mark: no event, and its lane stays in one blocked span.
#[test]
fn a_woken_waiter_that_loses_the_lock_waits_again_without_a_trace() {
    let t = run_with(
        free_threaded(2),
        0,
        SchedulerKind::Fifo,
        Program::new(|cx: Ctx| async move {
            let lock = cx.lock("l");
            let greedy = cx
                .spawn_thread(
                    "Greedy",
                    Program::new(move |cx: Ctx| async move {
                        for _ in 0..3 {
                            lock.acquire(&cx).await?;
                            cx.compute(ms(1)).await?;
                            lock.release(&cx).await?;
                        }
                        Ok(())
                    }),
                )
                .await?;
            let patient = cx
                .spawn_thread(
                    "Patient",
                    Program::new(move |cx: Ctx| async move {
                        lock.acquire(&cx).await?;
                        cx.set_result("patient_at", cx.now().await? as i64).await?;
                        lock.release(&cx).await
                    }),
                )
                .await?;
            greedy.join(&cx).await?;
            patient.join(&cx).await
        }),
    );
    assert_completed(&t);
    let name = |u: UnitId| t.units[u.index()].name.as_str();
    let acquirers: Vec<&str> = t
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Acquire)
        .map(|e| name(e.unit))
        .collect();
    assert_eq!(acquirers, ["Greedy", "Greedy", "Greedy", "Patient"]);
    assert!(!t.events.iter().any(|e| e.kind == EventKind::AcquireTimeout));
    // Woken by each of the first two releases, it lost the lock each time, then took it
    // after the last one, which the causal link names.
    let releases: Vec<usize> = (0..t.events.len())
        .filter(|&i| t.events[i].kind == EventKind::Release)
        .collect();
    let patient_acquire = (0..t.events.len())
        .find(|&i| t.events[i].kind == EventKind::Acquire && name(t.events[i].unit) == "Patient")
        .unwrap();
    assert!(t.links.iter().any(|l| l.kind == LinkKind::Unlock
        && l.from as usize == releases[2]
        && l.to as usize == patient_acquire));
    let patient = t.units.iter().find(|u| u.name == "Patient").unwrap().id;
    let blocked: Vec<&Span> = t
        .spans
        .iter()
        .filter(|s| s.unit == patient && s.state == State::Blocked)
        .collect();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert_eq!(blocked[0].end, result_int(&t, "patient_at") as u64);
    assert!(
        blocked[0].end - blocked[0].start >= 2 * ms(1),
        "{blocked:?}"
    );
}

#[test]
fn plain_lock_may_be_released_by_another_thread() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        lock.acquire(&cx).await?;
        let th = cx
            .spawn_thread(
                "T",
                Program::new(move |cx: Ctx| async move { lock.release(&cx).await }),
            )
            .await?;
        th.join(&cx).await?;
        cx.set_result("reacquired", lock.try_acquire(&cx).await?)
            .await
    }));
    assert_completed(&t);
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    assert_eq!(result(&t, "reacquired"), Value::Bool(true));
}

#[test]
fn acquiring_a_held_lock_twice_in_one_thread_deadlocks() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        lock.acquire(&cx).await?;
        lock.acquire(&cx).await?;
        cx.set_result("unreachable", true).await
    }));
    assert_eq!(cycle_names(&t), vec!["MainProcess".to_string()]);
    assert!(!t.result.contains_key("unreachable"));
}

#[test]
fn opposite_lock_order_deadlocks_with_a_cycle_of_both_threads() {
    let t = run(Program::new(|cx: Ctx| async move {
        let a = cx.lock("A");
        let b = cx.lock("B");
        let t1 = cx
            .spawn_thread(
                "T1",
                Program::new(move |cx: Ctx| async move {
                    a.acquire(&cx).await?;
                    cx.sleep(ms(10)).await?;
                    b.acquire(&cx).await?;
                    Ok(())
                }),
            )
            .await?;
        let t2 = cx
            .spawn_thread(
                "T2",
                Program::new(move |cx: Ctx| async move {
                    b.acquire(&cx).await?;
                    cx.sleep(ms(10)).await?;
                    a.acquire(&cx).await?;
                    Ok(())
                }),
            )
            .await?;
        t1.join(&cx).await?;
        t2.join(&cx).await
    }));
    assert_eq!(cycle_names(&t), vec!["T1".to_string(), "T2".to_string()]);
    let Outcome::Deadlock { cycle, blocked, .. } = &t.outcome else {
        unreachable!()
    };
    assert_eq!(blocked.len(), 3, "main, T1 and T2 are blocked: {blocked:?}");
    let t1 = cycle.iter().find(|e| e.unit_name == "T1").unwrap();
    assert_eq!(t1.obj.map(|o| t.obj_name(o)), Some("B".to_string()));
    assert_eq!(t1.holder.map(|h| t.unit_name(h)), Some("T2".to_string()));
}

#[test]
fn rlock_is_reentrant_and_needs_as_many_releases() {
    let t = run(Program::new(|cx: Ctx| async move {
        let r = cx.rlock("r");
        for _ in 0..3 {
            r.acquire(&cx).await?;
        }
        let probe = move |key: &'static str| {
            Program::new(move |cx: Ctx| async move {
                cx.set_result(key, r.try_acquire(&cx).await?).await
            })
        };
        r.release(&cx).await?;
        r.release(&cx).await?;
        cx.spawn_thread("P1", probe("while_held"))
            .await?
            .join(&cx)
            .await?;
        r.release(&cx).await?;
        cx.set_result("extra_release", os(r.release(&cx).await))
            .await?;
        cx.spawn_thread("P2", probe("after_release"))
            .await?
            .join(&cx)
            .await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "while_held"), Value::Bool(false));
    assert_eq!(result(&t, "after_release"), Value::Bool(true));
    assert_eq!(
        result(&t, "extra_release"),
        Value::from("RuntimeError:cannot release un-acquired lock")
    );
}

#[test]
fn rlock_release_by_a_non_owner_is_runtime_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let r = cx.rlock("r");
        r.acquire(&cx).await?;
        cx.spawn_thread(
            "T",
            Program::new(move |cx: Ctx| async move {
                cx.set_result("r", os(r.release(&cx).await)).await
            }),
        )
        .await?
        .join(&cx)
        .await?;
        cx.set_result("still_locked", r.locked(&cx).await?).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("RuntimeError:cannot release un-acquired lock")
    );
    assert_eq!(result(&t, "still_locked"), Value::Bool(true));
}

#[test]
fn with_releases_the_lock_when_the_body_raises() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        let r: PyResult<()> = lock
            .with(&cx, || async { err(PyErrorKind::ValueError, "boom") })
            .await;
        cx.set_result("r", os(r)).await?;
        cx.set_result("locked", lock.locked(&cx).await?).await
    }));
    assert_eq!(result(&t, "r"), Value::from("ValueError:boom"));
    assert_eq!(result(&t, "locked"), Value::Bool(false));
}

#[test]
fn multiprocessing_lock_over_release_is_value_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let l = cx.new_lock(Flavor::Multiprocessing, "l");
        cx.set_result("lock", os(l.release(&cx).await)).await?;
        let r = cx.new_rlock(Flavor::Multiprocessing, "r");
        cx.set_result("rlock", os(r.release(&cx).await)).await
    }));
    assert_eq!(
        result(&t, "lock"),
        Value::from("ValueError:semaphore or lock released too many times")
    );
    assert_eq!(
        result(&t, "rlock"),
        Value::from("AssertionError:attempt to release recursive lock not owned by thread")
    );
}

#[test]
fn multiprocessing_lock_excludes_across_processes() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.new_lock(Flavor::Multiprocessing, "l");
        let v = cx.mp_value("v", 0, false);
        let mut ps = vec![];
        for i in 0..2 {
            ps.push(
                cx.spawn_process(
                    &format!("P{i}"),
                    Program::new(move |cx: Ctx| async move {
                        for _ in 0..5 {
                            lock.acquire(&cx).await?;
                            let x = v.read_int(&cx).await?;
                            cx.compute(us(100)).await?;
                            v.write(&cx, x + 1).await?;
                            lock.release(&cx).await?;
                        }
                        Ok(())
                    }),
                )
                .await?,
            );
        }
        for p in ps {
            p.join(&cx).await?;
        }
        cx.set_result("v", v.read(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "v"), 10);
}

#[test]
fn asyncio_lock_hands_over_in_fifo_order() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let lock = cx.new_lock(Flavor::Asyncio, "l");
                lock.acquire(&cx).await?;
                let mut tasks = vec![];
                for i in 0..3 {
                    tasks.push(cx.create_task(
                        &format!("t{i}"),
                        Program::new(move |cx: Ctx| async move {
                            lock.acquire(&cx).await?;
                            cx.print(format!("t{i}")).await?;
                            cx.asleep(ms(1)).await?;
                            lock.release(&cx).await
                        }),
                    )?);
                }
                cx.asleep(ms(1)).await?;
                lock.release(&cx).await?;
                cx.gather(&tasks).await?;
                cx.set_result("extra_release", os(lock.release(&cx).await))
                    .await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    let order: Vec<&str> = t.output.iter().map(|(_, _, s)| s.as_str()).collect();
    assert_eq!(order, ["t0", "t1", "t2"]);
    assert_eq!(
        result(&t, "extra_release"),
        Value::from("RuntimeError:Lock is not acquired.")
    );
}
