//! `pipe`: `multiprocessing.Pipe` between processes — a two-stage chain (produce → square →
//! print) that ends when EOF reaches the reader, and a ping-pong over one duplex pipe; forgetting
//! to close an end means the reader never sees EOF.

use super::default_machine;
use crate::params::{ParamError, ParamSpec, Params};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "pipe",
        title: t("Pipes between processes", "进程之间的管道"),
        lesson: t(
            "A pipe carries messages from one process to another; the reader learns that no more will come (EOFError) only when the writing end is closed.",
            "管道把消息从一个进程传给另一个进程；只有写端被关闭后，读者才知道不会再有消息（EOFError）。",
        ),
        explanation: t(
            "In the chain, P1 sends the numbers 0, 1, 2, … into pipe 1 and closes its end; P2 \
             receives each number and sends its square into pipe 2; the main process prints what \
             arrives. Follow the send → recv arrows from lane to lane. When P1 closes pipe 1, P2's \
             next recv() raises EOFError, so P2 closes pipe 2 in turn and the main process prints \
             'end': EOF travels down the chain and everyone finishes. Each message costs a system \
             call and a copy of the pickled object (the model charges 20 µs plus 2 ns per byte). \
             In real Python a child process inherits a copy of every pipe end that existed when \
             it was started, and EOF only comes once every copy of the writing end is closed — \
             which is why each process should close the ends it does not use. The model keeps \
             one copy of each end: turning close_unused_ends off leaves the writing end open, as \
             a forgotten copy would, so the reader waits for ever; the main process gives up \
             after a while and the model reports the deadlock. Pipe(duplex=False) gives a \
             (read-only, write-only) pair; the chain works the same with it. In ping_pong the \
             parent and a child take turns on one duplex pipe, each sleeping before it replies.",
            "在链式变体中，P1 把 0、1、2……送进管道 1，然后关闭它的那一端；P2 接收每个数，把它的平方送进管道 2；\
             主进程打印收到的内容。请跟随泳道之间 send → recv 的箭头。P1 关闭管道 1 后，P2 的下一次 recv() 抛出 EOFError，\
             于是 P2 也关闭管道 2，主进程打印“end”：EOF 沿着链条传下去，所有人都结束了。每条消息都要一次系统调用，\
             并复制一份序列化后的对象（模型收取 20 微秒加每字节 2 纳秒）。在真实的 Python 中，子进程会继承启动时已经存在的每个管道端的副本，\
             只有写端的所有副本都被关闭时才会出现 EOF——所以每个进程都应该关闭自己用不到的端。模型中每个端只有一份：\
             关掉 close_unused_ends 会让写端保持打开，就像一份被遗忘的副本，于是读者永远等待；主进程等一阵后放弃，模型报告死锁。\
             Pipe(duplex=False) 返回（只读，只写）一对端；链条用它也一样工作。在 ping_pong 中，父进程和一个子进程在同一条双工管道上轮流收发，\
             每次回复之前先睡眠一会儿。",
        ),
        tags: &[Tag::Primitive, Tag::Process],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[crate::NOBODY_STUCK],
        params: vec![
            ParamSpec::choice(
                "variant",
                "chain",
                &["chain", "ping_pong"],
                t(
                    "chain: produce → square → print; ping_pong: two processes take turns.",
                    "chain：生产 → 平方 → 打印；ping_pong：两个进程轮流收发。",
                ),
            ),
            ParamSpec::int(
                "items",
                "10",
                0,
                1000,
                t(
                    "Numbers P1 sends down the chain.",
                    "P1 沿链条发送的数字个数。",
                ),
            ),
            ParamSpec::bool(
                "duplex",
                "true",
                t(
                    "Pipe() (both ends read and write) or Pipe(duplex=False).",
                    "Pipe()（两端都能读写）或 Pipe(duplex=False)。",
                ),
            ),
            ParamSpec::bool(
                "close_unused_ends",
                "true",
                t(
                    "Every process closes the pipe ends it does not use.",
                    "每个进程关闭自己用不到的管道端。",
                ),
            ),
            ParamSpec::int("rounds", "3", 1, 50, t("Ping-pong rounds.", "乒乓的轮数。")),
            ParamSpec::float(
                "delay_ms",
                "200",
                0.0,
                5000.0,
                t(
                    "How long each side waits before it replies (ping_pong).",
                    "每一方回复之前等待的时间（ping_pong）。",
                ),
            ),
        ],
        check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("items", "10")],
            keys: &["received", "eof", "stuck"],
            deterministic: true,
            more: &[],
        },
    }
}

fn check(p: &Params) -> Result<(), ParamError> {
    if p.choice("variant") == "ping_pong" && !p.bool("duplex") {
        return Err(ParamError {
            param: "duplex".to_string(),
            message: "duplex must be true for ping_pong: both sides send and receive on one pipe"
                .to_string(),
        });
    }
    Ok(())
}

const PROGRAM: &str = include_str!("python/pipe.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
