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
        build,
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

const THREADS: &str = r#"import json
import threading
import time

VARIANT = @variant@          # "buffer" or "fifo"
PRODUCERS = @producers@
CONSUMERS = @consumers@
CAPACITY = @capacity@
ITEMS = @items@
PRODUCE = @produce_ms@ / 1000
CONSUME = @consume_ms@ / 1000
RECHECK = @recheck@          # "while" (right), "if" (the spurious-wakeup bug) or "wait_for"
WAKE = @wake@                # "notify_all" (right) or "notify" (one waiter: lost wake-ups)
# Workers still blocked after this long are reported as stuck: nothing will ever wake them.
PATIENCE = 1.0 + (ITEMS + CONSUMERS) * (PRODUCE + CONSUME)

cond = threading.Condition()     # over an RLock
items = []
put = [0] * PRODUCERS
taken = [0] * CONSUMERS
failed = [0] * CONSUMERS
peak = 0


def share(total, parts, i):
    return total // parts + (1 if i < total % parts else 0)


def wake():
    if WAKE == "notify_all":
        cond.notify_all()
    else:
        cond.notify()


def wait_until(ready):
    if RECHECK == "while":
        while not ready():
            cond.wait()
    elif RECHECK == "if":
        if not ready():
            cond.wait()          # the bug: no second look after waking
    else:
        cond.wait_for(ready)


def producer(p):
    global peak
    for k in range(share(ITEMS, PRODUCERS, p)):
        time.sleep(PRODUCE)
        with cond:
            wait_until(lambda: len(items) < CAPACITY)
            items.append(f"p{p}:{k}")
            peak = max(peak, len(items))
            print(f"p{p} put p{p}:{k} ({len(items)} in the buffer)", flush=True)
            wake()
        put[p] = k + 1


def consumer(c):
    try:
        for k in range(share(ITEMS, CONSUMERS, c)):
            time.sleep(CONSUME)
            with cond:
                wait_until(lambda: len(items) > 0)
                item = items.pop()       # IndexError if the buffer is empty
                print(f"c{c} took {item}", flush=True)
                wake()
            taken[c] = k + 1
    except IndexError:
        failed[c] = 1
        raise


woken = 0
rank = [-1] * CONSUMERS


def waiter(c):
    global woken
    with cond:
        cond.wait()
        rank[c] = woken
        woken += 1
        print(f"c{c} woke up", flush=True)


def notifier():
    for _ in range(CONSUMERS):
        time.sleep(PRODUCE)
        with cond:
            print("producer notifies", flush=True)
            wake()


def join_by(workers, deadline):
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    return sum(w.is_alive() for w in workers)


# daemon=True only so that this program can exit if some workers never finish; the simulator
# keeps them ordinary threads and reports the deadlock.
deadline = time.monotonic() + PATIENCE
if VARIANT == "buffer":
    workers = [threading.Thread(target=consumer, args=(c,), name=f"c{c}", daemon=True)
               for c in range(CONSUMERS)]
    workers += [threading.Thread(target=producer, args=(p,), name=f"p{p}", daemon=True)
                for p in range(PRODUCERS)]
else:
    workers = [threading.Thread(target=waiter, args=(c,), name=f"c{c}", daemon=True)
               for c in range(CONSUMERS)]
    workers.append(threading.Thread(target=notifier, name="producer", daemon=True))
for w in workers:
    w.start()
stuck = join_by(workers, deadline)

if VARIANT == "buffer":
    result = {"produced": sum(put), "consumed": sum(taken), "left": len(items), "peak": peak,
              "overfilled": peak > CAPACITY, "errors": sum(failed),
              "error_kind": "IndexError" if any(failed) else "", "stuck": stuck}
    print(f"produced {sum(put)}, consumed {sum(taken)}, {len(items)} left, "
          f"at most {peak} in the buffer")
else:
    order = [c for _, c in sorted((r, c) for c, r in enumerate(rank) if r >= 0)]
    print(f"woken in the order {order}")
    result = {"wake_order": order, "stuck": stuck}
if stuck:
    print(f"{stuck} workers are still waiting: nobody will ever wake them")
print("RESULT " + json.dumps(result))
"#;

const PROCESSES: &str = r#"import json
import multiprocessing as mp
import time

VARIANT = @variant@          # "buffer" or "fifo"
PRODUCERS = @producers@
CONSUMERS = @consumers@
CAPACITY = @capacity@
ITEMS = @items@
PRODUCE = @produce_ms@ / 1000
CONSUME = @consume_ms@ / 1000
RECHECK = @recheck@          # "while" (right), "if" (the spurious-wakeup bug) or "wait_for"
WAKE = @wake@                # "notify_all" (right) or "notify" (one waiter: lost wake-ups)
# Workers still blocked after this long are reported as stuck: nothing will ever wake them.
PATIENCE = 1.0 + (ITEMS + CONSUMERS) * (PRODUCE + CONSUME)


def share(total, parts, i):
    return total // parts + (1 if i < total % parts else 0)


def wake(cond):
    if WAKE == "notify_all":
        cond.notify_all()
    else:
        cond.notify()


def wait_until(cond, ready):
    if RECHECK == "while":
        while not ready():
            cond.wait()
    elif RECHECK == "if":
        if not ready():
            cond.wait()          # the bug: no second look after waking
    else:
        cond.wait_for(ready)


def producer(cond, items, peak, put, p):
    for k in range(share(ITEMS, PRODUCERS, p)):
        time.sleep(PRODUCE)
        with cond:
            wait_until(cond, lambda: len(items) < CAPACITY)
            items.append(f"p{p}:{k}")    # a round trip to the manager process
            n = len(items)
            peak.value = max(peak.value, n)
            print(f"p{p} put p{p}:{k} ({n} in the buffer)", flush=True)
            wake(cond)
        put[p] = k + 1


def consumer(cond, items, taken, failed, c):
    try:
        for k in range(share(ITEMS, CONSUMERS, c)):
            time.sleep(CONSUME)
            with cond:
                wait_until(cond, lambda: len(items) > 0)
                item = items.pop()       # IndexError if the buffer is empty
                print(f"c{c} took {item}", flush=True)
                wake(cond)
            taken[c] = k + 1
    except IndexError:
        failed[c] = 1
        raise


def waiter(cond, woken, rank, c):
    with cond:
        cond.wait()
        rank[c] = woken.value
        woken.value += 1
        print(f"c{c} woke up", flush=True)


def notifier(cond):
    for _ in range(CONSUMERS):
        time.sleep(PRODUCE)
        with cond:
            print("producer notifies", flush=True)
            wake(cond)


def join_by(workers, deadline):
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    return sum(w.is_alive() for w in workers)


if __name__ == "__main__":
    cond = mp.Condition()        # over a multiprocessing RLock
    # daemon=True only so that this program can exit if some workers never finish; the
    # simulator keeps them ordinary processes and reports the deadlock.
    with mp.Manager() as manager:
        deadline = time.monotonic() + PATIENCE
        if VARIANT == "buffer":
            items = manager.list()
            peak = mp.Value("i", 0, lock=False)
            put = mp.Array("i", PRODUCERS, lock=False)
            taken = mp.Array("i", CONSUMERS, lock=False)
            failed = mp.Array("i", CONSUMERS, lock=False)
            workers = [mp.Process(target=consumer, args=(cond, items, taken, failed, c),
                                  name=f"c{c}", daemon=True) for c in range(CONSUMERS)]
            workers += [mp.Process(target=producer, args=(cond, items, peak, put, p),
                                   name=f"p{p}", daemon=True) for p in range(PRODUCERS)]
        else:
            woken = mp.Value("i", 0, lock=False)
            rank = mp.Array("i", [-1] * CONSUMERS, lock=False)
            workers = [mp.Process(target=waiter, args=(cond, woken, rank, c), name=f"c{c}",
                                  daemon=True) for c in range(CONSUMERS)]
            workers.append(mp.Process(target=notifier, args=(cond,), name="producer",
                                      daemon=True))
        for w in workers:
            w.start()
        stuck = join_by(workers, deadline)

        if VARIANT == "buffer":
            left = len(items)
            result = {"produced": sum(put), "consumed": sum(taken), "left": left,
                      "peak": peak.value, "overfilled": peak.value > CAPACITY,
                      "errors": sum(failed), "error_kind": "IndexError" if any(failed) else "",
                      "stuck": stuck}
            print(f"produced {sum(put)}, consumed {sum(taken)}, {left} left, "
                  f"at most {peak.value} in the buffer")
        else:
            order = [c for _, c in sorted((r, c) for c, r in enumerate(rank) if r >= 0)]
            print(f"woken in the order {order}")
            result = {"wake_order": order, "stuck": stuck}
        if stuck:
            print(f"{stuck} workers are still waiting: nobody will ever wake them")
    print("RESULT " + json.dumps(result))
"#;

const ASYNCIO: &str = r#"import asyncio
import json

VARIANT = @variant@          # "buffer" or "fifo"
PRODUCERS = @producers@
CONSUMERS = @consumers@
CAPACITY = @capacity@
ITEMS = @items@
PRODUCE = @produce_ms@ / 1000
CONSUME = @consume_ms@ / 1000
RECHECK = @recheck@          # "while" (right), "if" (the spurious-wakeup bug) or "wait_for"
WAKE = @wake@                # "notify_all" (right) or "notify" (one waiter: lost wake-ups)
# Tasks still blocked after this long are reported as stuck: nothing will ever wake them.
PATIENCE = 1.0 + (ITEMS + CONSUMERS) * (PRODUCE + CONSUME)

items = []
put = [0] * PRODUCERS
taken = [0] * CONSUMERS
failed = [0] * CONSUMERS
peak = 0
woken = 0
rank = [-1] * CONSUMERS


def share(total, parts, i):
    return total // parts + (1 if i < total % parts else 0)


def wake(cond):
    if WAKE == "notify_all":
        cond.notify_all()
    else:
        cond.notify()


async def wait_until(cond, ready):
    if RECHECK == "while":
        while not ready():
            await cond.wait()
    elif RECHECK == "if":
        if not ready():
            await cond.wait()    # the bug: no second look after waking
    else:
        await cond.wait_for(ready)


async def producer(cond, p):
    global peak
    for k in range(share(ITEMS, PRODUCERS, p)):
        await asyncio.sleep(PRODUCE)
        async with cond:
            await wait_until(cond, lambda: len(items) < CAPACITY)
            items.append(f"p{p}:{k}")
            peak = max(peak, len(items))
            print(f"p{p} put p{p}:{k} ({len(items)} in the buffer)", flush=True)
            wake(cond)
        put[p] = k + 1


async def consumer(cond, c):
    try:
        for k in range(share(ITEMS, CONSUMERS, c)):
            await asyncio.sleep(CONSUME)
            async with cond:
                await wait_until(cond, lambda: len(items) > 0)
                item = items.pop()       # IndexError if the buffer is empty
                print(f"c{c} took {item}", flush=True)
                wake(cond)
            taken[c] = k + 1
    except IndexError:
        failed[c] = 1
        raise


async def waiter(cond, c):
    global woken
    async with cond:
        await cond.wait()
        rank[c] = woken
        woken += 1
        print(f"c{c} woke up", flush=True)


async def notifier(cond):
    for _ in range(CONSUMERS):
        await asyncio.sleep(PRODUCE)
        async with cond:
            print("producer notifies", flush=True)
            wake(cond)


async def main():
    cond = asyncio.Condition()   # over an asyncio.Lock
    if VARIANT == "buffer":
        tasks = [asyncio.create_task(consumer(cond, c), name=f"c{c}") for c in range(CONSUMERS)]
        tasks += [asyncio.create_task(producer(cond, p), name=f"p{p}") for p in range(PRODUCERS)]
    else:
        tasks = [asyncio.create_task(waiter(cond, c), name=f"c{c}") for c in range(CONSUMERS)]
        tasks.append(asyncio.create_task(notifier(cond), name="producer"))
    _, pending = await asyncio.wait(tasks, timeout=PATIENCE)
    for t in tasks:                  # retrieve exceptions so that asyncio does not log them
        if t.done() and not t.cancelled() and t.exception():
            print(f"{t.get_name()}: {type(t.exception()).__name__}: {t.exception()}")
    return len(pending)          # asyncio.run cancels the stuck tasks on the way out


stuck = asyncio.run(main())
if VARIANT == "buffer":
    result = {"produced": sum(put), "consumed": sum(taken), "left": len(items), "peak": peak,
              "overfilled": peak > CAPACITY, "errors": sum(failed),
              "error_kind": "IndexError" if any(failed) else "", "stuck": stuck}
    print(f"produced {sum(put)}, consumed {sum(taken)}, {len(items)} left, "
          f"at most {peak} in the buffer")
else:
    order = [c for _, c in sorted((r, c) for c, r in enumerate(rank) if r >= 0)]
    print(f"woken in the order {order}")
    result = {"wake_order": order, "stuck": stuck}
if stuck:
    print(f"{stuck} tasks were still waiting: nobody would ever wake them")
print("RESULT " + json.dumps(result))
"#;

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
