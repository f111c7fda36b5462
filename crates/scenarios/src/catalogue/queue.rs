//! `queue`: a producer feeds consumers through a FIFO, LIFO or priority queue: backpressure from
//! `maxsize`, `task_done()` + `join()`, ways to stop the consumers (poison pills, a closable
//! queue's sentinels, none, or the racy `empty()` check) and the `*_nowait` errors.

use interleave_sim::Flavor;

use super::{FLAVORS, default_machine, flavor};
use crate::params::{ParamError, ParamSpec, Params};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "queue",
        title: t("Queue: producer and consumers", "队列：生产者与消费者"),
        lesson: t(
            "A queue hands items from a producer to consumers safely; task_done() and join() tell when all the work is done, and every consumer needs its own stop signal.",
            "队列把数据安全地从生产者交给消费者；task_done() 和 join() 告诉你所有工作何时完成，而每个消费者都需要自己的停止信号。",
        ),
        explanation: t(
            "The producer puts items at a steady pace; the consumers block in get() (red, \
             blocked on 'q') until one arrives, then work on it and call task_done(). The depth \
             track shows how many items wait in the queue. With maxsize > 0 and slow consumers \
             the queue fills up and the producer blocks in put() — backpressure. A LifoQueue \
             hands out the newest item first, a PriorityQueue the smallest (priority, n) tuple: \
             when the consumers start late (consumer_delay_ms), the items come out in ascending priority. \
             q.join() returns when every put item has had its task_done(); without task_done() \
             it waits for ever (the main program gives up after a while and the model reports \
             the deadlock on the 'q.join()' lane). Consumers loop on get(), so something must \
             tell them to stop: one poison pill per consumer after q.join(), or a closable queue \
             whose close() puts one sentinel per consumer (beware: in a LIFO queue the \
             sentinels come out first). With 'none' the consumers wait for ever; with \
             'empty_check' they loop while not q.empty() — they may quit before the first item \
             arrives, and with several consumers one can see an item that another takes first \
             and then block in get() for good (under the GIL this window is tiny; with \
             processes it is real). 'nowait' shows get_nowait() on an empty queue raising \
             Empty and put_nowait() on a full one raising Full. A multiprocessing \
             JoinableQueue is FIFO only, and each put and get pays for pickling and copying the \
             item; the model charges a fixed message cost plus a cost per byte.",
            "生产者以固定节奏放入数据；消费者阻塞在 get() 上（红色，阻塞在“q”上），直到有数据到来，处理后调用 task_done()。\
             深度轨道显示队列中有多少数据在等待。maxsize > 0 且消费者较慢时，队列会被填满，生产者阻塞在 put() 上——这就是背压。\
             LifoQueue 先交出最新的数据，PriorityQueue 先交出最小的 (priority, n) 元组：消费者晚一些开始时（consumer_delay_ms），数据按优先级从小到大取出。\
             当每个放入的数据都调用过 task_done() 时，q.join() 才返回；不调用 task_done() 它就会永远等待\
             （主程序等了一阵后放弃，模型在“q.join()”泳道上报告死锁）。消费者循环调用 get()，所以必须有东西告诉它们停下：\
             在 q.join() 之后为每个消费者放一颗毒丸，或者使用可关闭的队列，它的 close() 为每个消费者放一个哨兵\
             （注意：在 LIFO 队列里哨兵会先被取出）。选“none”时消费者永远等待；选“empty_check”时它们在 not q.empty() 时循环——\
             可能在第一个数据到来之前就退出，而有多个消费者时，一个消费者看到的数据可能先被另一个取走，然后它永远阻塞在 get() 上\
             （在 GIL 下这个窗口极小；用进程时则真实存在）。“nowait”展示对空队列调用 get_nowait() 抛出 Empty，\
             对满队列调用 put_nowait() 抛出 Full。multiprocessing 的 JoinableQueue 只有先进先出一种，每次 put 和 get 都要为序列化和复制数据付出代价；\
             模型按固定的消息开销加上按字节计的开销收费。",
        ),
        tags: &[Tag::Primitive, Tag::Process, Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[crate::NOBODY_STUCK],
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
                "kind",
                "fifo",
                &["fifo", "lifo", "priority"],
                t(
                    "Queue, LifoQueue or PriorityQueue (processes: FIFO only).",
                    "Queue、LifoQueue 或 PriorityQueue（进程只有 FIFO）。",
                ),
            ),
            ParamSpec::int(
                "maxsize",
                "0",
                0,
                1000,
                t(
                    "The queue's capacity; 0 means unbounded.",
                    "队列的容量；0 表示不限。",
                ),
            ),
            ParamSpec::int(
                "consumers",
                "3",
                1,
                16,
                t("How many consumers.", "消费者的数量。"),
            ),
            ParamSpec::int(
                "items",
                "10",
                0,
                1000,
                t("Items the producer puts.", "生产者放入的数据个数。"),
            ),
            ParamSpec::float(
                "put_ms",
                "100",
                0.0,
                5000.0,
                t(
                    "The producer's work before each put.",
                    "生产者每次 put 之前的工作时间。",
                ),
            ),
            ParamSpec::float(
                "work_ms",
                "50",
                0.0,
                5000.0,
                t(
                    "A consumer's work on each item.",
                    "消费者处理每个数据的时间。",
                ),
            ),
            ParamSpec::float(
                "consumer_delay_ms",
                "0",
                0.0,
                5000.0,
                t(
                    "Consumers start taking items only after this delay, so that the queue can fill first.",
                    "消费者在这段延迟之后才开始取数据，让队列先被填满。",
                ),
            ),
            ParamSpec::choice(
                "stop",
                "poison_pill",
                &["poison_pill", "sentinel", "none", "empty_check"],
                t(
                    "How the consumers learn to stop.",
                    "消费者如何得知应当停止。",
                ),
            ),
            ParamSpec::bool(
                "task_done",
                "true",
                t(
                    "Consumers call task_done() for every item they get.",
                    "消费者为取到的每个数据调用 task_done()。",
                ),
            ),
            ParamSpec::bool(
                "nowait",
                "false",
                t(
                    "At the end, try get_nowait() on the empty queue and put_nowait() until it is full.",
                    "最后对空队列尝试 get_nowait()，并用 put_nowait() 一直放到队列满。",
                ),
            ),
        ],
        check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[
                ("kind", "lifo"),
                ("consumers", "1"),
                ("items", "5"),
                ("put_ms", "0"),
                ("work_ms", "10"),
                ("consumer_delay_ms", "50"),
                ("nowait", "true"),
                ("maxsize", "6"),
            ],
            keys: &[
                "consumed",
                "order",
                "stopped",
                "join_returned",
                "stuck",
                "nowait_errors",
            ],
            deterministic: true,
            more: &[],
        },
    }
}

fn check(p: &Params) -> Result<(), ParamError> {
    if p.choice("flavor") == "process" && p.choice("kind") != "fifo" {
        return Err(ParamError {
            param: "kind".to_string(),
            message: "kind must be fifo with processes: multiprocessing has no LIFO or priority \
                      queue"
                .to_string(),
        });
    }
    Ok(())
}

const THREADS: &str = include_str!("python/queue_threads.py");

const PROCESSES: &str = include_str!("python/queue_processes.py");

const ASYNCIO: &str = include_str!("python/queue_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}
