//! `timer`: a `threading.Timer` that fires after its interval (and cannot be restarted), and an
//! asyncio chain of `call_soon` / `call_later` / `call_at` callbacks.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "timer",
        title: t("Timers and loop callbacks", "定时器与事件循环回调"),
        lesson: t(
            "A Timer is a thread that runs its function once after a delay; the event loop runs callbacks at the times call_later/call_at give it, in one thread.",
            "Timer 是一个在延迟后运行一次函数的线程；事件循环在一个线程里按照 call_later/call_at 给出的时间运行回调。",
        ),
        explanation: t(
            "'timer': Timer(delay, ring) starts a thread that waits delay seconds and calls ring(). \
             cancel() before then and ring never runs. If ring tries to start the same Timer again \
             it gets RuntimeError (threads can only be started once); a repeating timer needs a new \
             Timer each time. 'chain': call_soon(f1) runs f1 at once; each function schedules the \
             next one step later (f1 → f2 → f3 → f4 → f4 …) until the end time, then stops the \
             loop — nine calls for an end of 9 steps. With call_at the times are absolute loop times. \
             The callbacks appear as short lanes under the loop thread.",
            "“timer”：Timer(delay, ring) 启动一个线程，等待 delay 秒后调用 ring()。在此之前 cancel()，ring 就永远不会运行。\
             如果 ring 试图再次启动同一个 Timer，会得到 RuntimeError（线程只能启动一次）；要重复触发，每次都需要新的 Timer。\
             “chain”：call_soon(f1) 立即运行 f1；每个函数在一步之后安排下一个（f1 → f2 → f3 → f4 → f4 …），直到结束时间，然后停止循环——\
             结束时间为 9 步时共调用九次。使用 call_at 时给出的是绝对的循环时间。回调显示为事件循环线程下方的短泳道。",
        ),
        tags: &[Tag::Primitive, Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "demo",
                "chain",
                &["timer", "chain"],
                t("Which timer lesson.", "哪一个定时器示例。"),
            ),
            ParamSpec::float(
                "delay_s",
                "5",
                0.0,
                60.0,
                t("Timer interval.", "Timer 的间隔。"),
            ),
            ParamSpec::bool(
                "cancel",
                "false",
                t(
                    "Cancel the Timer before it fires.",
                    "在 Timer 触发前取消它。",
                ),
            ),
            ParamSpec::bool(
                "restart",
                "true",
                t(
                    "ring() tries to start the same Timer again.",
                    "ring() 试图再次启动同一个 Timer。",
                ),
            ),
            ParamSpec::float(
                "step_s",
                "1",
                0.01,
                10.0,
                t("Chain: the gap between callbacks.", "链：回调之间的间隔。"),
            ),
            ParamSpec::int(
                "end_steps",
                "9",
                1,
                60,
                t("Chain: stop after this many steps.", "链：多少步之后停止。"),
            ),
            ParamSpec::choice(
                "scheduling",
                "call_later",
                &["call_later", "call_at"],
                t("How the chain schedules.", "链如何安排下一个回调。"),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("step_s", "0.02"), ("delay_s", "0.05")],
            keys: &["calls", "fired", "restart_error"],
            deterministic: true,
            more: &[
                &[("demo", "timer")],
                &[("demo", "timer"), ("cancel", "true")],
                &[("scheduling", "call_at")],
            ],
        },
    }
}

const PROGRAM: &str = include_str!("python/timer.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
