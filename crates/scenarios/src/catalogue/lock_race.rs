//! `lock-race`: workers increment a shared counter as a read, a pause and a write; without a
//! lock, updates are lost.

use interleave_sim::{Ctx, Flavor, Program, PyResult, Value, from_ms_f64};

use super::{FLAVORS, default_machine, flavor};
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "lock-race",
        title: t("Race condition on a counter", "计数器上的竞态条件"),
        lesson: t(
            "Read–modify–write without a lock loses updates; with a lock the total is exact.",
            "不加锁的“读—改—写”会丢失更新；加锁后结果总是精确的。",
        ),
        explanation: t(
            "Each worker reads the counter, pauses (the 'split' variant sleeps between the read and \
             the write, as if doing other work), then writes back the value it read plus one. Without \
             the lock, several workers read the same value during the pause and all write the same \
             result: the final count falls short of workers × increments. Watch the read and write \
             markers of different workers interleave on the timeline; turn the lock on and each \
             read–write pair becomes a critical section that others wait for (red: blocked on the \
             lock). The 'inplace' variant does `counter += 1` with no pause: under the GIL a thread \
             is only switched out every 5 ms, so the short window is rarely hit and updates are \
             almost never lost — which is why such bugs hide. With processes the counter is a \
             multiprocessing.Value; with asyncio, tasks switch only at `await`, so 'inplace' never \
             loses an update while 'split' (await asyncio.sleep) does. The model charges 50 ns for \
             the `+= 1` bytecode and ignores caches.",
            "每个工人读取计数器，停顿一下（“split”变体在读和写之间睡眠，好像在做别的事），再把读到的值加一写回。\
             不加锁时，几个工人在停顿期间读到同一个值，然后都写回同一个结果：最终计数小于“工人数 × 次数”。\
             请观察时间线上不同工人的读、写标记如何交错；打开锁之后，每一对读写都成为临界区，其他工人必须等待（红色：阻塞在锁上）。\
             “inplace”变体直接执行 `counter += 1`，没有停顿：在 GIL 下线程每 5 毫秒才可能被切换，这个窗口很少被命中，\
             几乎不会丢失更新——这正是此类缺陷难以发现的原因。使用进程时计数器是 multiprocessing.Value；\
             使用 asyncio 时任务只在 `await` 处切换，所以“inplace”从不丢失更新，而“split”（await asyncio.sleep）会丢失。\
             模型把 `+= 1` 字节码计为 50 纳秒，并忽略缓存。",
        ),
        tags: &[Tag::Primitive, Tag::Process, Tag::Asyncio],
        modes: &[Mode::Sim, Mode::Real],
        browser_real: None,
        goal: crate::Goal::LostUpdate,
        invariants: &[crate::NO_LOST_UPDATE],
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
                "workers",
                "4",
                1,
                64,
                t(
                    "How many workers increment the counter.",
                    "有多少个工人对计数器加一。",
                ),
            ),
            ParamSpec::int(
                "increments",
                "5",
                1,
                1000,
                t("Increments per worker.", "每个工人加一的次数。"),
            ),
            ParamSpec::bool(
                "use_lock",
                "false",
                t(
                    "Protect each read–write with a lock.",
                    "用锁保护每一次读—写。",
                ),
            ),
            ParamSpec::choice(
                "variant",
                "split",
                &["split", "inplace"],
                t(
                    "split: read, sleep, write; inplace: counter += 1.",
                    "split：读、睡眠、写；inplace：counter += 1。",
                ),
            ),
            ParamSpec::float(
                "delay_ms",
                "1",
                0.0,
                1000.0,
                t(
                    "The pause between read and write (split).",
                    "读与写之间的停顿（split）。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            // The pause is long next to the jitter of a loaded machine: CPython's outcome then
            // depends on how the workers interleave, not on a thread that the OS started or
            // woke a few milliseconds late (with 2 ms, a busy CI machine once produced
            // counter = 5, which the jitter-free model never reaches).
            params: &[("workers", "4"), ("increments", "3"), ("delay_ms", "20")],
            keys: &["counter", "expected"],
            deterministic: false,
            more: &[
                &[("use_lock", "true")],
                &[("flavor", "asyncio")],
                &[("flavor", "asyncio"), ("variant", "inplace")],
            ],
        },
    }
}

fn build(p: &Params) -> Program {
    let fl = flavor(p);
    let workers = p.int("workers");
    let increments = p.int("increments");
    let use_lock = p.bool("use_lock");
    let split = p.choice("variant") == "split";
    let delay = from_ms_f64(p.float("delay_ms"));
    let body = move |cx: Ctx| async move {
        let counter = Counter::new(&cx, fl);
        let lock = cx.new_lock(fl, "lock");
        let worker = move |cx: Ctx| async move {
            for _ in 0..increments {
                if use_lock {
                    lock.acquire(&cx).await?;
                }
                let v = counter.read(&cx).await?;
                if split {
                    match fl {
                        Flavor::Asyncio => cx.asleep(delay).await?,
                        _ => cx.sleep(delay).await?,
                    }
                } else {
                    cx.compute(50).await?;
                }
                counter.write(&cx, v + 1).await?;
                if use_lock {
                    lock.release(&cx).await?;
                }
            }
            PyResult::Ok(())
        };
        match fl {
            Flavor::Threading => {
                let mut ts = Vec::new();
                for i in 0..workers {
                    ts.push(
                        cx.spawn_thread(&format!("worker-{i}"), Program::new(worker))
                            .await?,
                    );
                }
                for t in ts {
                    t.join(&cx).await?;
                }
            }
            Flavor::Multiprocessing => {
                let mut ps = Vec::new();
                for i in 0..workers {
                    ps.push(
                        cx.spawn_process(&format!("worker-{i}"), Program::new(worker))
                            .await?,
                    );
                }
                for p in ps {
                    p.join(&cx).await?;
                }
            }
            Flavor::Asyncio => {
                cx.run_loop(
                    "main()",
                    Program::new(move |cx: Ctx| async move {
                        let mut tasks = Vec::new();
                        for i in 0..workers {
                            tasks.push(
                                cx.create_task(&format!("worker-{i}"), Program::new(worker))?,
                            );
                        }
                        cx.gather(&tasks).await?;
                        Ok(())
                    }),
                )
                .await?;
            }
        }
        let value = counter.read(&cx).await?;
        let expected = workers * increments;
        cx.print(format!("counter = {value}, expected {expected}"))
            .await?;
        cx.set_result("counter", value).await?;
        cx.set_result("expected", expected).await?;
        cx.set_result("lost", expected - value).await?;
        Ok(Value::None)
    };
    Program::new(body)
}

/// The counter: a global for threads and tasks, a `multiprocessing.Value` for processes.
#[derive(Clone, Copy)]
enum Counter {
    Global(interleave_sim::Var),
    Shared(interleave_sim::SharedValue),
}

impl Counter {
    fn new(cx: &Ctx, fl: Flavor) -> Self {
        match fl {
            Flavor::Multiprocessing => Counter::Shared(cx.mp_value("counter", 0, false)),
            _ => Counter::Global(cx.var("counter", 0)),
        }
    }

    async fn read(&self, cx: &Ctx) -> PyResult<i64> {
        match self {
            Counter::Global(v) => v.read_int(cx).await,
            Counter::Shared(v) => v.read_int(cx).await,
        }
    }

    async fn write(&self, cx: &Ctx, x: i64) -> PyResult<()> {
        match self {
            Counter::Global(v) => v.write(cx, x).await,
            Counter::Shared(v) => v.write(cx, x).await,
        }
    }
}

const THREADS: &str = include_str!("python/lock_race_threads.py");

const PROCESSES: &str = include_str!("python/lock_race_processes.py");

const ASYNCIO: &str = include_str!("python/lock_race_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}
