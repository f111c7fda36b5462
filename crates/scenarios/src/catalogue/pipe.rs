//! `pipe`: `multiprocessing.Pipe` between processes — a two-stage chain (produce → square →
//! print) that ends when EOF reaches the reader, and a ping-pong over one duplex pipe; forgetting
//! to close an end means the reader never sees EOF.

use interleave_sim::{
    Conn, Ctx, Program, PyErrorKind, PyResult, Value, from_ms_f64, from_secs_f64,
};

use super::{Shared, Worker, default_machine, join_by};
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
        build,
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

#[derive(Clone, Copy)]
struct Config {
    items: i64,
    duplex: bool,
    close_unused: bool,
    rounds: i64,
    delay: u64,
}

impl Config {
    /// How long the main process waits for a message, or for a child, before it gives up.
    fn patience(&self) -> u64 {
        from_secs_f64(1.0).saturating_add(self.delay.saturating_mul(2 * self.rounds as u64))
    }

    /// A new pipe as (receiving end, sending end).
    fn pipe(&self, cx: &Ctx, name: &str) -> (Conn, Conn) {
        let (first, second) = cx.pipe(name, self.duplex);
        if self.duplex {
            (second, first)
        } else {
            (first, second)
        }
    }
}

fn build(p: &Params) -> Program {
    let c = Config {
        items: p.int("items"),
        duplex: p.bool("duplex"),
        close_unused: p.bool("close_unused_ends"),
        rounds: p.int("rounds"),
        delay: from_ms_f64(p.float("delay_ms")),
    };
    let ping_pong = p.choice("variant") == "ping_pong";
    Program::new(move |cx: Ctx| async move {
        if ping_pong {
            ping_pong_rounds(&cx, c).await
        } else {
            chain(&cx, c).await
        }
    })
}

/// Receives with the main process's patience: `None` if nothing (not even EOF) came in time.
async fn recv_patiently(cx: &Ctx, c: Config, end: Conn) -> PyResult<Option<PyResult<Value>>> {
    if !end.poll(cx, c.patience()).await? {
        return Ok(None);
    }
    Ok(Some(end.recv(cx).await))
}

async fn chain(cx: &Ctx, c: Config) -> PyResult<()> {
    let (rx1, tx1) = c.pipe(cx, "pipe_1");
    let (rx2, tx2) = c.pipe(cx, "pipe_2");
    let p1 = cx
        .spawn_process(
            "P1",
            Program::new(move |cx: Ctx| async move {
                for i in 0..c.items {
                    tx1.send(&cx, i).await?;
                }
                // The model has one copy of each end: leaving it open stands for a copy that
                // somebody forgot to close.
                if c.close_unused {
                    tx1.close(&cx).await?;
                }
                PyResult::Ok(())
            }),
        )
        .await?;
    let p2 = cx
        .spawn_process(
            "P2",
            Program::new(move |cx: Ctx| async move {
                loop {
                    match rx1.recv(&cx).await {
                        Ok(x) => {
                            let x = x.as_int()?;
                            tx2.send(&cx, x * x).await?;
                        }
                        Err(e) if e.kind == PyErrorKind::EOFError => break,
                        Err(e) => return Err(e),
                    }
                }
                tx2.close(&cx).await
            }),
        )
        .await?;
    let mut received = Vec::new();
    let mut eof = false;
    loop {
        match recv_patiently(cx, c, rx2).await? {
            None => {
                cx.print("no EOF: the pipe's writing end is still open somewhere")
                    .await?;
                break;
            }
            Some(Ok(v)) => {
                cx.print(v.repr()).await?;
                received.push(v);
            }
            Some(Err(e)) if e.kind == PyErrorKind::EOFError => {
                cx.print("end").await?;
                eof = true;
                break;
            }
            Some(Err(e)) => return Err(e),
        }
    }
    finish(cx, c, &[p1, p2], received, eof).await
}

async fn finish(
    cx: &Ctx,
    c: Config,
    procs: &[interleave_sim::Process],
    received: Vec<Value>,
    eof: bool,
) -> PyResult<()> {
    let workers: Vec<Worker> = procs.iter().map(|&p| Worker::Process(p)).collect();
    let deadline = cx.now().await?.saturating_add(c.patience());
    let stuck = join_by(cx, &workers, deadline).await?;
    if stuck > 0 {
        cx.print(format!("{stuck} processes are still blocked in recv()"))
            .await?;
    }
    cx.set_result("received", Value::List(received)).await?;
    cx.set_result("eof", eof).await?;
    cx.set_result("stuck", stuck).await
}

async fn ping_pong_rounds(cx: &Ctx, c: Config) -> PyResult<()> {
    let (parent_end, child_end) = cx.pipe("pipe", true);
    let child_eof = Shared::new(cx, interleave_sim::Flavor::Multiprocessing, "child_eof", 0);
    let child = cx
        .spawn_process(
            "child",
            Program::new(move |cx: Ctx| async move {
                loop {
                    let msg = match child_end.recv(&cx).await {
                        Ok(m) => text(&m),
                        Err(e) if e.kind == PyErrorKind::EOFError => {
                            cx.print("child: EOF").await?;
                            return child_eof.write(&cx, 1).await;
                        }
                        Err(e) => return Err(e),
                    };
                    cx.print(format!("child got {msg}")).await?;
                    cx.sleep(c.delay).await?;
                    child_end.send(&cx, msg.replace("ping", "pong")).await?;
                }
            }),
        )
        .await?;
    parent_end.send(cx, "ping 1").await?;
    let mut received = Vec::new();
    for r in 1..=c.rounds {
        let msg = match recv_patiently(cx, c, parent_end).await? {
            Some(m) => text(&m?),
            None => break,
        };
        cx.print(format!("parent got {msg}")).await?;
        received.push(Value::Str(msg));
        if r < c.rounds {
            cx.sleep(c.delay).await?;
            parent_end.send(cx, format!("ping {}", r + 1)).await?;
        }
    }
    if c.close_unused {
        parent_end.close(cx).await?;
    }
    let deadline = cx.now().await?.saturating_add(c.patience());
    let stuck = join_by(cx, &[Worker::Process(child)], deadline).await?;
    if stuck > 0 {
        cx.print("the child is still blocked in recv(): it never saw EOF")
            .await?;
    }
    let eof = child_eof.read_int(cx).await? == 1;
    cx.set_result("received", Value::List(received)).await?;
    cx.set_result("eof", eof).await?;
    cx.set_result("stuck", stuck).await
}

/// A message as the program prints it (strings without quotes).
fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.repr(),
    }
}

const PROGRAM: &str = include_str!("python/pipe.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
