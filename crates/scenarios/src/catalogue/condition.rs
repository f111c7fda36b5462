//! `condition`: producers and consumers share a bounded buffer guarded by one `Condition`. The
//! right way (`while` + `notify_all`) against the spurious-wakeup bug (`if`) and the lost-wakeup
//! bug (`notify` with several producers and consumers); and `notify(1)` waking waiters in FIFO
//! order.

use interleave_sim::wakeup::Awaiting;
use interleave_sim::{
    Condition, Ctx, Flavor, ListProxy, Program, PyErrorKind, PyResult, Value, Var, err,
    from_ms_f64, from_secs_f64,
};

use super::{FLAVORS, Shared, Slots, default_machine, flavor, join_by, pause, run_main, spawn};
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "condition",
        title: t("Condition: a bounded buffer", "条件变量：有界缓冲区"),
        lesson: t(
            "Wait in a while loop and wake with notify_all: an `if` lets a woken consumer find the buffer empty, and notify() with several producers and consumers can wake the wrong one until everybody waits.",
            "要在 while 循环里等待、用 notify_all 唤醒：用 `if` 会让醒来的消费者面对空缓冲区，而多个生产者和消费者时 notify() 可能唤醒错误的一方，直到所有人都在等待。",
        ),
        explanation: t(
            "Producers append items to a list of limited capacity and consumers pop them, all under \
             one Condition. A producer waits while the buffer is full, a consumer while it is \
             empty; after changing the buffer each one wakes the others. Follow the notify markers \
             and the wake markers they link to, and the red 'blocked on cond' stretches: wait() \
             releases the lock, and a woken thread must win the lock back before it returns — \
             by then another thread may have emptied the buffer again. With recheck = 'while' (or \
             wait_for) it simply waits again. With 'if' it pops from an empty list: IndexError on \
             that consumer's lane (the 'spurious wakeup' bug; try one producer, three consumers \
             and a slow producer). With wake = 'notify', one waiter is woken — the oldest, since \
             waiters queue in FIFO order — and with several producers and consumers it may be one \
             of the same side that cannot proceed: the wake-up meant for the other side is lost, \
             and after a few rounds everybody waits (try capacity 1, zero delays and several \
             seeds). Workers still blocked after a generous time are reported as stuck; the model \
             then ends in a deadlock naming who waits for what (the Python program marks its \
             workers as daemons so that it can exit). The 'fifo' variant shows notify(1) waking \
             waiters one at a time, oldest first. A Condition uses an RLock by default (asyncio: \
             a Lock); with processes the buffer is a Manager list, so every access is a round \
             trip to the manager.",
            "生产者把数据追加到容量有限的列表里，消费者从中取出，全部由同一个 Condition 保护。缓冲区满时生产者等待，\
             空时消费者等待；修改缓冲区之后各自唤醒其他人。请跟随 notify 标记和它们连到的唤醒标记，以及红色的“阻塞在 cond 上”区段：\
             wait() 会释放锁，被唤醒的线程必须重新抢到锁才能返回——而在此之前，别的线程可能又把缓冲区取空了。\
             recheck = “while”（或 wait_for）时，它只是再等一次。用“if”时它会从空列表里 pop：\
             该消费者的泳道上出现 IndexError（“虚假唤醒”缺陷；试试一个生产者、三个消费者并让生产者慢一些）。\
             wake = “notify” 时只唤醒一个等待者——最早的那个，因为等待者按先进先出排队——\
             而有多个生产者和消费者时，被唤醒的可能是无法继续的同一方：本该唤醒另一方的通知丢失了，\
             几轮之后所有人都在等待（试试容量 1、延迟为零，并多换几个种子）。\
             过了足够长的时间仍然阻塞的工人会被报告为卡住；随后模型以死锁结束，并指出谁在等什么\
             （Python 程序把工人设为守护线程/进程，以便能够退出）。“fifo”变体展示 notify(1) 按照先来先醒的顺序一次唤醒一个等待者。\
             Condition 默认使用 RLock（asyncio 中是 Lock）；使用进程时缓冲区是 Manager 列表，每次访问都要与管理进程往返一次。",
        ),
        tags: &[Tag::Primitive, Tag::Process, Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::UnitFails,
        invariants: &[crate::NOBODY_STUCK, NOT_OVERFILLED],
        params: vec![
            ParamSpec::choice(
                "flavor",
                "thread",
                FLAVORS,
                t(
                    "Threads, processes or asyncio tasks.",
                    "线程、进程或 asyncio 任务。",
                ),
            ),
            ParamSpec::choice(
                "variant",
                "buffer",
                &["buffer", "fifo"],
                t(
                    "buffer: producers and consumers; fifo: consumers wait once and are notified one by one.",
                    "buffer：生产者与消费者；fifo：消费者各等待一次，被逐个通知。",
                ),
            ),
            ParamSpec::int(
                "producers",
                "2",
                1,
                8,
                t("How many producers (buffer).", "生产者的数量（buffer）。"),
            ),
            ParamSpec::int(
                "consumers",
                "2",
                1,
                16,
                t("How many consumers.", "消费者的数量。"),
            ),
            ParamSpec::int(
                "capacity",
                "2",
                1,
                100,
                t(
                    "How many items the buffer holds (buffer).",
                    "缓冲区能容纳的数据个数（buffer）。",
                ),
            ),
            ParamSpec::int(
                "items",
                "10",
                0,
                200,
                t(
                    "Items produced and consumed in all, shared out among the workers (buffer).",
                    "总共生产和消费的数据个数，平均分给各个工人（buffer）。",
                ),
            ),
            ParamSpec::float(
                "produce_ms",
                "100",
                0.0,
                2000.0,
                t(
                    "A producer's work before each item (fifo: time between notifications).",
                    "生产者每个数据之前的工作时间（fifo：两次通知之间的时间）。",
                ),
            ),
            ParamSpec::float(
                "consume_ms",
                "200",
                0.0,
                2000.0,
                t(
                    "A consumer's other work before each take (buffer).",
                    "消费者每次取数据之前的其他工作时间（buffer）。",
                ),
            ),
            ParamSpec::choice(
                "recheck",
                "while",
                &["while", "if", "wait_for"],
                t(
                    "How a waiter re-checks the buffer after waking: `if` is the bug.",
                    "等待者醒来后如何重新检查缓冲区：`if` 是错误写法。",
                ),
            ),
            ParamSpec::choice(
                "wake",
                "notify_all",
                &["notify_all", "notify"],
                t(
                    "Wake every waiter, or only one (lost wake-ups).",
                    "唤醒所有等待者，或只唤醒一个（会丢失唤醒）。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[
                ("variant", "fifo"),
                ("consumers", "4"),
                ("produce_ms", "50"),
                ("wake", "notify"),
            ],
            keys: &["wake_order", "stuck"],
            deterministic: true,
            more: &[],
        },
    }
}

/// The shared list: a global for threads and tasks, a Manager list for processes.
#[derive(Clone, Copy)]
enum Buffer {
    Global(Var),
    Managed(ListProxy),
}

impl Buffer {
    fn new(cx: &Ctx, fl: Flavor) -> Self {
        match fl {
            Flavor::Multiprocessing => Buffer::Managed(cx.manager_list("items")),
            _ => Buffer::Global(cx.var("items", Value::List(Vec::new()))),
        }
    }

    async fn items(&self, cx: &Ctx) -> PyResult<Vec<Value>> {
        match self {
            Buffer::Global(v) => match v.read(cx).await? {
                Value::List(items) => Ok(items),
                _ => Ok(Vec::new()),
            },
            Buffer::Managed(l) => match l.snapshot(cx).await? {
                Value::List(items) => Ok(items),
                _ => Ok(Vec::new()),
            },
        }
    }

    fn id(&self) -> interleave_sim::ObjId {
        match self {
            Buffer::Global(v) => v.id,
            Buffer::Managed(l) => l.id,
        }
    }

    async fn len(&self, cx: &Ctx) -> PyResult<i64> {
        match self {
            Buffer::Global(_) => Ok(self.items(cx).await?.len() as i64),
            Buffer::Managed(l) => l.len(cx).await,
        }
    }

    async fn append(&self, cx: &Ctx, item: Value) -> PyResult<()> {
        match self {
            Buffer::Global(v) => {
                let mut items = self.items(cx).await?;
                items.push(item);
                v.write(cx, Value::List(items)).await
            }
            Buffer::Managed(l) => l.append(cx, item).await,
        }
    }

    /// `items.pop()`: `IndexError` when empty.
    async fn pop(&self, cx: &Ctx) -> PyResult<Value> {
        match self {
            Buffer::Global(v) => {
                let mut items = self.items(cx).await?;
                let Some(item) = items.pop() else {
                    return err(PyErrorKind::IndexError, "pop from empty list");
                };
                v.write(cx, Value::List(items)).await?;
                Ok(item)
            }
            Buffer::Managed(l) => l.pop(cx).await,
        }
    }
}

#[derive(Clone, Copy)]
struct Config {
    fl: Flavor,
    producers: i64,
    consumers: i64,
    capacity: i64,
    items: i64,
    produce: u64,
    consume: u64,
    recheck: Recheck,
    notify_all: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Recheck {
    While,
    If,
    WaitFor,
}

/// How many of `total` items worker `i` of `parts` handles.
fn share(total: i64, parts: i64, i: i64) -> i64 {
    total / parts + i64::from(i < total % parts)
}

impl Config {
    /// How long the main program waits before it declares the remaining workers stuck.
    fn patience(&self) -> u64 {
        let per_item = self.produce.saturating_add(self.consume);
        from_secs_f64(1.0)
            .saturating_add(per_item.saturating_mul((self.items + self.consumers) as u64))
    }

    async fn wake(&self, cx: &Ctx, cond: Condition) -> PyResult<()> {
        if self.notify_all {
            cond.notify_all(cx).await
        } else {
            cond.notify(cx).await
        }
    }

    /// Waits (holding the condition's lock) until the buffer's length satisfies `ready`, in the
    /// chosen style.
    async fn wait_until(
        &self,
        cx: &Ctx,
        cond: Condition,
        buf: Buffer,
        ready: fn(i64, i64) -> bool,
    ) -> PyResult<()> {
        let cap = self.capacity;
        // What the waiter waits for, so that a run ending with it blocked while this holds is
        // reported as a lost wakeup (it takes no step; the Python program has no such line).
        let id = buf.id();
        let what = if ready(0, cap) {
            "the buffer is not full"
        } else {
            "the buffer is not empty"
        };
        let awaiting = Awaiting::new(what, move |v| v.len(id).is_some_and(|n| ready(n, cap)));
        cx.declare_awaiting(Some(awaiting));
        let r = async {
            match self.recheck {
                Recheck::While => {
                    while !ready(buf.len(cx).await?, cap) {
                        cond.wait(cx).await?;
                    }
                }
                Recheck::If => {
                    if !ready(buf.len(cx).await?, cap) {
                        // The bug: no second look after waking.
                        cond.wait(cx).await?;
                    }
                }
                Recheck::WaitFor => {
                    cond.wait_for(cx, || async { Ok(ready(buf.len(cx).await?, cap)) }, None)
                        .await?;
                }
            }
            Ok(())
        }
        .await;
        cx.declare_awaiting(None);
        r
    }
}

fn build(p: &Params) -> Program {
    let c = Config {
        fl: flavor(p),
        producers: p.int("producers"),
        consumers: p.int("consumers"),
        capacity: p.int("capacity"),
        items: p.int("items"),
        produce: from_ms_f64(p.float("produce_ms")),
        consume: from_ms_f64(p.float("consume_ms")),
        recheck: match p.choice("recheck") {
            "if" => Recheck::If,
            "wait_for" => Recheck::WaitFor,
            _ => Recheck::While,
        },
        notify_all: p.choice("wake") == "notify_all",
    };
    let fifo = p.choice("variant") == "fifo";
    Program::new(move |cx: Ctx| async move {
        let cond = cx.new_condition(c.fl, "cond", None);
        run_main(&cx, c.fl, move |cx: Ctx| async move {
            if fifo {
                fifo_wake(&cx, c, cond).await
            } else {
                bounded_buffer(&cx, c, cond).await
            }
        })
        .await
    })
}

async fn bounded_buffer(cx: &Ctx, c: Config, cond: Condition) -> PyResult<()> {
    let buf = Buffer::new(cx, c.fl);
    let peak = Shared::new(cx, c.fl, "peak", 0);
    let put = Slots::new(cx, c.fl, "put", c.producers as usize, 0);
    let taken = Slots::new(cx, c.fl, "taken", c.consumers as usize, 0);
    let failed = Slots::new(cx, c.fl, "failed", c.consumers as usize, 0);
    let deadline = cx.now().await?.saturating_add(c.patience());
    let mut ws = Vec::new();
    for i in 0..c.consumers {
        let (taken, failed) = (taken.clone(), failed.clone());
        let body = Program::new(move |cx: Ctx| async move {
            let r = consume(&cx, c, cond, buf, i, &taken).await;
            if matches!(&r, Err(e) if e.kind == PyErrorKind::IndexError) {
                failed.set(&cx, i as usize, 1).await?;
            }
            r
        });
        ws.push(spawn(cx, c.fl, &format!("c{i}"), body).await?);
    }
    for i in 0..c.producers {
        let put = put.clone();
        let body = Program::new(move |cx: Ctx| async move {
            for k in 0..share(c.items, c.producers, i) {
                pause(&cx, c.fl, c.produce).await?;
                let item = format!("p{i}:{k}");
                cond.lock
                    .with(&cx, || async {
                        c.wait_until(&cx, cond, buf, |len, cap| len < cap).await?;
                        buf.append(&cx, Value::Str(item.clone())).await?;
                        let n = buf.len(&cx).await?;
                        if n > peak.read_int(&cx).await? {
                            peak.write(&cx, n).await?;
                        }
                        cx.print(format!("p{i} put {item} ({n} in the buffer)"))
                            .await?;
                        c.wake(&cx, cond).await
                    })
                    .await?;
                put.set(&cx, i as usize, k + 1).await?;
            }
            PyResult::Ok(())
        });
        ws.push(spawn(cx, c.fl, &format!("p{i}"), body).await?);
    }
    let stuck = join_by(cx, &ws, deadline).await?;
    let produced: i64 = put.all(cx).await?.iter().sum();
    let consumed: i64 = taken.all(cx).await?.iter().sum();
    let errors: i64 = failed.all(cx).await?.iter().sum();
    let left = buf.len(cx).await?;
    let peak = peak.read_int(cx).await?;
    cx.print(format!(
        "produced {produced}, consumed {consumed}, {left} left, at most {peak} in the buffer"
    ))
    .await?;
    if stuck > 0 {
        cx.print(format!(
            "{stuck} workers are still waiting: nobody will ever wake them"
        ))
        .await?;
    }
    cx.set_result("produced", produced).await?;
    cx.set_result("consumed", consumed).await?;
    cx.set_result("left", left).await?;
    cx.set_result("peak", peak).await?;
    cx.set_result("overfilled", peak > c.capacity).await?;
    cx.set_result("errors", errors).await?;
    cx.set_result("error_kind", if errors > 0 { "IndexError" } else { "" })
        .await?;
    cx.set_result("stuck", stuck).await
}

async fn consume(
    cx: &Ctx,
    c: Config,
    cond: Condition,
    buf: Buffer,
    i: i64,
    taken: &Slots,
) -> PyResult<()> {
    for k in 0..share(c.items, c.consumers, i) {
        pause(cx, c.fl, c.consume).await?;
        cond.lock
            .with(cx, || async {
                c.wait_until(cx, cond, buf, |len, _| len > 0).await?;
                let item = buf.pop(cx).await?;
                cx.print(format!("c{i} took {}", item_text(&item))).await?;
                c.wake(cx, cond).await
            })
            .await?;
        taken.set(cx, i as usize, k + 1).await?;
    }
    Ok(())
}

/// An item as Python's f-string shows it (without quotes).
fn item_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.repr(),
    }
}

async fn fifo_wake(cx: &Ctx, c: Config, cond: Condition) -> PyResult<()> {
    let woken = Shared::new(cx, c.fl, "woken", 0);
    let rank = Slots::new(cx, c.fl, "rank", c.consumers as usize, -1);
    let deadline = cx.now().await?.saturating_add(c.patience());
    let mut ws = Vec::new();
    for i in 0..c.consumers {
        let rank = rank.clone();
        let body = Program::new(move |cx: Ctx| async move {
            cond.lock
                .with(&cx, || async {
                    cond.wait(&cx).await?;
                    let r = woken.read_int(&cx).await?;
                    woken.write(&cx, r + 1).await?;
                    rank.set(&cx, i as usize, r).await?;
                    cx.print(format!("c{i} woke up")).await
                })
                .await
        });
        ws.push(spawn(cx, c.fl, &format!("c{i}"), body).await?);
    }
    let notifier = Program::new(move |cx: Ctx| async move {
        for _ in 0..c.consumers {
            pause(&cx, c.fl, c.produce).await?;
            cond.lock
                .with(&cx, || async {
                    cx.print("producer notifies").await?;
                    c.wake(&cx, cond).await
                })
                .await?;
        }
        PyResult::Ok(())
    });
    ws.push(spawn(cx, c.fl, "producer", notifier).await?);
    let stuck = join_by(cx, &ws, deadline).await?;
    let rank = rank.all(cx).await?;
    let mut order: Vec<(i64, i64)> = rank
        .iter()
        .enumerate()
        .filter(|&(_, &r)| r >= 0)
        .map(|(i, &r)| (r, i as i64))
        .collect();
    order.sort_unstable();
    let order: Vec<i64> = order.into_iter().map(|(_, i)| i).collect();
    cx.print(format!("woken in the order {order:?}")).await?;
    if stuck > 0 {
        cx.print(format!(
            "{stuck} workers are still waiting: nobody will ever wake them"
        ))
        .await?;
    }
    cx.set_result("wake_order", order).await?;
    cx.set_result("stuck", stuck).await
}

const THREADS: &str = include_str!("python/condition_threads.py");

const PROCESSES: &str = include_str!("python/condition_processes.py");

const ASYNCIO: &str = include_str!("python/condition_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}

const NOT_OVERFILLED: crate::Invariant = crate::Invariant {
    text: t(
        "the buffer never holds more than its capacity",
        "缓冲区里的数据从不超过容量",
    ),
    check: |t| crate::result_truthy(t, "overfilled").map(|over| !over),
};
