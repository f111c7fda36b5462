//! Lost wakeups. A waiter may declare what it waits for ([`Condition::wait_expecting`]) as a
//! predicate over shared state. When a run ends, or the unit is killed at exit, with the
//! waiter still blocked while its predicate already holds, the wake-up it needed was lost: a
//! `notify()` went to a waiter of the other kind, or came before anyone waited. The trace
//! lists each one ([`Trace::lost_wakeups`](crate::Trace)) and the explorer's default label
//! counts such a run as failing.
//!
//! [`Condition::wait_expecting`]: crate::Condition::wait_expecting

use std::rc::Rc;

use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Status, Wait};
use crate::trace::LostWakeup;
use crate::value::Value;

/// Shared state as one unit would read it, without taking a step: what a waiter's predicate
/// looks at.
pub struct StateView<'a> {
    sim: &'a Sim,
    unit: UnitId,
}

impl StateView<'_> {
    /// A variable's value as the unit's process sees it, a shared value or array, a manager
    /// list, the items of a queue (as a list) or an event's flag.
    pub fn value(&self, o: ObjId) -> Option<Value> {
        crate::prims::shared::peek(self.sim, self.unit, o)
    }

    /// The length of a list or string held by `o` (a variable, manager list or queue).
    pub fn len(&self, o: ObjId) -> Option<i64> {
        match self.value(o)? {
            Value::List(v) => Some(v.len() as i64),
            Value::Str(s) => Some(s.chars().count() as i64),
            _ => None,
        }
    }

    /// The integer value of `o`, if it holds one.
    pub fn int(&self, o: ObjId) -> Option<i64> {
        match self.value(o)? {
            Value::Int(n) => Some(n),
            _ => None,
        }
    }
}

/// What a waiting unit waits for: a description and a predicate over shared state.
#[derive(Clone)]
pub struct Awaiting {
    /// Shown in reports: "the buffer is not empty".
    pub what: String,
    pub holds: Rc<dyn Fn(&StateView<'_>) -> bool>,
}

impl Awaiting {
    pub fn new(what: &str, holds: impl Fn(&StateView<'_>) -> bool + 'static) -> Self {
        Awaiting {
            what: what.to_string(),
            holds: Rc::new(holds),
        }
    }
}

impl std::fmt::Debug for Awaiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Awaiting")
            .field("what", &self.what)
            .finish()
    }
}

impl crate::program::Ctx {
    /// Declares what this unit waits for until the next call (`None` clears it): a run that
    /// ends with the unit blocked on an object while `awaiting` holds reports a lost wakeup.
    /// Takes no step; [`Condition::wait_expecting`](crate::Condition::wait_expecting) wraps
    /// one `wait()` in it.
    pub fn declare_awaiting(&self, awaiting: Option<Awaiting>) {
        self.mailbox.awaiting.replace(awaiting);
    }
}

impl Sim {
    /// Records a lost wakeup when `u` is blocked waiting on a condition or an event while
    /// what it declared it waits for already holds. (Blocked on anything else, such as the
    /// lock a woken waiter must win back, it is not waiting for a wake-up.)
    pub(crate) fn check_lost_wakeup(&mut self, u: UnitId) {
        let Some(unit) = self.units.get(u.index()) else {
            return;
        };
        let Some(Wait::Obj(obj)) = unit.wait else {
            return;
        };
        let waits_for_wakeup = self.objs.get(obj).is_some_and(|o| {
            matches!(
                o.state,
                crate::prims::ObjState::Condition { .. } | crate::prims::ObjState::Event { .. }
            )
        });
        if !waits_for_wakeup {
            return;
        }
        if unit.status != Status::Blocked || self.trace.lost_wakeups.iter().any(|l| l.unit == u) {
            return;
        }
        let Some(awaiting) = unit.mailbox.awaiting.borrow().clone() else {
            return;
        };
        let view = StateView { sim: self, unit: u };
        if (awaiting.holds)(&view) {
            self.trace.lost_wakeups.push(LostWakeup {
                unit: u,
                obj,
                waits_for: awaiting.what,
                time: self.now,
            });
        }
    }
}
