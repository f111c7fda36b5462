//! Lost wakeups in Python programs. The simulator reports a waiter that is still blocked on a
//! condition or event when the run ends although what it waits for already holds
//! (`interleave_sim::wakeup`); this module tells it what a Python waiter waits for.
//!
//! Two sources declare it, both as a Python callable:
//!
//! - `x.wait()` directly in the body of `while test:` — the lowering turns the statement into
//!   `StmtKind::WaitIn` with `lambda: not test`, and the VM's `Op::Awaiting` declares it for the
//!   ops of that one statement;
//! - `Condition.wait_for(predicate)` (threading's and asyncio's), whose Python half calls
//!   `_expecting(predicate)` before each wait, for the rest of its frame.
//!
//! A declaration belongs to the frame that made it and is only used while that frame is on the
//! stack and inside the declared ops, so a stale one never describes a later wait. When the
//! simulator asks, the callable runs on a fresh VM sharing the program's objects, with a small
//! instruction budget, and without output: if it would block, raise or print, that changes
//! nothing and counts as "does not hold".

use std::ops::RangeInclusive;
use std::rc::Rc;

use interleave_sim::Ctx;
use interleave_sim::wakeup::Awaiting;

use crate::obj::Val;
use crate::vm::{Args, Flow, Res, Vm};
use crate::world::World;

/// Instructions a predicate may run when the simulator evaluates it.
const BUDGET: u64 = 100_000;

/// What a frame declared it waits for.
pub struct Declared {
    /// The declaring frame (`Frame::id`).
    pub frame: u64,
    /// The frame's ops the declaration covers.
    pub ops: RangeInclusive<usize>,
    /// A callable of no arguments: true once the wait is over.
    pub holds: Val,
    /// Shown in the report.
    pub what: Rc<str>,
}

impl Vm {
    /// What the waiting code declared, as the simulator takes it: `None` unless the declaring
    /// frame is on the stack and inside the declared ops.
    pub fn awaiting(&self) -> Option<Awaiting> {
        let d = self.awaiting.as_ref()?;
        let frame = self.frames.iter().rev().find(|f| f.id == d.frame)?;
        if !d.ops.contains(&frame.ip) {
            return None;
        }
        let world = self.world.clone();
        let cx = self.cx.clone();
        let current = self.current.clone();
        let holds = d.holds.clone();
        Some(Awaiting::new(&d.what, move |_| {
            evaluates_true(&world, &cx, &current, &holds)
        }))
    }
}

/// `_expecting(predicate)`: the calling frame waits until `predicate()` is true (`None`
/// clears it). Used by the Python half of `wait_for`.
pub fn expecting(vm: &mut Vm, a: Args) -> Res<Flow> {
    let holds = a.pos.first().cloned().unwrap_or_default();
    let frame = vm.frames.last().map(|f| f.id);
    vm.awaiting = match (&holds, frame) {
        (Val::None, _) | (_, None) => None,
        (_, Some(frame)) => {
            let name = match vm.getattr(&holds, "__qualname__") {
                Ok(Val::Str(s)) => s.to_string(),
                _ => "predicate".to_string(),
            };
            Some(Declared {
                frame,
                ops: 0..=usize::MAX,
                holds,
                what: Rc::from(format!("wait_for({name}) to be true")),
            })
        }
    };
    Ok(Flow::Val(Val::None))
}

/// Whether `holds()` returns something true, run on a fresh VM of the waiter's thread.
fn evaluates_true(world: &Rc<World>, cx: &Ctx, current: &Val, holds: &Val) -> bool {
    let console = world.shared.console.borrow().clone();
    let mut vm = Vm::new(world.clone(), cx.clone(), current.clone());
    vm.instructions = world.shared.max_instructions.saturating_sub(BUDGET);
    let result = vm
        .call_nested(holds.clone(), Args::default())
        .and_then(|v| vm.truthy(&v));
    *world.shared.console.borrow_mut() = console;
    matches!(result, Ok(true))
}

/// Declares what the unit waits for while a blocking call runs, and clears it when the call
/// ends (or is dropped).
pub struct Declaring(Option<Ctx>);

impl Declaring {
    pub fn new(cx: &Ctx, awaiting: Option<Awaiting>) -> Declaring {
        match awaiting {
            Some(a) => {
                cx.declare_awaiting(Some(a));
                Declaring(Some(cx.clone()))
            }
            None => Declaring(None),
        }
    }
}

impl Drop for Declaring {
    fn drop(&mut self) {
        if let Some(cx) = &self.0 {
            cx.declare_awaiting(None);
        }
    }
}
