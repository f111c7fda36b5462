//! `blocking-io`: slow system calls one after another take the sum of their latencies; in
//! threads they overlap, because a thread releases the GIL while it waits in the kernel.

use interleave_sim::{Ctx, Program, PyResult, Value, from_ms_f64};

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "blocking-io",
        title: t("Blocking I/O in threads", "线程中的阻塞 I/O"),
        lesson: t(
            "Five 100 ms system calls take ≈5× the latency one after another, ≈1× in threads: the GIL is released while a thread waits.",
            "五个 100 毫秒的系统调用依次执行约需 5 倍延迟，放进线程只需约 1 倍：线程等待时会释放 GIL。",
        ),
        explanation: t(
            "Each call is a blocking system call (select on a socket with a timeout). Serially the \
             main thread's lane is cyan (I/O) five times in a row. With threads, all five I/O spans \
             overlap while the main thread keeps computing (green): a thread that enters the kernel \
             lets go of the GIL, so the others — and the main thread — run meanwhile. The asyncio \
             variant gets the same overlap in one thread by awaiting instead of blocking. The model \
             treats every call as taking exactly the latency and ignores the cost of the select itself.",
            "每次调用都是一次阻塞的系统调用（对套接字做带超时的 select）。串行时主线程的泳道连续五次显示青色（I/O）。\
             使用线程时，五段 I/O 相互重叠，主线程同时继续计算（绿色）：进入内核的线程会放开 GIL，\
             其他线程和主线程因此可以运行。asyncio 变体在一个线程里通过 await 而不是阻塞得到同样的重叠。\
             模型认为每次调用恰好耗时一个延迟，忽略 select 本身的开销。",
        ),
        tags: &[Tag::Workload],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "mode",
                "threads",
                &["serial", "threads", "asyncio"],
                t("How the calls are made.", "如何发起这些调用。"),
            ),
            ParamSpec::int(
                "calls",
                "5",
                1,
                200,
                t("How many slow system calls.", "慢速系统调用的次数。"),
            ),
            ParamSpec::float(
                "latency_ms",
                "100",
                1.0,
                10_000.0,
                t("How long each call blocks.", "每次调用阻塞多久。"),
            ),
            ParamSpec::float(
                "compute_ms",
                "2",
                0.0,
                1000.0,
                t(
                    "CPU work the main thread does per call meanwhile.",
                    "主线程在此期间为每次调用做的 CPU 计算。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("latency_ms", "100"), ("compute_ms", "1")],
            keys: &["calls", "latency_multiple"],
            deterministic: true,
            more: &[&[("mode", "serial")], &[("mode", "asyncio")]],
        },
    }
}

fn build(p: &Params) -> Program {
    let mode = p.choice("mode").to_string();
    let calls = p.int("calls");
    let latency = from_ms_f64(p.float("latency_ms"));
    let compute = from_ms_f64(p.float("compute_ms"));
    Program::new(move |cx: Ctx| async move {
        let start = cx.now().await?;
        match mode.as_str() {
            "serial" => {
                for i in 0..calls {
                    cx.io_labelled(latency, format!("select #{i}")).await?;
                }
                for _ in 0..calls {
                    cx.compute(compute).await?;
                }
            }
            "threads" => {
                let mut ts = Vec::new();
                for i in 0..calls {
                    let body = Program::new(move |cx: Ctx| async move {
                        cx.io_labelled(latency, format!("select #{i}")).await
                    });
                    ts.push(cx.spawn_thread(&format!("call-{i}"), body).await?);
                }
                for _ in 0..calls {
                    cx.compute(compute).await?;
                }
                for t in ts {
                    t.join(&cx).await?;
                }
            }
            _ => {
                cx.run_loop(
                    "main()",
                    Program::new(move |cx: Ctx| async move {
                        let mut tasks = Vec::new();
                        for i in 0..calls {
                            let body =
                                Program::new(
                                    move |cx: Ctx| async move { cx.asleep(latency).await },
                                );
                            tasks.push(cx.create_task(&format!("call-{i}"), body)?);
                        }
                        for _ in 0..calls {
                            cx.compute(compute).await?;
                        }
                        cx.gather(&tasks).await?;
                        PyResult::Ok(())
                    }),
                )
                .await?;
            }
        }
        let elapsed = cx.now().await? - start;
        let multiple = (elapsed as f64 / latency.max(1) as f64).round() as i64;
        cx.print(format!("{calls} calls took {:.3} s", elapsed as f64 / 1e9))
            .await?;
        cx.set_result("calls", calls).await?;
        cx.set_result(
            "elapsed_ms",
            (elapsed as f64 / 1e6 * 1000.0).round() / 1000.0,
        )
        .await?;
        cx.set_result("latency_multiple", multiple).await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/blocking_io.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
