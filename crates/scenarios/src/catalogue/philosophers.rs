//! `philosophers`: the dining philosophers — a deadlock when everyone takes the left fork
//! first, and two fixes: a global fork order, and a waiter (a semaphore of n - 1 seats).

use interleave_sim::{Ctx, Lock, Program, PyResult, Value, from_ms_f64};

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "philosophers",
        title: t("Dining philosophers", "哲学家就餐"),
        lesson: t(
            "If every philosopher takes the left fork and then waits for the right one, they deadlock in a cycle; ordering the forks or seating at most n − 1 breaks the cycle.",
            "如果每位哲学家都先拿左手的叉子再等右手的，他们会形成环路而死锁；给叉子排序或最多只让 n − 1 人入座就能打破环路。",
        ),
        explanation: t(
            "n philosophers sit at a round table with one fork (a Lock) between neighbours. Each \
             thinks, takes the left fork, pauses, takes the right fork, eats and puts both down. \
             With the naive strategy all of them hold their left fork and wait for the right one: \
             the simulator stops with a deadlock and names the cycle P0 → P1 → … → P0. 'ordered' \
             makes everyone take the lower-numbered fork first, so the last philosopher reaches for \
             fork 0 first and the cycle cannot close. 'waiter' lets at most n − 1 philosophers \
             reach for forks at once (a Semaphore). The Python program detects the deadlock with \
             an acquire timeout, because real Python would simply hang.",
            "n 位哲学家围坐圆桌，相邻两人之间放一把叉子（一个 Lock）。每人思考、拿起左边的叉子、停顿、拿起右边的叉子、进餐，然后放下两把叉子。\
             用朴素策略时，所有人都拿着左叉等待右叉：模拟器以死锁结束，并指出环路 P0 → P1 → … → P0。\
             “ordered”让每个人先拿编号较小的叉子，于是最后一位哲学家先去拿 0 号叉，环路无法闭合。\
             “waiter”同时最多只让 n − 1 位哲学家去拿叉子（一个 Semaphore）。Python 程序用带超时的 acquire 检测死锁，因为真实的 Python 只会挂起。",
        ),
        tags: &[Tag::Classic, Tag::Primitive],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::Deadlock,
        invariants: &[],
        params: vec![
            ParamSpec::int(
                "n",
                "5",
                2,
                32,
                t("Philosophers (and forks).", "哲学家（及叉子）的数量。"),
            ),
            ParamSpec::choice(
                "strategy",
                "naive",
                &["naive", "ordered", "waiter"],
                t("How forks are taken.", "如何拿叉子。"),
            ),
            ParamSpec::int(
                "meals",
                "3",
                1,
                50,
                t("Meals each philosopher eats.", "每位哲学家吃几餐。"),
            ),
            ParamSpec::float(
                "think_ms",
                "10",
                0.0,
                1000.0,
                t("Thinking time before each meal.", "每餐前的思考时间。"),
            ),
            ParamSpec::float("eat_ms", "10", 0.0, 1000.0, t("Eating time.", "进餐时间。")),
            ParamSpec::float(
                "pause_ms",
                "1",
                0.0,
                100.0,
                t(
                    "Pause between taking the two forks.",
                    "拿两把叉子之间的停顿。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("strategy", "ordered"), ("think_ms", "1"), ("eat_ms", "1")],
            keys: &["meals", "deadlock"],
            deterministic: true,
            more: &[&[("strategy", "waiter")]],
        },
    }
}

fn build(p: &Params) -> Program {
    let n = p.int("n") as usize;
    let strategy = p.choice("strategy").to_string();
    let meals = p.int("meals");
    let think = from_ms_f64(p.float("think_ms"));
    let eat = from_ms_f64(p.float("eat_ms"));
    let pause = from_ms_f64(p.float("pause_ms"));
    Program::new(move |cx: Ctx| async move {
        let forks: Vec<Lock> = (0..n).map(|i| cx.lock(&format!("fork {i}"))).collect();
        let waiter = cx.semaphore("waiter", (n - 1) as i64)?;
        let eaten: Vec<interleave_sim::Var> =
            (0..n).map(|i| cx.var(&format!("meals[{i}]"), 0)).collect();
        let go = cx.event("dinner is served");
        let mut ts = Vec::new();
        for i in 0..n {
            let (left, right) = (forks[i], forks[(i + 1) % n]);
            let (first, second) = if strategy == "ordered" && (i + 1) % n < i {
                (right, left)
            } else {
                (left, right)
            };
            let use_waiter = strategy == "waiter";
            let mine = eaten[i];
            let body = Program::new(move |cx: Ctx| async move {
                go.wait(&cx).await?;
                for _ in 0..meals {
                    cx.sleep(think).await?;
                    if use_waiter {
                        waiter.acquire(&cx).await?;
                    }
                    first.acquire(&cx).await?;
                    cx.sleep(pause).await?;
                    second.acquire(&cx).await?;
                    cx.sleep(eat).await?;
                    let m = mine.read_int(&cx).await?;
                    mine.write(&cx, m + 1).await?;
                    second.release(&cx).await?;
                    first.release(&cx).await?;
                    if use_waiter {
                        waiter.release(&cx).await?;
                    }
                }
                PyResult::Ok(())
            });
            ts.push(cx.spawn_thread(&format!("P{i}"), body).await?);
        }
        go.set(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        let mut m = Vec::with_capacity(n);
        for v in &eaten {
            m.push(v.read(&cx).await?);
        }
        let m = Value::List(m);
        cx.print(format!("meals eaten: {m}")).await?;
        cx.set_result("meals", m).await?;
        cx.set_result("deadlock", false).await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/philosophers.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
