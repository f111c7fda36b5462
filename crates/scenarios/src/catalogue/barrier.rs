//! `barrier`: parties arrive at random times and leave a `Barrier` together; units without the
//! barrier finish whenever they are done; a late party (with a timeout) or `abort()` breaks the
//! barrier and every party gets `BrokenBarrierError`.

use interleave_sim::Flavor;

use super::{FLAVORS, default_machine, flavor};
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
        body: crate::Body::Python,
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
