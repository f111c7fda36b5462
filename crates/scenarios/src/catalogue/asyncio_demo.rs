//! `asyncio`: coroutines on one event loop — sequential awaits vs tasks, gather, as_completed,
//! wait, wait_for, a worker pool over asyncio.Queue, a future set from a thread, and a blocking
//! call that stalls every task.

use interleave_sim::{
    Ctx, Nanos, Program, PyError, PyErrorKind, PyResult, ReturnWhen, Task, Value, from_ms_f64,
};

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
        build,
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

/// The inputs of one run.
#[derive(Clone)]
struct Setup {
    demo: String,
    unit: Nanos,
    tasks: i64,
    fail: bool,
    return_exceptions: bool,
    when: ReturnWhen,
    timeout: Nanos,
}

fn units(x: f64, unit: Nanos) -> Nanos {
    (x * unit as f64) as Nanos
}

/// `task(i, delay)`: sleeps `delay` units and returns `i * 10` (or raises for `fail` and i == 1).
fn job(i: i64, delay: Nanos, fail: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        cx.asleep(delay).await?;
        cx.print(format!("task {i} done")).await?;
        if fail && i == 1 {
            return Err(PyError::new(
                PyErrorKind::ValueError,
                format!("task {i} failed"),
            ));
        }
        Ok(Value::Int(i * 10))
    })
}

fn outcome_label(r: &PyResult<Value>) -> Value {
    match r {
        Ok(v) => v.clone(),
        Err(e) => Value::Str(e.kind.name().to_string()),
    }
}

async fn run_demo(
    cx: &Ctx,
    s: &Setup,
    order: &mut Vec<Value>,
    results: &mut Vec<Value>,
) -> PyResult<()> {
    let unit = s.unit;
    let n = s.tasks;
    let spawn_all = |cx: &Ctx| -> PyResult<Vec<Task>> {
        (0..n)
            .map(|i| {
                cx.create_task(
                    &format!("task-{i}"),
                    job(i, unit * (n - i) as Nanos, s.fail),
                )
            })
            .collect()
    };
    match s.demo.as_str() {
        "sequential" | "tasks" => {
            let say = |delay: Nanos, what: &'static str| {
                Program::new(move |cx: Ctx| async move {
                    cx.asleep(delay).await?;
                    cx.print(what).await?;
                    Ok(Value::from(what))
                })
            };
            if s.demo == "sequential" {
                let a = cx.create_task("say_after(1, 'hello')", say(unit, "hello"))?;
                order.push(a.wait(cx).await?);
                let b = cx.create_task("say_after(2, 'world')", say(2 * unit, "world"))?;
                order.push(b.wait(cx).await?);
            } else {
                let a = cx.create_task("say_after(1, 'hello')", say(unit, "hello"))?;
                let b = cx.create_task("say_after(2, 'world')", say(2 * unit, "world"))?;
                order.push(a.wait(cx).await?);
                order.push(b.wait(cx).await?);
            }
        }
        "gather" => {
            let tasks = spawn_all(cx)?;
            if s.return_exceptions {
                let out = cx.gather_all(&tasks).await?;
                results.extend(out.iter().map(outcome_label));
            } else {
                // The first exception propagates at once; the other tasks keep running.
                results.extend(cx.gather(&tasks).await?);
            }
        }
        "as_completed" => {
            let tasks = spawn_all(cx)?;
            for t in cx.as_completed(&tasks).await? {
                let r = t.wait(cx).await;
                order.push(outcome_label(&r));
            }
        }
        "wait" => {
            let tasks = spawn_all(cx)?;
            let (done, pending) = cx.wait_tasks(&tasks, None, s.when).await?;
            for t in &done {
                order.push(outcome_label(&t.wait(cx).await));
            }
            results.push(Value::from(done.len()));
            results.push(Value::from(pending.len()));
            for t in pending {
                t.cancel(cx).await?;
            }
        }
        "wait_for" => {
            let slow = cx.create_task("slow", job(0, 2 * unit, false))?;
            let r = cx.wait_for(slow, s.timeout).await;
            results.push(outcome_label(&r));
            results.push(Value::Bool(slow.done(cx).await?));
            r?;
        }
        "queue_workers" => {
            let q = cx.new_queue(
                interleave_sim::Flavor::Asyncio,
                interleave_sim::QueueKind::Fifo,
                "jobs",
                0,
            );
            let mut total: Nanos = 0;
            for _ in 0..20 {
                // uniform(0.05, 1.0) units from the seeded generator.
                let r = cx.random_below(951).await? + 50;
                let d = unit * r / 1000;
                total += d;
                q.put_nowait(cx, d as i64).await?;
            }
            let mut workers = Vec::new();
            for w in 0..3 {
                workers.push(cx.create_task(
                    &format!("worker-{w}"),
                    Program::new::<_, _, Value>(move |cx: Ctx| async move {
                        loop {
                            let d = q.get(&cx).await?.as_int()?;
                            cx.asleep(u64::try_from(d).unwrap_or(0)).await?;
                            q.task_done(&cx).await?;
                        }
                    }),
                )?);
            }
            q.join(cx).await?;
            for w in &workers {
                w.cancel(cx).await?;
            }
            let out = cx.gather_all(&workers).await?;
            results.push(Value::from(out.iter().filter(|r| r.is_err()).count()));
            order.push(Value::from(
                (total as f64 / unit as f64 * 10.0).round() / 10.0,
            ));
        }
        "from_thread" => {
            let v = cx
                .to_thread(
                    "mark_done",
                    Program::new(move |cx: Ctx| async move {
                        cx.sleep(2 * unit).await?;
                        Ok(Value::from("Future is done!"))
                    }),
                )
                .await?;
            results.push(v);
        }
        _ => {
            // "blocking": a ticker that should tick every unit, and a task that blocks the loop.
            let ticks = cx.var("ticks", 0);
            let ticker = cx.create_task(
                "ticker",
                Program::new::<_, _, Value>(move |cx: Ctx| async move {
                    loop {
                        cx.asleep(unit).await?;
                        let v = ticks.read_int(&cx).await?;
                        ticks.write(&cx, v + 1).await?;
                    }
                }),
            )?;
            let blocker = cx.create_task(
                "blocker",
                Program::new(move |cx: Ctx| async move {
                    cx.asleep(unit / 2).await?;
                    cx.sleep(3 * unit).await?; // time.sleep: the whole loop stops
                    Ok(Value::None)
                }),
            )?;
            blocker.wait(cx).await?;
            cx.asleep(unit * 3 / 2).await?;
            order.push(ticks.read(cx).await?);
            ticker.cancel(cx).await?;
        }
    }
    Ok(())
}

fn build(p: &Params) -> Program {
    let unit = from_ms_f64(p.float("unit_ms")).max(1);
    let s = Setup {
        demo: p.choice("demo").to_string(),
        unit,
        tasks: p.int("tasks"),
        fail: p.bool("fail"),
        return_exceptions: p.bool("return_exceptions"),
        when: match p.choice("return_when") {
            "FIRST_EXCEPTION" => ReturnWhen::FirstException,
            "ALL_COMPLETED" => ReturnWhen::AllCompleted,
            _ => ReturnWhen::FirstCompleted,
        },
        timeout: units(p.float("timeout_units"), unit),
    };
    Program::new(move |cx: Ctx| async move {
        let start = cx.now().await?;
        let main = Program::new(move |cx: Ctx| async move {
            let mut order = Vec::new();
            let mut results = Vec::new();
            let r = run_demo(&cx, &s, &mut order, &mut results).await;
            cx.set_result("order", order).await?;
            cx.set_result("results", results).await?;
            r.map(|()| Value::None)
        });
        let outcome = cx.run_loop("main()", main).await;
        let elapsed = cx.now().await? - start;
        cx.set_result(
            "elapsed_units",
            (elapsed as f64 / unit as f64).round() as i64,
        )
        .await?;
        let error = match &outcome {
            Ok(_) => String::new(),
            Err(e) => e.kind.name().to_string(),
        };
        cx.set_result("error", error).await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/asyncio_demo.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
