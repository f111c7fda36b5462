//! `pipeline`: download → resize → upload stages connected by queues — a busy-polling home-made
//! queue, blocking queues, bounded queues (backpressure) and closable queues with a sentinel,
//! with several workers per stage.

use interleave_sim::{
    Ctx, Flavor, Lock, Program, PyResult, Queue, QueueKind, Value, Var, from_ms_f64,
};

use super::default_machine;
use crate::params::{ParamError, ParamSpec, Params};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "pipeline",
        title: t("Pipelines of worker threads", "工作线程流水线"),
        lesson: t(
            "Blocking queues let pipeline stages wait instead of polling; bounded queues add backpressure; a sentinel shuts the stages down cleanly.",
            "阻塞队列让流水线各阶段等待而不是轮询；有界队列带来背压；哨兵让各阶段干净地停止。",
        ),
        explanation: t(
            "Items flow through three stages: download (I/O), resize (CPU) and upload (I/O), each \
             run by its own worker threads. 'polling' uses a home-made queue (a list and a Lock) \
             whose get fails when it is empty, so idle workers sleep and retry — count the wasted \
             polls — and the main thread itself polls until everything is done. 'blocking' uses \
             queue.Queue: idle workers block in get (red) and cost nothing. 'bounded' caps each \
             queue at maxsize, so a fast stage blocks in put when the next one is slow instead of \
             piling items up in memory (watch the depth counters). 'closable' ends each stage by \
             putting one sentinel per worker and joining the queue, so the program exits with no \
             daemon threads left. Set workers per stage (e.g. 3,4,5) to see the stages overlap.",
            "物品依次流过三个阶段：下载（I/O）、缩放（CPU）和上传（I/O），每个阶段由自己的工作线程运行。\
             “polling”使用自制的队列（一个列表加一把 Lock），队列为空时 get 会失败，于是空闲的工作线程睡一会儿再重试——请数一数浪费的轮询——\
             主线程自己也一直轮询到全部完成。“blocking”使用 queue.Queue：空闲的工作线程阻塞在 get 上（红色），不消耗任何东西。\
             “bounded”把每个队列限制在 maxsize，于是下一阶段慢时，快的阶段会阻塞在 put 上，而不是在内存里堆积物品（观察深度计数器）。\
             “closable”为每个工作线程放入一个哨兵并 join 队列来结束每个阶段，程序退出时不留下守护线程。\
             设置每阶段的工作线程数（例如 3,4,5）可以看到各阶段相互重叠。",
        ),
        tags: &[Tag::Workload, Tag::Classic],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "queue",
                "closable",
                &["polling", "blocking", "bounded", "closable"],
                t("The queue between stages.", "阶段之间的队列。"),
            ),
            ParamSpec::int(
                "items",
                "50",
                1,
                2000,
                t("Items to push through.", "要处理的物品数。"),
            ),
            ParamSpec::list(
                "stage_ms",
                "4,2,6",
                3,
                1000,
                t(
                    "download, resize, upload time per item (ms).",
                    "每个物品的下载、缩放、上传时间（毫秒）。",
                ),
            ),
            ParamSpec::list(
                "workers",
                "1,1,1",
                3,
                16,
                t("Worker threads per stage.", "每个阶段的工作线程数。"),
            ),
            ParamSpec::int(
                "maxsize",
                "3",
                1,
                100,
                t("Queue capacity for 'bounded'.", "“bounded”的队列容量。"),
            ),
            ParamSpec::float(
                "poll_ms",
                "10",
                0.1,
                1000.0,
                t(
                    "Back-off of an idle polling worker.",
                    "轮询工作线程空闲时的退避时间。",
                ),
            ),
        ],
        check,
        build,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("items", "20"), ("stage_ms", "1,1,1")],
            keys: &["processed", "bounded_ok"],
            deterministic: true,
            more: &[&[("queue", "bounded")], &[("queue", "blocking")]],
        },
    }
}

fn check(p: &Params) -> Result<(), ParamError> {
    for name in ["stage_ms", "workers"] {
        let v = p.list(name);
        if v.len() != 3 || (name == "workers" && v.contains(&0)) {
            return Err(ParamError {
                param: name.to_string(),
                message: format!(
                    "{name} must be three numbers (download, resize, upload){}",
                    if name == "workers" {
                        ", each at least 1"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    Ok(())
}

/// The connection between two stages.
#[derive(Clone, Copy)]
enum Conn {
    /// A list guarded by a lock; `get` fails when empty.
    Polling {
        items: Var,
        lock: Lock,
        polls: Var,
    },
    Queue(Queue),
}

impl Conn {
    async fn put(&self, cx: &Ctx, v: Value) -> PyResult<i64> {
        match self {
            Conn::Polling { items, lock, .. } => {
                lock.acquire(cx).await?;
                let Value::List(mut l) = items.read(cx).await? else {
                    return Ok(0);
                };
                l.push(v);
                let depth = l.len() as i64;
                items.write(cx, Value::List(l)).await?;
                lock.release(cx).await?;
                Ok(depth)
            }
            Conn::Queue(q) => {
                q.put(cx, v).await?;
                q.qsize(cx).await
            }
        }
    }

    /// The next item; polling queues retry after `backoff` and count the misses.
    async fn get(&self, cx: &Ctx, backoff: u64) -> PyResult<Value> {
        match self {
            Conn::Polling { items, lock, polls } => loop {
                lock.acquire(cx).await?;
                let Value::List(mut l) = items.read(cx).await? else {
                    return Ok(Value::None);
                };
                if !l.is_empty() {
                    let v = l.remove(0);
                    items.write(cx, Value::List(l)).await?;
                    lock.release(cx).await?;
                    return Ok(v);
                }
                lock.release(cx).await?;
                let n = polls.read_int(cx).await?;
                polls.write(cx, n + 1).await?;
                cx.sleep(backoff).await?;
            },
            Conn::Queue(q) => q.get(cx).await,
        }
    }
}

const SENTINEL: i64 = -1;

fn build(p: &Params) -> Program {
    let kind = p.choice("queue").to_string();
    let items = p.int("items");
    let ms = p.list("stage_ms");
    let cost: Vec<u64> = ms.iter().map(|&m| from_ms_f64(m as f64)).collect();
    let workers = p.list("workers");
    let maxsize = if kind == "bounded" {
        p.int("maxsize")
    } else {
        0
    };
    let backoff = from_ms_f64(p.float("poll_ms"));
    Program::new(move |cx: Ctx| async move {
        let t0 = cx.now().await?;
        let polls = cx.var("polls", 0);
        let max_depth = cx.var("max depth", 0);
        let names = ["download", "resize", "upload", "done"];
        let conns: Vec<Conn> = names
            .iter()
            .map(|n| {
                if kind == "polling" {
                    Conn::Polling {
                        items: cx.var(&format!("{n} list"), Value::List(vec![])),
                        lock: cx.lock(&format!("{n} lock")),
                        polls,
                    }
                } else {
                    let size = if *n == "done" { 0 } else { maxsize };
                    Conn::Queue(cx.new_queue(
                        Flavor::Threading,
                        QueueKind::Fifo,
                        &format!("{n} queue"),
                        size,
                    ))
                }
            })
            .collect();
        let closable = kind == "closable";
        let mut stage_threads: Vec<Vec<interleave_sim::Thread>> = Vec::new();
        for stage in 0..3 {
            let (input, output) = (conns[stage], conns[stage + 1]);
            let work = cost.get(stage).copied().unwrap_or(0);
            let mut ts = Vec::new();
            for w in 0..workers.get(stage).copied().unwrap_or(1) {
                let body = Program::new(move |cx: Ctx| async move {
                    loop {
                        let item = input.get(&cx, backoff).await?;
                        if item == Value::Int(SENTINEL) {
                            if let Conn::Queue(q) = input {
                                q.task_done(&cx).await?;
                            }
                            return PyResult::Ok(());
                        }
                        if stage == 1 {
                            cx.compute(work).await?;
                        } else {
                            cx.io(work).await?;
                        }
                        let depth = output.put(&cx, item).await?;
                        let m = max_depth.read_int(&cx).await?;
                        if stage < 2 && depth > m {
                            max_depth.write(&cx, depth).await?;
                        }
                        if let (true, Conn::Queue(q)) = (closable, input) {
                            q.task_done(&cx).await?;
                        }
                    }
                });
                let t = cx.thread(&format!("{}-{w}", names[stage]), body);
                if !closable {
                    t.set_daemon(&cx, true).await?;
                }
                t.start(&cx).await?;
                ts.push(t);
            }
            stage_threads.push(ts);
        }
        for i in 0..items {
            conns[0].put(&cx, Value::Int(i)).await?;
        }
        let mut processed = 0;
        if closable {
            // Close each stage in turn: one sentinel per worker, then wait for the queue and them.
            for stage in 0..3 {
                if let Conn::Queue(q) = conns[stage] {
                    for _ in 0..stage_threads[stage].len() {
                        q.put(&cx, SENTINEL).await?;
                    }
                    q.join(&cx).await?;
                }
                for t in &stage_threads[stage] {
                    t.join(&cx).await?;
                }
            }
            if let Conn::Queue(q) = conns[3] {
                processed = q.qsize(&cx).await?;
            }
        } else {
            while processed < items {
                conns[3].get(&cx, backoff).await?;
                processed += 1;
            }
        }
        let elapsed = cx.now().await? - t0;
        let depth = max_depth.read_int(&cx).await?;
        let wasted = polls.read_int(&cx).await?;
        cx.print(format!(
            "processed {processed} items after polling {wasted} times"
        ))
        .await?;
        cx.set_result("processed", processed).await?;
        cx.set_result("polls", wasted).await?;
        cx.set_result("max_depth", depth).await?;
        cx.set_result("bounded_ok", maxsize == 0 || depth <= maxsize)
            .await?;
        cx.set_result("elapsed_ms", (elapsed as f64 / 1e5).round() / 10.0)
            .await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/pipeline.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
