//! Threads and processes: start/join errors, daemon threads at exit, exit codes and terminate,
//! threading objects used from another process, and the GIL (CPU-bound vs blocking I/O).
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

fn idle() -> Program {
    Program::new(|cx: Ctx| async move { cx.sleep(ms(1)).await })
}

fn exit_time(t: &Trace, unit: &str) -> Nanos {
    let id = t.units.iter().find(|u| u.name == unit).unwrap().id;
    t.events
        .iter()
        .find(|e| e.unit == id && matches!(e.kind, EventKind::Exit | EventKind::Killed))
        .map(|e| e.time)
        .unwrap_or_else(|| panic!("{unit} never ended"))
}

#[test]
fn starting_a_thread_or_process_twice_is_an_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let th = cx.spawn_thread("T", idle()).await?;
        cx.set_result("thread", os(th.start(&cx).await)).await?;
        let p = cx.spawn_process("P", idle()).await?;
        cx.set_result("process", os(p.start(&cx).await)).await?;
        th.join(&cx).await?;
        p.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "thread"),
        Value::from("RuntimeError:threads can only be started once")
    );
    assert_eq!(
        result(&t, "process"),
        Value::from("AssertionError:cannot start a process twice")
    );
}

#[test]
fn joining_before_start_is_an_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let th = cx.thread("T", idle());
        cx.set_result("thread", os(th.join(&cx).await)).await?;
        let p = cx.process("P", idle());
        cx.set_result("process", os(p.join(&cx).await)).await?;
        cx.set_result("alive", th.is_alive(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "thread"),
        Value::from("RuntimeError:cannot join thread before it is started")
    );
    assert_eq!(
        result(&t, "process"),
        Value::from("AssertionError:can only join a started process")
    );
    assert_eq!(result(&t, "alive"), Value::Bool(false));
}

#[test]
fn a_thread_cannot_join_itself() {
    let t = run(Program::new(|cx: Ctx| async move {
        let me = Thread { id: cx.id() };
        cx.set_result("main", os(me.join(&cx).await)).await?;
        cx.spawn_thread(
            "T",
            Program::new(|cx: Ctx| async move {
                let me = Thread { id: cx.id() };
                cx.set_result("thread", os(me.join(&cx).await)).await
            }),
        )
        .await?
        .join(&cx)
        .await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "main"),
        Value::from("RuntimeError:cannot join current thread")
    );
    assert_eq!(
        result(&t, "thread"),
        Value::from("RuntimeError:cannot join current thread")
    );
}

#[test]
fn is_alive_and_join_with_timeout() {
    let t = run(Program::new(|cx: Ctx| async move {
        let th = cx.thread(
            "T",
            Program::new(|cx: Ctx| async move { cx.sleep(ms(50)).await }),
        );
        let before = th.is_alive(&cx).await?;
        th.start(&cx).await?;
        let t0 = cx.now().await?;
        th.join_timeout(&cx, ms(10)).await?;
        let waited = (cx.now().await? - t0) as i64;
        let during = th.is_alive(&cx).await?;
        th.join(&cx).await?;
        let after = th.is_alive(&cx).await?;
        cx.set_result("alive", vec![before, during, after]).await?;
        cx.set_result("waited", waited).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "alive"), Value::from(vec![false, true, false]));
    assert_eq!(result_int(&t, "waited"), ms(10) as i64);
}

#[test]
fn daemon_threads_are_killed_at_exit_while_other_threads_are_waited_for() {
    let t = run(Program::new(|cx: Ctx| async move {
        let daemon = cx.thread(
            "daemon",
            Program::new(|cx: Ctx| async move {
                cx.sleep(secs(10)).await?;
                cx.print("daemon finished").await
            }),
        );
        daemon.set_daemon(&cx, true).await?;
        daemon.start(&cx).await?;
        cx.spawn_thread(
            "worker",
            Program::new(|cx: Ctx| async move {
                cx.sleep(secs(1)).await?;
                cx.print("worker finished").await
            }),
        )
        .await?;
        cx.print("main returns").await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["main returns", "worker finished"]);
    let end = exit_time(&t, "MainProcess");
    assert!(
        (secs(1)..secs(1) + ms(1)).contains(&end),
        "the interpreter waits for the worker: {end}"
    );
    let daemon_end = exit_time(&t, "daemon");
    assert_eq!(daemon_end, end, "the daemon dies with the interpreter");
    assert!(
        t.events
            .iter()
            .any(|e| e.kind == EventKind::Killed && t.unit_name(e.unit) == "daemon")
    );
}

#[test]
fn daemon_status_cannot_change_after_start() {
    let t = run(Program::new(|cx: Ctx| async move {
        let th = cx.spawn_thread("T", idle()).await?;
        cx.set_result("thread", os(th.set_daemon(&cx, true).await))
            .await?;
        let p = cx.spawn_process("P", idle()).await?;
        cx.set_result("process", os(p.set_daemon(&cx, true).await))
            .await?;
        th.join(&cx).await?;
        p.join(&cx).await
    }));
    assert_eq!(
        result(&t, "thread"),
        Value::from("RuntimeError:cannot set daemon status of active thread")
    );
    assert_eq!(
        result(&t, "process"),
        Value::from("AssertionError:process has already started")
    );
}

#[test]
fn process_exit_codes_are_0_1_and_minus_15_after_terminate() {
    let t = run(Program::new(|cx: Ctx| async move {
        let ok = cx.spawn_process("ok", idle()).await?;
        let bad = cx
            .spawn_process(
                "bad",
                Program::new(|cx: Ctx| async move {
                    cx.sleep(ms(1)).await?;
                    err::<()>(PyErrorKind::ValueError, "boom")
                }),
            )
            .await?;
        let stuck = cx
            .spawn_process(
                "stuck",
                Program::new(|cx: Ctx| async move { cx.sleep(secs(100)).await }),
            )
            .await?;
        cx.set_result("running", format!("{:?}", stuck.exitcode(&cx).await?))
            .await?;
        ok.join(&cx).await?;
        bad.join(&cx).await?;
        cx.sleep(ms(20)).await?;
        stuck.terminate(&cx).await?;
        stuck.join(&cx).await?;
        let codes = vec![
            ok.exitcode(&cx).await?.unwrap_or(99),
            bad.exitcode(&cx).await?.unwrap_or(99),
            stuck.exitcode(&cx).await?.unwrap_or(99),
        ];
        cx.set_result("codes", codes).await?;
        cx.set_result("stuck_alive", stuck.is_alive(&cx).await?)
            .await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "running"), Value::from("None"));
    assert_eq!(result(&t, "codes"), Value::from(vec![0, 1, -15]));
    assert_eq!(result(&t, "stuck_alive"), Value::Bool(false));
    assert_eq!(
        error_of(&t, "bad").map(|e| e.to_string()),
        Some("ValueError: boom".to_string())
    );
}

#[test]
fn an_exception_in_a_thread_ends_only_that_thread() {
    let t = run(Program::new(|cx: Ctx| async move {
        let child = cx
            .spawn_process(
                "child",
                Program::new(|cx: Ctx| async move {
                    let bad = cx
                        .spawn_thread(
                            "bad",
                            Program::new(|_cx: Ctx| async move {
                                err::<()>(PyErrorKind::KeyError, "'k'")
                            }),
                        )
                        .await?;
                    bad.join(&cx).await?;
                    cx.print("child main goes on").await
                }),
            )
            .await?;
        child.join(&cx).await?;
        cx.set_result("exitcode", child.exitcode(&cx).await?.unwrap_or(99))
            .await
    }));
    assert_completed(&t);
    assert_eq!(
        error_of(&t, "bad").map(|e| e.kind),
        Some(PyErrorKind::KeyError)
    );
    assert_eq!(output(&t), ["child main goes on"]);
    assert_eq!(
        result_int(&t, "exitcode"),
        0,
        "threading.excepthook does not change the exit code"
    );
}

#[test]
fn a_threading_lock_used_from_another_process_is_type_error() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        let rlock = cx.rlock("r");
        let p = cx
            .spawn_process(
                "child",
                Program::new(move |cx: Ctx| async move {
                    cx.set_result("rlock", os(rlock.acquire(&cx).await)).await?;
                    lock.acquire(&cx).await?;
                    cx.print("unreachable").await
                }),
            )
            .await?;
        p.join(&cx).await?;
        cx.set_result("exitcode", p.exitcode(&cx).await?.unwrap_or(99))
            .await
    }));
    assert_completed(&t);
    let e = error_of(&t, "child").unwrap();
    assert_eq!(e.kind, PyErrorKind::TypeError);
    assert!(
        e.message.starts_with("cannot pickle '_thread.lock' object"),
        "{}",
        e.message
    );
    let r = match result(&t, "rlock") {
        Value::Str(s) => s,
        v => panic!("{v:?}"),
    };
    assert!(
        r.starts_with("TypeError:cannot pickle '_thread.RLock' object"),
        "{r}"
    );
    assert_eq!(result_int(&t, "exitcode"), 1);
    assert!(output(&t).is_empty());
}

#[test]
fn a_daemonic_process_cannot_have_children() {
    let t = run(Program::new(|cx: Ctx| async move {
        let p = cx.process(
            "daemonic",
            Program::new(|cx: Ctx| async move {
                let r = cx.spawn_process("grandchild", idle()).await.map(|_| ());
                cx.set_result("r", os(r)).await
            }),
        );
        p.set_daemon(&cx, true).await?;
        p.start(&cx).await?;
        p.join(&cx).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("AssertionError:daemonic processes are not allowed to have children")
    );
}

#[test]
fn only_the_parent_can_join_a_process() {
    let t = run(Program::new(|cx: Ctx| async move {
        let sibling = cx.spawn_process("sibling", idle()).await?;
        let p = cx
            .spawn_process(
                "other",
                Program::new(move |cx: Ctx| async move {
                    cx.set_result("r", os(sibling.join(&cx).await)).await
                }),
            )
            .await?;
        p.join(&cx).await?;
        sibling.join(&cx).await
    }));
    assert_eq!(
        result(&t, "r"),
        Value::from("AssertionError:can only join a child process")
    );
}

#[test]
fn the_parent_waits_for_non_daemon_children_at_exit() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.spawn_process(
            "child",
            Program::new(|cx: Ctx| async move {
                cx.sleep(ms(50)).await?;
                cx.print("child done").await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["child done"]);
    assert!(exit_time(&t, "MainProcess") >= exit_time(&t, "child"));
}

#[test]
fn daemonic_child_processes_are_terminated_when_the_parent_exits() {
    let t = run(Program::new(|cx: Ctx| async move {
        let p = cx.process(
            "child",
            Program::new(|cx: Ctx| async move {
                cx.sleep(secs(10)).await?;
                cx.print("child done").await
            }),
        );
        p.set_daemon(&cx, true).await?;
        p.start(&cx).await?;
        cx.sleep(ms(20)).await
    }));
    assert_completed(&t);
    assert!(output(&t).is_empty());
    let killed = t
        .events_with_details()
        .find(|(e, _)| e.kind == EventKind::Killed && t.unit_name(e.unit) == "child");
    assert_eq!(killed.and_then(|(_, d)| d), Some("exit code -15"));
    assert_eq!(exit_time(&t, "child"), exit_time(&t, "MainProcess"));
}

/// Starts `n` threads each running `body`, joins them, and records the elapsed time.
fn threads_doing(machine: Machine, n: usize, body: fn(Ctx) -> Program) -> Trace {
    run_with(
        machine,
        0,
        SchedulerKind::Fifo,
        Program::new(move |cx: Ctx| async move {
            let t0 = cx.now().await?;
            let mut ts = vec![];
            for i in 0..n {
                let th = cx.thread(&format!("T{i}"), body(cx.clone()));
                th.start(&cx).await?;
                ts.push(th);
            }
            for th in ts {
                th.join(&cx).await?;
            }
            cx.set_result("elapsed", (cx.now().await? - t0) as i64)
                .await
        }),
    )
}

fn cpu_bound(_: Ctx) -> Program {
    Program::new(|cx: Ctx| async move { cx.compute(ms(100)).await })
}

fn io_bound(_: Ctx) -> Program {
    Program::new(|cx: Ctx| async move { cx.io(ms(100)).await })
}

fn elapsed(t: &Trace) -> Nanos {
    assert_completed(t);
    result_int(t, "elapsed") as Nanos
}

#[test]
fn one_cpu_bound_thread_takes_its_compute_time() {
    let e = elapsed(&threads_doing(Machine::default(), 1, cpu_bound));
    assert!((ms(100)..ms(101)).contains(&e), "{e}");
}

#[test]
fn two_cpu_bound_threads_take_twice_as_long_under_the_gil() {
    let e = elapsed(&threads_doing(Machine::default(), 2, cpu_bound));
    assert!((ms(200)..ms(202)).contains(&e), "{e}");
}

#[test]
fn two_cpu_bound_threads_run_in_parallel_without_the_gil_on_two_cores() {
    let e = elapsed(&threads_doing(free_threaded(2), 2, cpu_bound));
    assert!((ms(100)..ms(101)).contains(&e), "{e}");
}

#[test]
fn blocking_io_releases_the_gil_so_five_io_threads_overlap() {
    let e = elapsed(&threads_doing(Machine::default(), 5, io_bound));
    assert!((ms(100)..ms(101)).contains(&e), "{e}");
}

#[test]
fn two_cpu_bound_processes_run_in_parallel_despite_the_gil() {
    let t = run(Program::new(|cx: Ctx| async move {
        let t0 = cx.now().await?;
        let mut ps = vec![];
        for i in 0..2 {
            ps.push(
                cx.spawn_process(&format!("P{i}"), cpu_bound(cx.clone()))
                    .await?,
            );
        }
        for p in ps {
            p.join(&cx).await?;
        }
        cx.set_result("elapsed", (cx.now().await? - t0) as i64)
            .await
    }));
    let e = elapsed(&t);
    let spawn = Costs::default().process_spawn;
    assert!((ms(100) + spawn..ms(102) + spawn).contains(&e), "{e}");
}
