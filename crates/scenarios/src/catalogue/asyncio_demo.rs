//! `asyncio`: coroutines on one event loop — sequential awaits vs tasks, gather, as_completed,
//! wait, wait_for, a worker pool over asyncio.Queue, a future set from a thread, and a blocking
//! call that stalls every task.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

const DEMOS: &[&str] = &[
    "sequential",
    "tasks",
    "gather",
    "as_completed",
    "wait",
    "wait_for",
    "queue_workers",
    "from_thread",
    "blocking",
];

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "asyncio",
        title: t(
            "asyncio: tasks on one event loop",
            "asyncio：一个事件循环上的任务",
        ),
        lesson: t(
            "Awaiting coroutines one after another takes the sum of their delays; as tasks they overlap and take the longest — until one blocks the loop.",
            "依次 await 协程耗时是各延迟之和；作为任务并发时只需最长的那个——除非有一个阻塞了事件循环。",
        ),
        explanation: t(
            "All tasks share one thread: the loop lane (magenta) runs one task at a time and switches \
             only where a task awaits something that is not ready. 'sequential' awaits say_after(1) \
             then say_after(2): 3 units. 'tasks' wraps both in create_task first: 2 units. 'gather' \
             returns results in input order although tasks finish in reverse; 'as_completed' yields \
             them in finishing order; 'wait' returns (done, pending) per return_when; 'wait_for' \
             cancels a task that overruns its timeout and raises TimeoutError; 'queue_workers' shares \
             20 jobs among 3 workers over an asyncio.Queue; 'from_thread' awaits a result computed in \
             a worker thread (to_thread); 'blocking' puts time.sleep inside a coroutine: the ticker \
             task stops ticking for the whole sleep — one stuck tooth stops the zipper. Set 'fail' to \
             make one task raise ValueError (see return_exceptions). The model switches tasks in \
             FIFO order exactly as CPython's ready queue does and charges no time for the loop itself.",
            "所有任务共享一个线程：事件循环泳道（品红色）一次只运行一个任务，只在任务 await 尚未就绪的对象时切换。\
             “sequential”先 await say_after(1) 再 await say_after(2)：3 个单位。“tasks”先用 create_task 包装两者：2 个单位。\
             “gather”按输入顺序返回结果，尽管任务按相反顺序完成；“as_completed”按完成顺序产出；\
             “wait”依 return_when 返回 (done, pending)；“wait_for”取消超时的任务并抛出 TimeoutError；\
             “queue_workers”让 3 个工人通过 asyncio.Queue 分担 20 个作业；“from_thread”await 一个在工作线程中算出的结果（to_thread）；\
             “blocking”在协程里调用 time.sleep：计时任务在整个睡眠期间停止计时——拉链上卡住一个齿，整条拉链都停下。\
             打开“fail”让一个任务抛出 ValueError（参见 return_exceptions）。模型按 CPython 就绪队列的 FIFO 顺序切换任务，事件循环本身不计时间。",
        ),
        tags: &[Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "demo",
                "tasks",
                DEMOS,
                t("Which asyncio pattern to run.", "运行哪种 asyncio 模式。"),
            ),
            ParamSpec::float(
                "unit_ms",
                "100",
                1.0,
                10_000.0,
                t("One time unit of the demo.", "演示中的一个时间单位。"),
            ),
            ParamSpec::int(
                "tasks",
                "5",
                1,
                50,
                t(
                    "Tasks for gather/as_completed/wait.",
                    "gather/as_completed/wait 的任务数。",
                ),
            ),
            ParamSpec::bool(
                "fail",
                "false",
                t(
                    "Task 1 raises ValueError instead of returning.",
                    "任务 1 抛出 ValueError 而不是返回。",
                ),
            ),
            ParamSpec::bool(
                "return_exceptions",
                "false",
                t(
                    "gather(..., return_exceptions=...).",
                    "gather(..., return_exceptions=...)。",
                ),
            ),
            ParamSpec::choice(
                "return_when",
                "FIRST_COMPLETED",
                &["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"],
                t(
                    "asyncio.wait(..., return_when=...).",
                    "asyncio.wait(..., return_when=...)。",
                ),
            ),
            ParamSpec::float(
                "timeout_units",
                "1.5",
                0.0,
                100.0,
                t("wait_for timeout, in units.", "wait_for 的超时（单位数）。"),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("unit_ms", "40")],
            keys: &["order", "results", "elapsed_units", "error"],
            deterministic: true,
            more: &[
                &[("demo", "sequential")],
                &[("demo", "gather")],
                &[("demo", "as_completed")],
                &[("demo", "wait_for")],
                &[("demo", "from_thread")],
                &[("demo", "blocking")],
                &[("demo", "gather"), ("fail", "true")],
                &[
                    ("demo", "gather"),
                    ("fail", "true"),
                    ("return_exceptions", "true"),
                ],
                &[
                    ("demo", "wait"),
                    ("fail", "true"),
                    ("return_when", "FIRST_EXCEPTION"),
                ],
            ],
        },
    }
}

const PROGRAM: &str = include_str!("python/asyncio_demo.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
