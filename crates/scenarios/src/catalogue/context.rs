//! `context`: context variables are isolated per asyncio task and, with `copy_context`, per
//! thread.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "context",
        title: t("Context variables", "上下文变量"),
        lesson: t(
            "Each task (or thread started in a copied context) sees its own value of a ContextVar; setting it never leaks to the others.",
            "每个任务（或在复制的上下文中启动的线程）看到 ContextVar 的自己的值；设置它永远不会泄漏给其他单元。",
        ),
        explanation: t(
            "var = ContextVar('var', default=42). Each of the units sets var to its number n, prints \
             it, then calls inner(n), which reads var (n), waits, sets it to n² and reads it back; \
             the outer code then reads n² too, because inner ran in the same context. asyncio copies \
             the context into every task at create_task; threads start with an empty context, so \
             each is started with copy_context().run. The main code still sees the default 42 at the \
             end. With 'inner_as_task' inner(n) runs as a task of its own: its set happens in a copy, \
             and the outer read still sees n.",
            "var = ContextVar('var', default=42)。每个单元把 var 设为自己的编号 n 并打印，然后调用 inner(n)：inner 读取 var（n），等待，\
             把它设为 n² 再读回；之后外层代码读到的也是 n²，因为 inner 在同一个上下文中运行。asyncio 在 create_task 时把上下文复制给每个任务；\
             线程从空上下文开始，所以每个线程都用 copy_context().run 启动。主代码最后看到的仍是默认值 42。\
             打开“inner_as_task”后 inner(n) 作为独立任务运行：它的设置发生在副本里，外层读到的仍是 n。",
        ),
        tags: &[Tag::Asyncio, Tag::Primitive],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "flavor",
                "asyncio",
                &["asyncio", "thread"],
                t("Tasks or threads.", "任务或线程。"),
            ),
            ParamSpec::int(
                "units",
                "5",
                1,
                50,
                t("How many tasks or threads.", "任务或线程的数量。"),
            ),
            ParamSpec::float(
                "sleep_ms",
                "1000",
                0.0,
                10_000.0,
                t("The wait inside inner().", "inner() 中的等待。"),
            ),
            ParamSpec::bool(
                "inner_as_task",
                "false",
                t(
                    "Run inner() as its own task (asyncio).",
                    "把 inner() 作为独立任务运行（asyncio）。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("sleep_ms", "10")],
            keys: &["inner_get", "inner_set", "outer_get", "main_after"],
            deterministic: true,
            more: &[&[("flavor", "thread")], &[("inner_as_task", "true")]],
        },
    }
}

const PROGRAM: &str = include_str!("python/context.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
