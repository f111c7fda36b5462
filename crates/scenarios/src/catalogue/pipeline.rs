//! `pipeline`: download → resize → upload stages connected by queues — a busy-polling home-made
//! queue, blocking queues, bounded queues (backpressure) and closable queues with a sentinel,
//! with several workers per stage.

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
        body: crate::Body::Python,
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

const PROGRAM: &str = include_str!("python/pipeline.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
