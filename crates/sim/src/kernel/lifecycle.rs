//! Unit state transitions: blocking, waking, CPU work and timers, time slices, cores.

use super::*;

impl Sim {
    /// Gives `u` the reply to its current operation and makes it runnable.
    #[inline(always)]
    pub(crate) fn complete(&mut self, u: UnitId, reply: Reply) {
        // Three scalars, passed in registers: a packed answer passed by reference would be
        // written to the stack and read back at once, which stalls (see `Answer`).
        let (kind, word, other) = Answer::pack(reply).into_words();
        self.answer(u, kind, word, other);
    }

    /// `complete` with the reply in the words the mailbox holds. Inlined: it runs after
    /// nearly every operation and usually ends at the first test below.
    #[inline(always)]
    pub(crate) fn answer(&mut self, u: UnitId, kind: u64, word: u64, other: Option<Box<Reply>>) {
        let unit = &mut self.units[u.index()];
        if unit.status == Status::Done {
            return;
        }
        unit.mailbox.put(kind, word, other);
        unit.epoch = unit.epoch.wrapping_add(1);
        // The usual case: a thread's operation finished at once, so it never stopped being
        // runnable and its lane already shows it ready. Nothing else changes. (The last test
        // is `runnable_display` for a thread, which is its own OS thread; calling it here
        // costs 3 % of the events bench.)
        if unit.status == Status::Runnable
            && unit.in_runnable
            && !unit.in_task
            && unit.wait.is_none()
            && unit.multi.is_none()
            && unit.display == Some(Lane::READY)
            && (!self.machine.gil || self.procs[unit.proc_ix].gil.holder == Some(u))
        {
            return;
        }
        self.wake(u);
    }

    /// The rest of `answer`: the unit was waiting, or its lane shows another state.
    #[inline(never)]
    pub(super) fn wake(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        unit.wait = None;
        unit.multi = None;
        self.runnable_now(u);
    }

    /// Makes a woken `u` try its pending operation again.
    pub(crate) fn retry(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        if unit.status == Status::Done {
            return;
        }
        unit.epoch = unit.epoch.wrapping_add(1);
        unit.wait = None;
        self.make_runnable(u);
    }

    pub(crate) fn make_runnable(&mut self, u: UnitId) {
        self.runnable_now(u);
    }

    /// `make_runnable`, inlined into `wake`: most units become runnable there, at the end of
    /// a compute or a wait.
    #[inline(always)]
    pub(super) fn runnable_now(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        unit.status = Status::Runnable;
        if unit.in_task
            && let Some(l) = unit.loop_ix
        {
            self.make_task_ready(u, l);
        } else if !unit.in_runnable {
            self.seq += 1;
            unit.ready_seq = self.seq;
            unit.in_runnable = true;
            let pix = unit.proc_ix;
            self.procs[pix].runnable.push(&mut self.units, u);
        }
        let d = self.runnable_display(u);
        self.set_display(u, d, None, None);
    }

    /// `make_runnable` for a task of loop `l`: it joins the loop's ready queue.
    #[inline(never)]
    pub(super) fn make_task_ready(&mut self, u: UnitId, l: usize) {
        let lp = &mut self.loops[l];
        if lp.current != Some(u) && !lp.ready.contains(&u) {
            lp.ready.push_back(u);
            self.seq += 1;
            self.units[u.index()].ready_seq = self.seq;
        }
        self.refresh_loop_display(l);
    }

    #[inline(always)]
    pub(super) fn remove_runnable(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        if unit.in_runnable {
            unit.in_runnable = false;
            let pix = unit.proc_ix;
            self.procs[pix].runnable.remove(&mut self.units, u);
        }
    }

    /// Blocks `u` on `wait` until woken or until `deadline`.
    pub(crate) fn block(&mut self, u: UnitId, wait: Wait, deadline: Option<Nanos>, is_async: bool) {
        let is_async = is_async && self.units[u.index()].in_task;
        if is_async && self.units[u.index()].must_cancel {
            // Task.cancel() was called while the task ran: it takes effect at this await.
            self.units[u.index()].must_cancel = false;
            self.detach_wait_target(u, &wait);
            self.complete(u, Err(PyError::cancelled()));
            return;
        }
        self.remove_runnable(u);
        let (state, obj) = match &wait {
            Wait::Sleep | Wait::AsyncSleep => (State::Sleeping, None),
            Wait::Io | Wait::Proxy(_) => (State::Io, None),
            Wait::Starting => (State::Starting, None),
            Wait::Obj(o) | Wait::AwaitFuture(o) => (State::Blocked, Some(*o)),
            _ => (State::Blocked, None),
        };
        let unit = &mut self.units[u.index()];
        unit.status = Status::Blocked;
        unit.epoch = unit.epoch.wrapping_add(1);
        unit.async_wait = is_async;
        let epoch = unit.epoch;
        let is_loop = matches!(wait, Wait::Loop(_));
        unit.wait = Some(wait);
        if let Some(d) = deadline {
            self.add_timer(d, u, epoch);
        }
        if let Some(l) = self.task_loop(u) {
            if is_async {
                if self.loops[l].current == Some(u) {
                    self.loops[l].current = None;
                }
                self.release_gil_if_loop_idle(l);
            } else if self.machine.gil {
                let host = self.loops[l].host;
                self.drop_gil(host);
            }
            self.refresh_loop_display(l);
        } else if self.machine.gil {
            self.drop_gil(u);
        }
        if !is_loop {
            self.set_display(u, state, obj, None);
        } else if let Some(l) = self.units[u.index()].loop_ix {
            self.refresh_loop_display(l);
        }
    }

    /// Blocks `u` and keeps `op` to run again when woken with `retry`.
    pub(crate) fn block_retry(
        &mut self,
        u: UnitId,
        op: Op,
        wait: Wait,
        deadline: Option<Nanos>,
        is_async: bool,
    ) {
        self.units[u.index()].pending = Some(op);
        self.block(u, wait, deadline, is_async);
        if self.units[u.index()].status != Status::Blocked {
            // Cancelled instead of blocking.
            self.units[u.index()].pending = None;
        }
    }

    /// Resolves a program's deadline into absolute time.
    #[inline]
    pub(crate) fn resolve(&self, d: Deadline) -> Option<Nanos> {
        match d {
            Deadline::Never => None,
            Deadline::In(x) => Some(self.now.saturating_add(x)),
            Deadline::At(t) => Some(t),
        }
    }

    #[inline]
    pub(crate) fn add_timer(&mut self, t: Nanos, u: UnitId, epoch: u32) {
        self.timers.add(t, u, epoch);
    }

    /// Starts `d` of CPU work for `u`; `after` says what happens when it is done.
    pub(crate) fn start_compute(&mut self, u: UnitId, d: Nanos, after: Option<After>) {
        if d == 0 {
            match after {
                None => self.complete(u, Ok(Ret::None)),
                Some(After::Reply(r)) => self.complete(u, r),
                Some(After::Op(op)) => {
                    self.units[u.index()].pending = Some(op);
                    self.make_runnable(u);
                }
            }
            return;
        }
        let unit = &mut self.units[u.index()];
        unit.compute_left = d;
        // Usually nothing comes after, and nothing is left from before (a chunk's end takes
        // it): then there is nothing to write, nor an old value to drop.
        match after {
            Some(a) => unit.after = Some(a),
            None if unit.after.is_some() => unit.after = None,
            None => {}
        }
        self.run_chunk(u);
    }

    // Inlined into `start_compute`, which every `compute` goes through.
    #[inline(always)]
    pub(super) fn run_chunk(&mut self, u: UnitId) {
        let os = self.os_thread(u);
        let Some(core) = self.free_core(u) else {
            // No core: wait as a runnable unit (cannot happen for a chosen unit).
            self.units[u.index()].pending = Some(Op::ContinueCompute);
            self.make_runnable(u);
            return;
        };
        self.remove_runnable(u);
        let mut chunk = self.units[u.index()]
            .compute_left
            .min(self.machine.costs.os_quantum);
        if self.machine.gil {
            let p = &self.procs[self.units[os.index()].proc_ix];
            let held = self.now.saturating_sub(p.gil.since);
            let left = self.machine.switch_interval.saturating_sub(held);
            chunk = chunk.min(if left == 0 {
                self.machine.switch_interval
            } else {
                left
            });
        }
        let mut extra = 0;
        if self.cores.occupy(core, u, os) {
            extra = self.machine.costs.context_switch;
            self.context_switches += 1;
        }
        let unit = &mut self.units[u.index()];
        unit.status = Status::Computing;
        unit.core = Some(core);
        unit.chunk = chunk;
        unit.epoch = unit.epoch.wrapping_add(1);
        let epoch = unit.epoch;
        let end = self.now.saturating_add(chunk).saturating_add(extra);
        self.add_timer(end, u, epoch);
        self.set_display(u, State::Running, None, Some(core));
    }

    pub(super) fn free_core(&self, u: UnitId) -> Option<u32> {
        self.cores.free_for(self.os_thread(u))
    }

    pub(super) fn release_core(&mut self, u: UnitId) {
        if let Some(core) = self.units[u.index()].core.take() {
            self.cores.leave(core, u);
        }
    }

    pub(super) fn fire(&mut self, u: UnitId, epoch: u32) {
        let Some(unit) = self.units.get(u.index()) else {
            return;
        };
        if unit.epoch != epoch {
            return;
        }
        match unit.status {
            Status::Computing => self.chunk_end(u),
            Status::Blocked => self.timeout(u),
            _ => {}
        }
    }

    pub(super) fn chunk_end(&mut self, u: UnitId) {
        self.release_core(u);
        let unit = &mut self.units[u.index()];
        unit.compute_left = unit.compute_left.saturating_sub(unit.chunk);
        let more = unit.compute_left > 0;
        if self.machine.gil {
            let os = self.os_thread(u);
            let pix = self.units[os.index()].proc_ix;
            let held = self.now.saturating_sub(self.procs[pix].gil.since);
            if held >= self.machine.switch_interval {
                self.switch_interval_elapsed(pix, os);
            }
        }
        if more {
            self.compute_continues(u);
            return;
        }
        // Tested before taking: a plain `compute` has nothing after it, and taking would copy
        // the whole slot out and write it back empty.
        if self.units[u.index()].after.is_none() {
            self.complete(u, Ok(Ret::None));
            return;
        }
        match self.units[u.index()].after.take() {
            None => self.complete(u, Ok(Ret::None)),
            Some(After::Reply(r)) => self.complete(u, r),
            Some(After::Op(op)) => {
                self.units[u.index()].pending = Some(op);
                self.make_runnable(u);
            }
        }
    }

    /// `os` has held its GIL for the switch interval: if another thread waits for it, it
    /// must hand it over.
    #[inline(never)]
    pub(super) fn switch_interval_elapsed(&mut self, pix: usize, os: UnitId) {
        if self.gil_waiters(pix, os) {
            self.drop_gil(os);
            self.procs[pix].gil.forced_out = Some(os);
        }
    }

    /// A chunk of a longer compute ended: the rest waits its turn.
    #[inline(never)]
    pub(super) fn compute_continues(&mut self, u: UnitId) {
        self.units[u.index()].pending = Some(Op::ContinueCompute);
        // Goes to the back of the ready queue, so the OS can run another thread.
        if self.task_loop(u).is_some() {
            self.seq += 1;
            self.units[u.index()].ready_seq = self.seq;
        }
        self.make_runnable(u);
    }

    /// Whether some thread of process `pix` other than `holder` wants the GIL.
    pub(super) fn gil_waiters(&self, pix: usize, holder: UnitId) -> bool {
        let r = &self.procs[pix].runnable;
        r.len() > 1
            || r.iter(&self.units).next().is_some_and(|(_, t)| t != holder)
            || self.loops.iter().any(|lp| {
                lp.host != holder
                    && self.units[lp.host.index()].proc_ix == pix
                    && (lp
                        .current
                        .is_some_and(|t| self.units[t.index()].status == Status::Runnable)
                        || (lp.current.is_none() && !lp.ready.is_empty()))
            })
    }

    // Out of line: `fire` ends far more computes than waits.
    #[inline(never)]
    pub(super) fn timeout(&mut self, u: UnitId) {
        let Some(wait) = self.units[u.index()].wait.clone() else {
            return;
        };
        match wait {
            Wait::Sleep | Wait::AsyncSleep | Wait::Io | Wait::Proxy(_) => {
                match self.units[u.index()].after.take() {
                    Some(After::Op(op)) => {
                        self.units[u.index()].wait = None;
                        self.units[u.index()].pending = Some(op);
                        self.make_runnable(u);
                    }
                    Some(After::Reply(r)) => self.complete(u, r),
                    None => self.complete(u, Ok(Ret::None)),
                }
            }
            Wait::Starting => {
                self.units[u.index()].wait = None;
                if self.units[u.index()].spawn_kind == SpawnKind::Callback {
                    if let Some(l) = self.units[u.index()].loop_ix
                        && !self.loops[l].closing
                    {
                        self.make_runnable(u);
                    }
                } else {
                    self.make_runnable(u);
                }
            }
            Wait::Obj(o) => crate::prims::timeout(self, u, o),
            Wait::Join(t) => {
                if let Some(unit) = self.units.get_mut(t.index()) {
                    unit.joiners.retain(|&j| j != u);
                }
                self.complete(u, Ok(Ret::None));
            }
            Wait::Multi => self.multi_timeout(u),
            Wait::AwaitUnit(_)
            | Wait::AwaitFuture(_)
            | Wait::Loop(_)
            | Wait::Shutdown
            | Wait::Started(_) => {}
        }
    }
}
