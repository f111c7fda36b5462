//! `context`: context variables are isolated per asyncio task and, with `copy_context`, per
//! thread.

use interleave_sim::{Ctx, Program, PyResult, Value, from_ms_f64};

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
        build,
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

fn build(p: &Params) -> Program {
    let asyncio = p.choice("flavor") == "asyncio";
    let units = p.int("units");
    let pause = from_ms_f64(p.float("sleep_ms"));
    let inner_as_task = p.bool("inner_as_task") && asyncio;
    Program::new(move |cx: Ctx| async move {
        let var = cx.context_var("var", Some(Value::Int(42)));
        let n_units = units as usize;
        let inner_get: Vec<interleave_sim::Var> = (0..n_units)
            .map(|i| cx.var(&format!("inner_get[{i}]"), Value::None))
            .collect();
        let inner_set: Vec<interleave_sim::Var> = (0..n_units)
            .map(|i| cx.var(&format!("inner_set[{i}]"), Value::None))
            .collect();
        let outer_get: Vec<interleave_sim::Var> = (0..n_units)
            .map(|i| cx.var(&format!("outer_get[{i}]"), Value::None))
            .collect();
        let (ig_all, is_all, og_all) = (inner_get.clone(), inner_set.clone(), outer_get.clone());
        let consumer = move |n: i64| {
            let (ig, is, og) = (ig_all[n as usize], is_all[n as usize], og_all[n as usize]);
            move |cx: Ctx| async move {
                var.set(&cx, n).await?;
                cx.print(format!("c{n}: outer set {n}")).await?;
                let inner = move |cx: Ctx| async move {
                    let got = var.get(&cx).await?;
                    ig.write(&cx, got).await?;
                    if asyncio {
                        cx.asleep(pause).await?;
                    } else {
                        cx.sleep(pause).await?;
                    }
                    var.set(&cx, n * n).await?;
                    let now = var.get(&cx).await?;
                    is.write(&cx, now).await?;
                    PyResult::Ok(Value::None)
                };
                if inner_as_task {
                    let t = cx.create_task(&format!("inner({n})"), Program::new(inner))?;
                    t.wait(&cx).await?;
                } else {
                    inner(cx.clone()).await?;
                }
                let got = var.get(&cx).await?;
                cx.print(format!("c{n}: outer get {got}")).await?;
                og.write(&cx, got).await?;
                PyResult::Ok(())
            }
        };
        if asyncio {
            cx.run_loop(
                "main()",
                Program::new(move |cx: Ctx| async move {
                    let mut tasks = Vec::new();
                    for n in 0..units {
                        tasks.push(cx.create_task(&format!("c{n}"), Program::new(consumer(n)))?);
                    }
                    cx.gather(&tasks).await?;
                    PyResult::Ok(())
                }),
            )
            .await?;
        } else {
            let mut ts = Vec::new();
            for n in 0..units {
                let t = cx.thread_in_context(&format!("c{n}"), Program::new(consumer(n)));
                t.start(&cx).await?;
                ts.push(t);
            }
            for t in ts {
                t.join(&cx).await?;
            }
        }
        for (key, vars) in [
            ("inner_get", &inner_get),
            ("inner_set", &inner_set),
            ("outer_get", &outer_get),
        ] {
            let mut out = Vec::with_capacity(vars.len());
            for v in vars {
                out.push(v.read(&cx).await?);
            }
            cx.set_result(key, out).await?;
        }
        let after = var.get(&cx).await?;
        cx.print(format!("main sees {after}")).await?;
        cx.set_result("main_after", after).await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/context.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
