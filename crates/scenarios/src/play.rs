//! What a scenario offers beyond simulation: the goal of its "you are the scheduler" game and
//! the real workload its browser mode runs. Both are declared on each [`Scenario`], so that
//! no page or engine checks scenario ids.

use interleave_sim::{Outcome, Trace, Value};

use crate::{Scenario, Text, t};

/// What the player of "you are the scheduler" tries to reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Two workers read the same value and the counter falls short (`lost` > 0).
    LostUpdate,
    /// Every unit waits for a lock another one holds.
    Deadlock,
    /// A unit raises (a consumer woken for an item that is gone).
    UnitFails,
    /// Any failing outcome: a deadlock, an exception, a lost wakeup, a broken invariant.
    AnyFailure,
}

impl Goal {
    /// The goal as the play panel states it.
    pub fn text(self) -> Text {
        match self {
            Goal::LostUpdate => t(
                "Lose an update: pick the order so that two workers read the same value and the \
                 final counter falls short (leave the lock off).",
                "制造一次丢失更新：安排顺序，让两个工作者读到同一个值，使最终计数偏小（不要开锁）。",
            ),
            Goal::Deadlock => t(
                "Reach a deadlock: every unit waits for a lock another one holds (for rlock, \
                 choose lock = lock).",
                "制造死锁：每个单元都在等待别人持有的锁（rlock 场景请选 lock = lock）。",
            ),
            Goal::UnitFails => t(
                "Make a consumer fail: with recheck = if, wake a consumer when another has \
                 already emptied the buffer.",
                "让一个消费者出错：在 recheck = if 时，在别的消费者已取空缓冲区后再唤醒它。",
            ),
            Goal::AnyFailure => t(
                "Reach a failing outcome: a deadlock, an uncaught exception or a lost update.",
                "到达一个失败的结果：死锁、未捕获的异常或丢失的更新。",
            ),
        }
    }

    /// Whether a finished run of `sc` reached the goal.
    pub fn reached(self, sc: &Scenario, tr: &Trace) -> bool {
        match self {
            Goal::LostUpdate => matches!(tr.result.get("lost"), Some(Value::Int(n)) if *n > 0),
            Goal::Deadlock => matches!(tr.outcome, Outcome::Deadlock { .. }),
            Goal::UnitFails => !tr.errors.is_empty(),
            Goal::AnyFailure => sc.outcome_label(tr).1,
        }
    }
}

/// The real parallel workload a scenario's browser mode runs on Web Workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealWork {
    /// Each number of the list checked whole by one worker.
    Primes,
    /// Each number's divisors, the range split into pieces.
    Factorize,
    /// Game of Life generations, each split into row bands (a barrier per generation).
    Life,
}

impl RealWork {
    /// Whether the shared-memory thread engine (rayon on wasm threads) runs it too.
    pub fn on_shared_memory_threads(self) -> bool {
        self == RealWork::Primes
    }

    /// Whether the simulator predicts its speedup: the scenario's `mode` and `workers`
    /// parameters model the same run (Life's simulated grid is another size).
    pub fn predicted(self) -> bool {
        self != RealWork::Life
    }
}
