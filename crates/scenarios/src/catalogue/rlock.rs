//! `rlock`: a box whose `add`/`remove` take its lock and then call `execute`, which takes it
//! again. An `RLock` lets the owner re-enter; a plain `Lock` deadlocks on itself.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "rlock",
        title: t("Re-entrant lock (RLock)", "可重入锁（RLock）"),
        lesson: t(
            "A thread that holds an RLock may acquire it again; with a plain Lock it deadlocks on itself.",
            "持有 RLock 的线程可以再次获取它；换成普通 Lock，线程会和自己死锁。",
        ),
        explanation: t(
            "A Box keeps a count of items. add() and remove() take the box's lock and call execute(), \
             which takes the same lock again to change the count. With an RLock the owner re-enters \
             (see the acquire markers with 'depth 2') and each release lowers the depth. Switch to a \
             plain Lock and the adder blocks forever on the lock it already holds: the simulator \
             reports a deadlock whose wait-for cycle is the adder waiting for itself, while the \
             remover waits behind it. Turn on 'misuse' and a third thread tries to release the RLock \
             it does not own: RuntimeError, shown on its lane. Real Python would simply hang in the \
             Lock case; the Python program uses the RLock unless you change it.",
            "Box 记录物品数量。add() 和 remove() 先获取盒子的锁，再调用 execute()，而 execute() 会再次获取同一把锁来修改数量。\
             使用 RLock 时，持有者可以重入（获取标记上显示“depth 2”），每次释放让深度减一。\
             换成普通 Lock，添加者会永远阻塞在自己已经持有的锁上：模拟器报告死锁，其等待环就是添加者在等自己，移除者排在后面等待。\
             打开“misuse”后，第三个线程试图释放并不属于它的 RLock：抛出 RuntimeError，显示在它的泳道上。\
             真实的 Python 在 Lock 的情况下只会挂起；除非你修改，Python 程序使用的是 RLock。",
        ),
        tags: &[Tag::Primitive],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::Deadlock,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "lock",
                "rlock",
                &["rlock", "lock"],
                t("The kind of lock the box uses.", "盒子使用的锁的种类。"),
            ),
            ParamSpec::int(
                "items",
                "3",
                1,
                100,
                t(
                    "Items the adder adds and the remover removes.",
                    "添加者添加、移除者移除的物品数。",
                ),
            ),
            ParamSpec::float(
                "delay_ms",
                "1",
                0.0,
                1000.0,
                t("Pause between operations.", "两次操作之间的停顿。"),
            ),
            ParamSpec::bool(
                "misuse",
                "false",
                t(
                    "A third thread releases the lock it does not hold.",
                    "第三个线程释放不属于它的锁。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("delay_ms", "1")],
            keys: &["total_items", "misuse_error"],
            deterministic: true,
            more: &[&[("misuse", "true")]],
        },
    }
}

const PROGRAM: &str = include_str!("python/rlock.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
