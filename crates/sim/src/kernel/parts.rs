//! Two parts of the machine with their own small APIs: the CPU's cores and the timer heap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::ids::UnitId;
use crate::time::Nanos;

/// A pending wake-up: at `at`, unit `unit` (its `UnitId.0`) ends a compute chunk or a timed
/// wait, unless it has moved on since (its `epoch` changed: the timer is stale). Timers due at
/// the same time fire in the order they were set (`seq`); the heap orders by these fields in
/// turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timer {
    pub(crate) at: Nanos,
    pub(crate) seq: u64,
    pub(crate) unit: u32,
    pub(crate) epoch: u32,
}

/// Every pending wake-up, earliest first.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Timer>>,
    seq: u64,
}

impl Timers {
    /// Wakes `unit` at `at`, if it is still in the state of `epoch` then.
    pub(crate) fn add(&mut self, at: Nanos, unit: UnitId, epoch: u32) {
        self.seq += 1;
        self.heap.push(Reverse(Timer {
            at,
            seq: self.seq,
            unit: unit.0,
            epoch,
        }));
    }

    /// The earliest timer.
    #[inline(always)]
    pub(crate) fn next(&self) -> Option<&Timer> {
        self.heap.peek().map(|Reverse(t)| t)
    }

    /// Whether a timer is due at `now` (tested before every step).
    #[inline(always)]
    pub(crate) fn due(&self, now: Nanos) -> bool {
        self.heap.peek().is_some_and(|Reverse(t)| t.at <= now)
    }

    /// Removes the earliest timer.
    pub(crate) fn pop(&mut self) {
        self.heap.pop();
    }
}

/// One core: who runs on it, and who ran last (a different thread costs a context switch).
struct Core {
    occupant: Option<UnitId>,
    last: Option<UnitId>,
}

/// The machine's cores.
pub(crate) struct Cores {
    cores: Vec<Core>,
    /// How many there are, and how many are occupied.
    count: u32,
    busy: u32,
}

impl Cores {
    pub(crate) fn new(n: u32) -> Cores {
        Cores {
            cores: (0..n)
                .map(|_| Core {
                    occupant: None,
                    last: None,
                })
                .collect(),
            count: n,
            busy: 0,
        }
    }

    /// Every core is occupied.
    #[inline(always)]
    pub(crate) fn all_busy(&self) -> bool {
        self.busy >= self.count
    }

    /// A free core for OS thread `os`: the one it ran on last if free, else the first free.
    pub(crate) fn free_for(&self, os: UnitId) -> Option<u32> {
        let mut first = None;
        for (i, c) in self.cores.iter().enumerate() {
            if c.occupant.is_none() {
                if c.last == Some(os) {
                    return Some(i as u32);
                }
                if first.is_none() {
                    first = Some(i as u32);
                }
            }
        }
        first
    }

    /// `u` (on OS thread `os`) takes `core`. Returns whether that switched threads there.
    pub(crate) fn occupy(&mut self, core: u32, u: UnitId, os: UnitId) -> bool {
        let c = &mut self.cores[core as usize];
        let switched = c.last.is_some_and(|l| l != os);
        c.last = Some(os);
        c.occupant = Some(u);
        self.busy += 1;
        switched
    }

    /// `u` leaves `core`, if it is there.
    pub(crate) fn leave(&mut self, core: u32, u: UnitId) {
        if let Some(c) = self.cores.get_mut(core as usize)
            && c.occupant == Some(u)
        {
            c.occupant = None;
            self.busy = self.busy.saturating_sub(1);
        }
    }
}
