//! What the player of "you are the scheduler" tries to reach in each scenario.

use interleave_scenarios::{Scenario, Text, t};
use interleave_sim::{Outcome, Trace, Value};

/// A goal: what to aim for, and how the page recognises a finished run that reached it.
pub struct Goal {
    pub text: Text,
    pub reached: fn(&Scenario, &Trace) -> bool,
}

fn deadlocked(_: &Scenario, tr: &Trace) -> bool {
    matches!(tr.outcome, Some(Outcome::Deadlock { .. }))
}

fn lost_update(_: &Scenario, tr: &Trace) -> bool {
    matches!(tr.result.get("lost"), Some(Value::Int(n)) if *n > 0)
}

fn a_unit_failed(_: &Scenario, tr: &Trace) -> bool {
    !tr.errors.is_empty()
}

/// A deadlock, an exception, a lost wakeup or a broken invariant of the scenario.
fn any_failure(s: &Scenario, tr: &Trace) -> bool {
    s.outcome_label(tr).1
}

/// The goal of a scenario.
pub fn goal(id: &str) -> Goal {
    match id {
        "lock-race" | "shared-state" => Goal {
            text: t(
                "Lose an update: pick the order so that two workers read the same value and the \
                 final counter falls short (leave the lock off).",
                "制造一次丢失更新：安排顺序，让两个工作者读到同一个值，使最终计数偏小（不要开锁）。",
            ),
            reached: lost_update,
        },
        "philosophers" | "rlock" => Goal {
            text: t(
                "Reach a deadlock: every unit waits for a lock another one holds (for rlock, \
                 choose lock = lock).",
                "制造死锁：每个单元都在等待别人持有的锁（rlock 场景请选 lock = lock）。",
            ),
            reached: deadlocked,
        },
        "condition" => Goal {
            text: t(
                "Make a consumer fail: with recheck = if, wake a consumer when another has \
                 already emptied the buffer.",
                "让一个消费者出错：在 recheck = if 时，在别的消费者已取空缓冲区后再唤醒它。",
            ),
            reached: a_unit_failed,
        },
        _ => Goal {
            text: t(
                "Reach a failing outcome: a deadlock, an uncaught exception or a lost update.",
                "到达一个失败的结果：死锁、未捕获的异常或丢失的更新。",
            ),
            reached: any_failure,
        },
    }
}
