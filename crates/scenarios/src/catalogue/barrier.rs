//! `barrier`: parties arrive at random times and leave a `Barrier` together; units without the
//! barrier finish whenever they are done; a late party (with a timeout) or `abort()` breaks the
//! barrier and every party gets `BrokenBarrierError`.

use interleave_sim::{
    Barrier, Ctx, Flavor, Program, PyErrorKind, PyResult, Value, from_ms_f64, ms,
};

use super::{FLAVORS, Slots, default_machine, flavor, join_all, pause, run_main, spawn};
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "barrier",
        title: t("Barrier: leave together", "屏障：一起出发"),
        lesson: t(
            "Parties that reach a Barrier wait until the last one arrives and then all go on at the same moment; a timeout or abort() breaks it for everyone.",
            "到达屏障的各方会等到最后一方到达，然后在同一时刻一起继续；超时或 abort() 会让屏障对所有人失效。",
        ),
        explanation: t(
            "Each party works (sleeps) for a random time, then calls barrier.wait(). The early \
             ones block on 'barrier' (red) with an 'arrived k/n' marker; when the last party \
             arrives, a pass marker appears on every party's lane at the same instant and they \
             all print the same time. The free units run the same random work without a barrier \
             and finish at scattered times — compare their lanes with the parties'. With \
             failure = 'late_party' the last party arrives long after the others, who wait with \
             a timeout: the first timeout breaks the barrier, every waiting party gets \
             BrokenBarrierError, and so does the latecomer when it finally arrives. With \
             'abort' the last party calls abort() instead of waiting, with the same effect. \
             asyncio.Barrier.wait() has no timeout, so the asyncio version wraps it in \
             asyncio.wait_for and calls abort() itself when the time is up. The model breaks the \
             barrier exactly at the timeout and ignores the small cost of waking everyone.",
            "每一方先工作（睡眠）一段随机时间，然后调用 barrier.wait()。先到的阻塞在“barrier”上（红色），带有“arrived k/n”标记；\
             最后一方到达时，所有参与方的泳道上在同一时刻出现通过标记，它们打印的时间也相同。\
             自由单元做同样的随机工作但不经过屏障，完成时间参差不齐——请把它们的泳道和参与方的对比一下。\
             failure = “late_party” 时，最后一方远远晚于其他人到达，而其他人带超时地等待：第一个超时让屏障破损，\
             所有正在等待的一方都得到 BrokenBarrierError，迟到者最终到达时也一样。\
             “abort”时最后一方不等待而是调用 abort()，效果相同。asyncio.Barrier.wait() 没有超时参数，\
             所以 asyncio 版本用 asyncio.wait_for 包住它，时间到了自己调用 abort()。\
             模型恰好在超时时刻让屏障破损，并忽略唤醒所有人的微小开销。",
        ),
        tags: &[Tag::Primitive, Tag::Process, Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "flavor",
                "thread",
                FLAVORS,
                t(
                    "Threads, processes or asyncio tasks.",
                    "线程、进程或 asyncio 任务。",
                ),
            ),
            ParamSpec::int(
                "parties",
                "3",
                1,
                32,
                t(
                    "Barrier(parties), and that many units wait on it.",
                    "Barrier(parties)，并有同样多的单元在它上面等待。",
                ),
            ),
            ParamSpec::int(
                "free_units",
                "2",
                0,
                32,
                t(
                    "Units that do the same work without the barrier.",
                    "做同样工作但不经过屏障的单元数。",
                ),
            ),
            ParamSpec::int(
                "max_sleep_ms",
                "2000",
                1,
                10000,
                t(
                    "Each unit works a random 1 to max_sleep_ms milliseconds first.",
                    "每个单元先随机工作 1 到 max_sleep_ms 毫秒。",
                ),
            ),
            ParamSpec::choice(
                "failure",
                "none",
                &["none", "late_party", "abort"],
                t(
                    "none; late_party: the last party is late and the others time out; abort: the last party calls abort().",
                    "none；late_party：最后一方迟到，其他人超时；abort：最后一方调用 abort()。",
                ),
            ),
            ParamSpec::int(
                "timeout_ms",
                "500",
                1,
                10000,
                t(
                    "How long the others wait for a late party (late_party).",
                    "其他人等待迟到者的时间（late_party）。",
                ),
            ),
        ],
        check: no_check,
        build,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[
                ("failure", "late_party"),
                ("max_sleep_ms", "50"),
                ("timeout_ms", "100"),
                ("free_units", "1"),
            ],
            keys: &["passed", "broken", "aborted"],
            deterministic: true,
            more: &[],
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Failure {
    None,
    LateParty,
    Abort,
}

/// Milliseconds since `t0`.
async fn since(cx: &Ctx, t0: u64) -> PyResult<i64> {
    Ok(i64::try_from(cx.now().await?.saturating_sub(t0) / ms(1)).unwrap_or(i64::MAX))
}

/// `barrier.wait()`, or, for the parties that must not wait for a late one, a wait with a
/// timeout (asyncio: `asyncio.wait_for(barrier.wait(), timeout)`, then `abort()`).
async fn wait(
    cx: &Ctx,
    fl: Flavor,
    barrier: &Barrier,
    name: &str,
    timeout: Option<u64>,
) -> PyResult<i64> {
    match (timeout, fl) {
        (None, _) => barrier.wait(cx).await,
        (Some(d), Flavor::Asyncio) => {
            let b = barrier.clone();
            let task = cx.create_task(
                &format!("{name}: barrier.wait()"),
                Program::new(move |cx: Ctx| async move { b.wait(&cx).await }),
            )?;
            match cx.wait_for(task, d).await {
                Ok(v) => v.as_int(),
                Err(e) if e.kind == PyErrorKind::TimeoutError => {
                    barrier.abort(cx).await?;
                    interleave_sim::err(PyErrorKind::BrokenBarrierError, "")
                }
                Err(e) => Err(e),
            }
        }
        (Some(d), _) => barrier.wait_timeout(cx, d).await,
    }
}

fn build(p: &Params) -> Program {
    let fl = flavor(p);
    let parties = p.int("parties");
    let free = p.int("free_units");
    let max_sleep = u64::try_from(p.int("max_sleep_ms")).unwrap_or(1);
    let timeout = from_ms_f64(p.int("timeout_ms") as f64);
    let failure = match p.choice("failure") {
        "late_party" => Failure::LateParty,
        "abort" => Failure::Abort,
        _ => Failure::None,
    };
    Program::new(move |cx: Ctx| async move {
        let barrier = cx.new_barrier(fl, "barrier", parties, None, None)?;
        // -1: did not get through wait(), 0: passed, 1: BrokenBarrierError.
        let status = Slots::new(&cx, fl, "status", parties as usize, -1);
        let at = Slots::new(&cx, fl, "passed_ms", parties as usize, -1);
        let free_at = Slots::new(&cx, fl, "free_ms", free as usize, -1);
        let t0 = cx.now().await?;
        let (st, pa, fa) = (status.clone(), at.clone(), free_at.clone());
        run_main(&cx, fl, move |cx: Ctx| async move {
            let mut ws = Vec::new();
            for i in 0..parties {
                let last = i == parties - 1;
                let (barrier, status, at) = (barrier.clone(), st.clone(), pa.clone());
                let body = Program::new(move |cx: Ctx| async move {
                    let name = format!("p{i}");
                    let work = if last && failure == Failure::LateParty {
                        ms(max_sleep).saturating_add(timeout.saturating_mul(2))
                    } else {
                        ms(1 + cx.random_below(max_sleep).await?)
                    };
                    pause(&cx, fl, work).await?;
                    if last && failure == Failure::Abort {
                        cx.print(format!("{name} aborts the barrier")).await?;
                        return barrier.abort(&cx).await;
                    }
                    let limit = (failure == Failure::LateParty && !last).then_some(timeout);
                    match wait(&cx, fl, &barrier, &name, limit).await {
                        Ok(_) => {
                            let t = since(&cx, t0).await?;
                            status.set(&cx, i as usize, 0).await?;
                            at.set(&cx, i as usize, t).await?;
                            cx.print(format!("{name} passed the barrier at {t} ms"))
                                .await
                        }
                        Err(e) if e.kind == PyErrorKind::BrokenBarrierError => {
                            status.set(&cx, i as usize, 1).await?;
                            let t = since(&cx, t0).await?;
                            cx.print(format!("{name}: BrokenBarrierError at {t} ms"))
                                .await
                        }
                        Err(e) => Err(e),
                    }
                });
                ws.push(spawn(&cx, fl, &format!("p{i}"), body).await?);
            }
            for j in 0..free {
                let free_at = fa.clone();
                let body = Program::new(move |cx: Ctx| async move {
                    let work = ms(1 + cx.random_below(max_sleep).await?);
                    pause(&cx, fl, work).await?;
                    let t = since(&cx, t0).await?;
                    free_at.set(&cx, j as usize, t).await?;
                    cx.print(format!("f{j} done at {t} ms")).await
                });
                ws.push(spawn(&cx, fl, &format!("f{j}"), body).await?);
            }
            join_all(&cx, &ws).await
        })
        .await?;
        let status = status.all(&cx).await?;
        let passed = status.iter().filter(|&&s| s == 0).count();
        let broken = status.iter().filter(|&&s| s == 1).count();
        let passed_ms: Vec<Value> = at
            .all(&cx)
            .await?
            .into_iter()
            .filter(|&t| t >= 0)
            .map(Value::Int)
            .collect();
        cx.print(format!("{passed} passed, {broken} got BrokenBarrierError"))
            .await?;
        cx.set_result("passed", passed).await?;
        cx.set_result("broken", broken).await?;
        cx.set_result("aborted", failure == Failure::Abort).await?;
        cx.set_result("passed_ms", passed_ms).await?;
        cx.set_result("free_ms", free_at.all(&cx).await?).await
    })
}

const THREADS: &str = include_str!("python/barrier_threads.py");

const PROCESSES: &str = include_str!("python/barrier_processes.py");

const ASYNCIO: &str = include_str!("python/barrier_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}
