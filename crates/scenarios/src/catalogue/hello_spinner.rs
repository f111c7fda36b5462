//! `hello-spinner`: a spinner animates while slow() works out 42 — in a thread, a process or a
//! coroutine; and a CPU-bound slow() that freezes the coroutine's spinner.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "hello-spinner",
        title: t(
            "Spinner: thread, process, coroutine",
            "旋转指示器：线程、进程、协程",
        ),
        lesson: t(
            "A spinner keeps turning while slow() waits — unless slow() hogs the CPU inside a coroutine, which freezes the whole event loop.",
            "slow() 等待时旋转指示器一直在转——除非 slow() 在协程里霸占 CPU，那会冻结整个事件循环。",
        ),
        explanation: t(
            "The supervisor starts a spinner that draws a frame every 1/fps seconds until told to \
             stop, calls slow() (which takes slow_s and returns 42), then stops the spinner. As a \
             thread the spinner is signalled with an Event; as a process with a multiprocessing \
             Event (its frame count lives in shared memory); as a coroutine it is a task that the \
             supervisor cancels. With slow_kind 'cpu' slow() computes instead of sleeping: the thread \
             spinner still turns (the GIL is handed over every 5 ms), the process spinner turns on \
             its own core, but the coroutine spinner draws nothing until slow() returns, because \
             nothing awaits in between. The model draws no characters; it counts frames.",
            "主管启动一个旋转指示器，它每 1/fps 秒画一帧直到被通知停止；主管调用 slow()（耗时 slow_s 并返回 42），然后停止指示器。\
             作为线程时用 Event 通知它；作为进程时用 multiprocessing 的 Event（帧数放在共享内存里）；作为协程时它是一个任务，由主管取消。\
             slow_kind 为“cpu”时 slow() 做计算而不是睡眠：线程版指示器仍然在转（GIL 每 5 毫秒易手），进程版在自己的核上转，\
             而协程版在 slow() 返回之前一帧也画不出来，因为中间没有任何 await。模型不画字符，只数帧。",
        ),
        tags: &[Tag::Asyncio, Tag::Process, Tag::Classic],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "flavor",
                "thread",
                &["thread", "process", "coroutine"],
                t("What the spinner runs in.", "指示器运行在什么里面。"),
            ),
            ParamSpec::float(
                "slow_s",
                "3",
                0.1,
                30.0,
                t("How long slow() takes.", "slow() 耗时多久。"),
            ),
            ParamSpec::int(
                "fps",
                "10",
                1,
                60,
                t("Spinner frames per second.", "指示器每秒帧数。"),
            ),
            ParamSpec::choice(
                "slow_kind",
                "sleep",
                &["sleep", "cpu"],
                t("slow() sleeps or computes.", "slow() 睡眠还是计算。"),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("slow_s", "0.5")],
            keys: &["answer", "spun"],
            deterministic: true,
            more: &[
                &[("flavor", "coroutine")],
                &[("flavor", "coroutine"), ("slow_kind", "cpu")],
                &[("flavor", "process")],
            ],
        },
    }
}

const PROGRAM: &str = include_str!("python/hello_spinner.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
