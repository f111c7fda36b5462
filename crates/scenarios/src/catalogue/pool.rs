//! `pool`: worker pools — `Pool.map` with a chunksize, blocking `apply`, and
//! `concurrent.futures` with `as_completed` (completion order) vs `map` (input order), on
//! threads or processes.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "pool",
        title: t("Pools and futures", "进程池、线程池与 future"),
        lesson: t(
            "A pool of n workers runs at most n tasks at once; as_completed hands results over as they finish, map and wait in input order.",
            "有 n 个工作者的池同时最多运行 n 个任务；as_completed 按完成顺序交出结果，map 和 wait 按输入顺序。",
        ),
        explanation: t(
            "Each task job(x) works for x units and returns x². The pool's workers take tasks from a \
             queue, chunksize at a time. 'as_completed' submits every task and collects each result \
             the moment it is ready: completion order. 'map' returns results in input order, however \
             they finish. 'apply' is the blocking call: one task at a time, however many workers. \
             With more tasks than workers the extra ones wait for a free worker (see the 6th unit \
             for 1..5 on 4 workers). A large chunksize sends several tasks to one worker at once, \
             which serialises them. With task_kind 'cpu' a thread pool runs one task at a time under \
             the GIL while a process pool uses every core. The pool's feeder and result threads are \
             not drawn.",
            "每个任务 job(x) 工作 x 个单位并返回 x²。池中的工作者从队列中取任务，每次取 chunksize 个。\
             “as_completed”提交所有任务并在每个结果就绪时立即收取：按完成顺序。“map”无论完成顺序如何都按输入顺序返回结果。\
             “apply”是阻塞调用：无论有多少工作者，一次只运行一个任务。任务多于工作者时，多出的任务要等待空闲的工作者\
             （4 个工作者处理 1..5 时看第 5 个任务）。较大的 chunksize 会把几个任务一次交给同一个工作者，使它们串行执行。\
             task_kind 为“cpu”时，线程池在 GIL 下一次只运行一个任务，而进程池会用上每一个核。池的投递线程和结果线程没有画出。",
        ),
        tags: &[Tag::Workload, Tag::Process],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "api",
                "as_completed",
                &["as_completed", "map", "apply"],
                t(
                    "How tasks are submitted and collected.",
                    "任务如何提交和收取。",
                ),
            ),
            ParamSpec::choice(
                "executor",
                "thread",
                &["thread", "process"],
                t("Thread pool or process pool.", "线程池或进程池。"),
            ),
            ParamSpec::int("workers", "4", 1, 64, t("Pool size.", "池的大小。")),
            ParamSpec::list(
                "tasks",
                "5,4,3,2,1",
                100,
                100,
                t(
                    "Each task's duration in units (job(x) returns x²).",
                    "每个任务的时长（单位数；job(x) 返回 x²）。",
                ),
            ),
            ParamSpec::int(
                "chunksize",
                "1",
                1,
                100,
                t(
                    "Tasks handed to a worker at once.",
                    "一次交给工作者的任务数。",
                ),
            ),
            ParamSpec::choice(
                "task_kind",
                "sleep",
                &["sleep", "cpu"],
                t("Tasks sleep or compute.", "任务睡眠还是计算。"),
            ),
            ParamSpec::float(
                "unit_ms",
                "1000",
                1.0,
                10_000.0,
                t("One unit of task time.", "任务时间的一个单位。"),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            // Not the default tasks (5, 4, 3, 2, 1 units on 4 workers): there the task of 1
            // unit starts when the one of 2 ends and so finishes together with the one of 3,
            // and which of the two CPython reports first is a race (seen both ways). With
            // these every task ends at its own time, 100 ms apart.
            params: &[("unit_ms", "100"), ("tasks", "6,4,3,2,3")],
            keys: &["results", "completion_order", "elapsed_units"],
            deterministic: true,
            more: &[
                &[("api", "map")],
                &[("api", "apply"), ("tasks", "1,2,1")],
                &[("tasks", "1,2,3,4,5")],
            ],
        },
    }
}

const PROGRAM: &str = include_str!("python/pool.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
