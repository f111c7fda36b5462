//! `semaphore`: `Semaphore(k)` lets at most k workers in at once; a `BoundedSemaphore` refuses
//! to be released above its start value; `Semaphore(0)` is a signal from a producer to a
//! consumer.

use interleave_sim::Flavor;

use super::{FLAVORS, default_machine, flavor};
use crate::params::{ParamError, ParamSpec, Params};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "semaphore",
        title: t(
            "Semaphore: a limited number of permits",
            "信号量：有限的许可",
        ),
        lesson: t(
            "Semaphore(k) lets at most k workers in at once; BoundedSemaphore catches an extra release; Semaphore(0) is a signal.",
            "Semaphore(k) 最多同时放 k 个工人进入；BoundedSemaphore 能发现多余的 release；Semaphore(0) 可以当作信号。",
        ),
        explanation: t(
            "In 'limit' mode every worker acquires the semaphore, holds it for a while and releases \
             it. Watch the counter track 'value of sem': it starts at the number of permits, drops \
             by one at each acquire and never goes below zero; while it is zero the next workers \
             are blocked on 'sem' (red) until someone releases, so at most k lanes are ever in \
             their holding period. With 'bounded' on, the extra releases at the end raise \
             ValueError instead of silently adding permits (a plain Semaphore's value just grows \
             past its start). With asyncio and 'blocking_hold', each task holds its permit with \
             time.sleep instead of await asyncio.sleep: the event loop stalls and the tasks run \
             one after another, so the limit is never even reached. In 'signal' mode the \
             semaphore starts at 0: each round a consumer blocks in acquire until the producer, \
             after its delay, stores an item and releases — the consumer wakes right then and \
             reads that item. The model's threading and multiprocessing semaphores are not fair \
             (a released permit goes to whoever gets there first), asyncio hands permits over in \
             FIFO order; the holding time is fixed, or drawn from the run's seed.",
            "在“limit”模式下，每个工人获取信号量，持有一段时间后释放。请观察计数轨道“value of sem”：\
             它从许可数开始，每次获取减一，永远不会低于零；为零时后来的工人阻塞在“sem”上（红色），直到有人释放，\
             所以任何时刻最多只有 k 条泳道处在持有阶段。打开“bounded”后，结尾多余的 release 会抛出 ValueError，\
             而不是悄悄增加许可（普通 Semaphore 的值会超过初始值）。在 asyncio 下打开“blocking_hold”，\
             每个任务用 time.sleep 而不是 await asyncio.sleep 持有许可：事件循环被卡住，任务一个接一个地运行，根本达不到上限。\
             在“signal”模式下信号量从 0 开始：每一轮消费者阻塞在 acquire 上，直到生产者在延迟之后存好一个数据并 release——\
             消费者恰在此刻醒来并读到这个数据。模型中 threading 和 multiprocessing 的信号量不保证公平\
             （释放的许可归先到者），asyncio 按先进先出的顺序交出许可；持有时间是固定值，或由本次运行的种子随机产生。",
        ),
        tags: &[Tag::Primitive, Tag::Process, Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[AT_MOST_PERMITS],
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
            ParamSpec::choice(
                "mode",
                "limit",
                &["limit", "signal"],
                t(
                    "limit: Semaphore(permits) around a critical section; signal: Semaphore(0) from producer to consumer.",
                    "limit：用 Semaphore(permits) 限制临界区；signal：用 Semaphore(0) 从生产者向消费者发信号。",
                ),
            ),
            ParamSpec::int(
                "workers",
                "5",
                1,
                100,
                t(
                    "Workers that want a permit (limit).",
                    "想要许可的工人数（limit）。",
                ),
            ),
            ParamSpec::int(
                "permits",
                "3",
                1,
                100,
                t(
                    "The semaphore's start value (limit).",
                    "信号量的初始值（limit）。",
                ),
            ),
            ParamSpec::float(
                "hold_ms",
                "500",
                0.0,
                5000.0,
                t(
                    "How long a worker holds its permit (limit).",
                    "工人持有许可的时间（limit）。",
                ),
            ),
            ParamSpec::bool(
                "random_hold",
                "false",
                t(
                    "Hold for a random time between 0 and 2 × hold_ms instead.",
                    "改为持有 0 到 2 × hold_ms 之间的随机时间。",
                ),
            ),
            ParamSpec::bool(
                "blocking_hold",
                "false",
                t(
                    "asyncio only: hold with time.sleep, which blocks the event loop.",
                    "仅 asyncio：用会阻塞事件循环的 time.sleep 持有许可。",
                ),
            ),
            ParamSpec::bool(
                "bounded",
                "false",
                t(
                    "Use a BoundedSemaphore (limit).",
                    "使用 BoundedSemaphore（limit）。",
                ),
            ),
            ParamSpec::int(
                "extra_releases",
                "0",
                0,
                5,
                t(
                    "Releases the main program makes at the end without acquiring.",
                    "主程序在结尾没有获取就执行的 release 次数。",
                ),
            ),
            ParamSpec::int(
                "rounds",
                "3",
                1,
                20,
                t(
                    "Producer/consumer rounds (signal).",
                    "生产者/消费者的轮数（signal）。",
                ),
            ),
            ParamSpec::float(
                "producer_delay_ms",
                "500",
                0.0,
                10000.0,
                t(
                    "How long the producer works before it signals (signal).",
                    "生产者发信号之前工作的时间（signal）。",
                ),
            ),
        ],
        check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[
                ("hold_ms", "50"),
                ("bounded", "true"),
                ("extra_releases", "1"),
            ],
            keys: &["max_inside", "expected_max", "final_value", "release_error"],
            deterministic: true,
            more: &[],
        },
    }
}

fn check(p: &Params) -> Result<(), ParamError> {
    if p.choice("mode") == "signal" && p.bool("bounded") {
        return Err(ParamError {
            param: "bounded".to_string(),
            message: "bounded must be false in signal mode: a BoundedSemaphore(0) can never be \
                      released"
                .to_string(),
        });
    }
    Ok(())
}

const THREADS: &str = include_str!("python/semaphore_threads.py");

const PROCESSES: &str = include_str!("python/semaphore_processes.py");

const ASYNCIO: &str = include_str!("python/semaphore_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}

const AT_MOST_PERMITS: crate::Invariant = crate::Invariant {
    text: t(
        "at most `permits` workers inside at once",
        "同时在里面的工作者不超过 permits 个",
    ),
    check: |t| Some(crate::result_int(t, "max_inside")? <= crate::result_int(t, "expected_max")?),
};
