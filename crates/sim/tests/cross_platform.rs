//! The same programs, machines, seeds and schedulers give the same trace hashes natively and in
//! wasm (run in headless Chrome by `wasm-pack test`). The native test keeps the expected hashes
//! in `fixtures/trace_hashes.txt` (rewrite it with `UPDATE_HASHES=1` after an intended change);
//! the wasm test checks against the same file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_sim::*;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Threads racing on a counter, a bounded queue, an event, a barrier.
fn threads() -> Program {
    Program::new(|cx: Ctx| async move {
        let counter = cx.var("counter", 0);
        let q = cx.queue("q", 2);
        let b = cx.barrier("b", 3)?;
        let mut ts = Vec::new();
        for i in 0..3u64 {
            let b = b.clone();
            ts.push(
                cx.spawn_thread(
                    &format!("T{i}"),
                    Program::new(move |cx: Ctx| async move {
                        for k in 0..3u64 {
                            let v = counter.read_int(&cx).await?;
                            cx.sleep(us(7 * k + 3 * i + 1)).await?;
                            counter.write(&cx, v + 1).await?;
                            q.put(&cx, v).await?;
                            q.get(&cx).await?;
                        }
                        b.wait(&cx).await?;
                        cx.compute(us(50)).await
                    }),
                )
                .await?,
            );
        }
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read(&cx).await?;
        cx.set_result("counter", v).await
    })
}

/// Processes with a multiprocessing queue, a pipe and shared memory.
fn processes() -> Program {
    Program::new(|cx: Ctx| async move {
        let q = cx.new_queue(Flavor::Multiprocessing, QueueKind::Fifo, "q", 0);
        let (rx, tx) = cx.pipe("p", false);
        let total = cx.mp_value("total", 0, true);
        let lock = total.get_lock()?;
        let mut ps = Vec::new();
        for i in 0..2i64 {
            ps.push(
                cx.spawn_process(
                    &format!("P{i}"),
                    Program::new(move |cx: Ctx| async move {
                        for k in 0..3 {
                            q.put(&cx, i * 10 + k).await?;
                            lock.acquire(&cx).await?;
                            let v = total.read_int(&cx).await?;
                            total.write(&cx, v + k).await?;
                            lock.release(&cx).await?;
                        }
                        if i == 0 {
                            tx.send(&cx, "done").await?;
                            tx.close(&cx).await?;
                        }
                        Ok(())
                    }),
                )
                .await?,
            );
        }
        for _ in 0..6 {
            q.get(&cx).await?;
        }
        rx.recv(&cx).await?;
        let eof = rx.recv(&cx).await.is_err();
        for p in ps {
            p.join(&cx).await?;
        }
        cx.set_result("eof", eof).await?;
        let v = total.read(&cx).await?;
        cx.set_result("total", v).await
    })
}

/// asyncio tasks, gather, wait_for, a future set by another task, a blocking call.
fn tasks() -> Program {
    Program::new(|cx: Ctx| async move {
        let r = cx
            .run_loop(
                "main",
                Program::new(|cx: Ctx| async move {
                    let f = cx.future("f");
                    let mut ts = Vec::new();
                    for i in 0..4u64 {
                        ts.push(cx.create_task(
                            &format!("t{i}"),
                            Program::new(move |cx: Ctx| async move {
                                cx.asleep(ms(4 - i)).await?;
                                if i == 2 {
                                    f.set_result(&cx, 7).await?;
                                }
                                PyResult::Ok(i as i64)
                            }),
                        )?);
                    }
                    let slow = cx.create_task(
                        "slow",
                        Program::new(|cx: Ctx| async move { cx.asleep(ms(50)).await }),
                    )?;
                    let timed_out = cx.wait_for(slow, ms(5)).await.is_err();
                    let v = f.wait(&cx).await?;
                    cx.sleep(ms(1)).await?;
                    let all = cx.gather(&ts).await?;
                    PyResult::Ok(Value::List(vec![
                        v,
                        Value::Bool(timed_out),
                        Value::List(all),
                    ]))
                }),
            )
            .await?;
        cx.set_result("r", r).await
    })
}

/// Two threads taking two locks in opposite orders: a deadlock under some schedules.
fn inversion() -> Program {
    Program::new(|cx: Ctx| async move {
        let (a, b) = (cx.lock("a"), cx.lock("b"));
        let go = cx.event("go");
        for (name, first, second) in [("T1", a, b), ("T2", b, a)] {
            cx.spawn_thread(
                name,
                Program::new(move |cx: Ctx| async move {
                    go.wait(&cx).await?;
                    first.acquire(&cx).await?;
                    second.acquire(&cx).await?;
                    second.release(&cx).await?;
                    first.release(&cx).await
                }),
            )
            .await?;
        }
        go.set(&cx).await
    })
}

/// A named program run with a machine, a seed and a scheduler.
type Case = (&'static str, Machine, u64, SchedulerKind, fn() -> Program);

fn hashes() -> String {
    let free = Machine {
        gil: false,
        ..Machine::default()
    };
    let cases: Vec<Case> = vec![
        (
            "threads-fifo",
            Machine::default(),
            1,
            SchedulerKind::Fifo,
            threads,
        ),
        (
            "threads-random-7",
            Machine::default(),
            7,
            SchedulerKind::Random,
            threads,
        ),
        (
            "threads-free-random-3",
            free.clone(),
            3,
            SchedulerKind::Random,
            threads,
        ),
        (
            "threads-pct-5",
            free.clone(),
            5,
            SchedulerKind::Pct {
                depth: 3,
                expected_steps: 200,
            },
            threads,
        ),
        (
            "processes-random-2",
            Machine::default(),
            2,
            SchedulerKind::Random,
            processes,
        ),
        (
            "tasks-fifo",
            Machine::default(),
            1,
            SchedulerKind::Fifo,
            tasks,
        ),
        (
            "inversion-free-random-2",
            free,
            2,
            SchedulerKind::Random,
            inversion,
        ),
    ];
    let mut out = String::new();
    for (name, machine, seed, sched, program) in cases {
        let t = simulate(machine, seed, &sched, program()).unwrap();
        out.push_str(&format!(
            "{name} {:016x} {}\n",
            t.hash(),
            t.outcome.summary().split(':').next().unwrap_or("")
        ));
    }
    out
}

const EXPECTED: &str = include_str!("fixtures/trace_hashes.txt");

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_hashes_match_the_fixture() {
    let got = hashes();
    if std::env::var_os("UPDATE_HASHES").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/trace_hashes.txt");
        std::fs::write(path, &got).unwrap();
        return;
    }
    assert_eq!(
        got, EXPECTED,
        "trace hashes changed; if intended, rerun with UPDATE_HASHES=1"
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_hashes_match_the_native_ones() {
    assert_eq!(hashes(), EXPECTED);
}
