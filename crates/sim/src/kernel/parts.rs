//! Parts of the kernel with their own small APIs: the CPU's cores, the timer heap, and the
//! scheduler's decisions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::ids::UnitId;
use crate::sched::{Candidate, Scheduler};
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

/// One process's GIL: who holds it and since when, who was made to drop it, and its row on
/// the timeline's counters.
#[derive(Default)]
pub(crate) struct Gil {
    pub(crate) holder: Option<UnitId>,
    pub(crate) since: Nanos,
    /// The thread made to drop it at the switch interval: it may not take it straight back
    /// while another thread wants it.
    pub(crate) forced_out: Option<UnitId>,
    /// Its row in `Trace::counters`, made when it first changes hands.
    pub(crate) counter: Option<usize>,
}

/// Whether a thread may run as far as its process's GIL is concerned.
pub(crate) enum Verdict {
    Yes,
    No,
    /// Only if nobody else can: it was just made to drop the GIL.
    Excluded,
}

impl Gil {
    /// `os` takes the GIL at `now`.
    pub(crate) fn give(&mut self, os: UnitId, now: Nanos) {
        self.holder = Some(os);
        self.since = now;
        self.forced_out = None;
    }

    /// Whether OS thread `os` may run (`on`: the machine has a GIL at all).
    pub(crate) fn verdict(&self, on: bool, os: UnitId) -> Verdict {
        if !on {
            return Verdict::Yes;
        }
        match self.holder {
            Some(h) if h == os => Verdict::Yes,
            Some(_) => Verdict::No,
            None if self.forced_out == Some(os) => Verdict::Excluded,
            None => Verdict::Yes,
        }
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

/// The scheduler, the candidates of the decision at hand, and every choice made so far.
pub(crate) struct Decisions {
    sched: Box<dyn Scheduler>,
    /// The scheduler is FIFO's (see `Sim::new`): `Sim::candidates` decides for it, and it
    /// is not told what ran.
    pub(crate) oldest_only: bool,
    /// Who could run, oldest-ready first.
    pub(crate) cands: Vec<Candidate>,
    /// Who could run but is held back (the thread made to drop the GIL), if nobody else can.
    pub(crate) excluded: Vec<Candidate>,
    /// The index taken at each decision that had two or more candidates (the replay string).
    choices: Vec<u32>,
}

impl Decisions {
    pub(crate) fn new(sched: Box<dyn Scheduler>, oldest_only: bool) -> Decisions {
        Decisions {
            sched,
            oldest_only,
            cands: Vec::new(),
            excluded: Vec::new(),
            choices: Vec::new(),
        }
    }

    /// The first of `n` candidates was taken without asking the scheduler.
    #[inline(always)]
    pub(crate) fn took_first(&mut self, n: usize) {
        if n > 1 {
            self.choices.push(0);
        }
    }

    /// The unit the scheduler takes among `cands` at step `step` (asked only when there is
    /// a choice), recorded; or what it answered instead of a valid index.
    pub(crate) fn choose(&mut self, step: u64) -> Result<UnitId, Result<usize, String>> {
        let n = self.cands.len();
        let ix = if n == 1 {
            0
        } else {
            match self.sched.choose(step, &self.cands) {
                Ok(ix) if ix < n => ix,
                other => return Err(other),
            }
        };
        self.took(ix, n);
        Ok(self.cands[ix].unit)
    }

    fn took(&mut self, ix: usize, n: usize) {
        if n > 1 {
            self.choices.push(ix as u32);
        }
    }

    /// Tells the scheduler which unit ran (schedulers that count preemptions need it).
    #[inline(always)]
    pub(crate) fn observe(&mut self, unit: UnitId) {
        if !self.oldest_only {
            self.sched.observe(unit);
        }
    }

    /// Every choice made, for the trace's replay string.
    pub(crate) fn take_choices(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.choices)
    }
}
