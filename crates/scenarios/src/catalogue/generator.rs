//! `generator-coroutine`: a producer drives a consumer generator with `send()`; control passes
//! back and forth strictly, with no scheduler involved.

use interleave_sim::{Ctx, Flavor, Program, PyError, PyErrorKind, PyResult, QueueKind, Value};

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "generator-coroutine",
        title: t(
            "Generator coroutines: send() and yield",
            "生成器协程：send() 与 yield",
        ),
        lesson: t(
            "A generator coroutine runs only when its caller sends it something, and hands control straight back at yield: two routines, one thread, no scheduler.",
            "生成器协程只在调用者向它 send 时运行，并在 yield 处立即交回控制权：两个例程，一个线程，没有调度器。",
        ),
        explanation: t(
            "The consumer prints a greeting and yields 'start'. The producer primes it with \
             send(None), then sends 0, 1, 2, … and receives n + 1 each time, until it reaches the \
             limit and closes the generator. On the timeline the consumer has its own lane so that \
             the hand-offs show: exactly one of the two is ever running, and each send is answered \
             before the producer goes on. In Python both run in the caller's thread — the lanes are \
             one thread taking turns. Turn 'prime' off and the first send(0) raises TypeError: \
             a just-started generator can only receive None.",
            "消费者打印问候并 yield 'start'。生产者先用 send(None) 启动它，然后依次发送 0、1、2……，每次收到 n + 1，\
             直到达到上限并关闭生成器。时间线上消费者有自己的泳道，以便看清交接：两者之中任何时候只有一个在运行，\
             每次 send 都在生产者继续之前得到回答。在 Python 中两者都在调用者的线程里运行——这两条泳道是同一个线程轮流执行。\
             关闭“prime”后，第一次 send(0) 会抛出 TypeError：刚启动的生成器只能接收 None。",
        ),
        tags: &[Tag::Asyncio, Tag::Classic],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::int(
                "limit",
                "5",
                1,
                100,
                t(
                    "How many values the producer sends.",
                    "生产者发送多少个值。",
                ),
            ),
            ParamSpec::bool(
                "prime",
                "true",
                t(
                    "Prime the generator with send(None) first.",
                    "先用 send(None) 启动生成器。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[],
            keys: &["sent", "received", "error"],
            deterministic: true,
            more: &[&[("prime", "false")]],
        },
    }
}

fn build(p: &Params) -> Program {
    let limit = p.int("limit");
    let prime = p.bool("prime");
    Program::new(move |cx: Ctx| async move {
        // Each direction is a one-slot hand-off, so exactly one side runs at a time.
        let to_gen = cx.new_queue(Flavor::Threading, QueueKind::Fifo, "send", 1);
        let from_gen = cx.new_queue(Flavor::Threading, QueueKind::Fifo, "yield", 1);
        let consumer = cx.thread(
            "consumer()",
            Program::new(move |cx: Ctx| async move {
                // The generator's body: it starts when first sent to.
                let first = to_gen.get(&cx).await?;
                if first != Value::None {
                    from_gen.put(&cx, Value::from("TypeError")).await?;
                    return PyResult::Ok(());
                }
                cx.print("[consumer] starting").await?;
                from_gen.put(&cx, "start").await?;
                loop {
                    let n = to_gen.get(&cx).await?;
                    if n == Value::from("close") {
                        return Ok(());
                    }
                    cx.print(format!("[consumer] got {n}")).await?;
                    from_gen.put(&cx, n.as_int()? + 1).await?;
                }
            }),
        );
        consumer.set_daemon(&cx, true).await?;
        consumer.start(&cx).await?;
        let mut sent = Vec::new();
        let mut received = Vec::new();
        let mut error = String::new();
        to_gen
            .put(&cx, if prime { Value::None } else { Value::Int(0) })
            .await?;
        let first = from_gen.get(&cx).await?;
        if first == Value::from("TypeError") {
            error = "TypeError".to_string();
            let e = PyError::new(
                PyErrorKind::TypeError,
                "can't send non-None value to a just-started generator",
            );
            cx.print(format!("[producer] {e}")).await?;
        } else {
            let mut n = 0;
            while n < limit {
                cx.print(format!("[producer] send {n}")).await?;
                sent.push(Value::Int(n));
                to_gen.put(&cx, n).await?;
                n = from_gen.get(&cx).await?.as_int()?;
                cx.print(format!("[producer] received {n}")).await?;
                received.push(Value::Int(n));
            }
            to_gen.put(&cx, "close").await?;
            consumer.join(&cx).await?;
        }
        cx.set_result("sent", sent).await?;
        cx.set_result("received", received).await?;
        cx.set_result("error", error).await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/generator.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
