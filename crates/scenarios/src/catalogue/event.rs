//! `event`: consumers wait on an `Event` that a producer sets after a delay; `set()` wakes them
//! all at once, and a `wait(timeout)` whose result is ignored reports a resource that is not
//! there.

use interleave_sim::Flavor;

use super::{FLAVORS, default_machine, flavor};
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "event",
        title: t(
            "Event: one set() wakes every waiter",
            "事件：一次 set() 唤醒所有等待者",
        ),
        lesson: t(
            "Every consumer blocked in wait() wakes at the moment the producer calls set(); wait(timeout) returns False if it gave up, so check it.",
            "所有阻塞在 wait() 上的消费者都在生产者调用 set() 的那一刻醒来；wait(timeout) 超时会返回 False，所以要检查返回值。",
        ),
        explanation: t(
            "The consumers start first and block in wait() (red, blocked on 'resource'); the \
             producer says how long it will take, sleeps, announces the resource and calls set(). \
             On the timeline one set marker fans out to a wake marker on every consumer lane at \
             the same instant: an Event is a broadcast, unlike a Condition's notify(1). Which \
             consumer prints first after waking is up to the scheduler. With a timeout shorter \
             than the producer's delay, wait(timeout) returns False when the time is up; a \
             consumer that ignores the result (check_return off, as careless code does) still \
             claims the resource is available — a false alarm counted in the results. With \
             check_return on it reports that it gave up. The asyncio version awaits \
             asyncio.wait_for(event.wait(), timeout), since asyncio.Event.wait() has no timeout \
             of its own; the model draws it as a timed wait on the event. Once set, the event \
             stays set: a later wait() returns at once until clear().",
            "消费者先启动并阻塞在 wait() 上（红色，阻塞在“resource”上）；生产者先说明需要多久，睡眠，然后宣布资源可用并调用 set()。\
             在时间线上，一个 set 标记同时连到每条消费者泳道上的唤醒标记：Event 是广播，不像 Condition 的 notify(1)。\
             醒来后哪个消费者先打印由调度器决定。如果超时比生产者的延迟短，wait(timeout) 到时会返回 False；\
             忽略返回值的消费者（check_return 关闭，粗心的代码就是这样）仍然声称资源可用——结果中把它计为误报。\
             打开 check_return 后，它会报告自己放弃了等待。asyncio 版本使用 asyncio.wait_for(event.wait(), timeout)，\
             因为 asyncio.Event.wait() 本身没有超时参数；模型把它画成对事件的限时等待。\
             事件一旦被设置就保持设置状态：在 clear() 之前，之后的 wait() 会立即返回。",
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
                "consumers",
                "4",
                1,
                64,
                t("How many consumers wait.", "有多少个消费者在等待。"),
            ),
            ParamSpec::float(
                "set_delay_s",
                "2",
                0.0,
                30.0,
                t(
                    "How long the producer works before set().",
                    "生产者在 set() 之前工作的时间。",
                ),
            ),
            ParamSpec::bool(
                "use_timeout",
                "true",
                t("Consumers wait with a timeout.", "消费者带超时地等待。"),
            ),
            ParamSpec::float(
                "timeout_s",
                "3",
                0.0,
                30.0,
                t("The consumers' wait timeout.", "消费者等待的超时时间。"),
            ),
            ParamSpec::bool(
                "check_return",
                "false",
                t(
                    "Consumers check what wait() returned.",
                    "消费者检查 wait() 的返回值。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("set_delay_s", "0.2"), ("timeout_s", "0.1")],
            keys: &["set_seen", "timed_out", "claimed", "false_alarms"],
            deterministic: true,
            more: &[],
        },
    }
}

const THREADS: &str = include_str!("python/event_threads.py");

const PROCESSES: &str = include_str!("python/event_processes.py");

const ASYNCIO: &str = include_str!("python/event_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}
