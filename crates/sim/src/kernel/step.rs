//! The step loop: choosing which unit runs next (`candidates`: decided at once for the
//! common shapes, a list for the scheduler otherwise) and ending the run when nothing can.

use super::*;

impl Sim {
    /// Makes one scheduling decision. Returns `None` once the run has ended.
    pub fn step(&mut self) -> Option<Step> {
        self.step_inline()
    }

    /// `step`, inlined into its two callers.
    #[inline(always)]
    pub(super) fn step_inline(&mut self) -> Option<Step> {
        if self.outcome.is_some() {
            return None;
        }
        // The unit to run, how many could have, and whether `candidates` decided it at
        // once (see `exec`).
        let (unit, n, settled) = loop {
            if self.steps >= self.machine.limits.max_steps {
                self.end_step_limit();
                return None;
            }
            // Timers already due (a zero sleep, a zero timeout) fire before anyone runs, so
            // their units compete with the rest.
            self.fire_due();
            if let Pick::Run(unit, n) = self.candidates() {
                self.pick.took_first(n);
                break (unit, n, true);
            }
            let n = self.pick.cands.len();
            if n > 0 {
                match self.pick.choose(self.steps) {
                    Ok(unit) => break (unit, n, false),
                    Err(answer) => {
                        self.end_scheduler_error(answer, n);
                        return None;
                    }
                }
            }
            if self.outcome.is_some() {
                return None;
            }
            // Nothing can run now: move time to the next live timer (a wait that ended early
            // leaves its timer behind, stale by epoch; it must not move the clock).
            self.drop_stale_timers();
            let Some(&Timer { at: t, .. }) = self.timers.next() else {
                self.end_without_progress();
                return None;
            };
            if t > self.machine.limits.max_time {
                self.end_time_limit();
                return None;
            }
            self.now = self.now.max(t);
        };
        self.pick.observe(unit);
        self.steps += 1;
        let first_event = self.trace.events.len();
        self.exec(unit, settled);
        Some(Step {
            unit,
            time: self.now,
            candidates: n,
            events: first_event..self.trace.events.len(),
        })
    }

    /// Who may run now: one unit decided at once (`Pick::Run`, with `n` the number of
    /// candidates a list would have held), the list in `cands` for the scheduler
    /// (`Pick::Listed`), or nobody. The early returns decide the commonest shapes (one
    /// process, no event loop) without the general scan: with a GIL, its holder runs if it
    /// can (the one candidate) and nobody otherwise; without, a scheduler that takes the
    /// oldest (FIFO from `Sim::new`) gets the oldest runnable thread, and any other gets the
    /// runnable threads, already in ready order.
    /// PERF(events, 100 units): the early returns.
    #[inline(always)]
    pub(super) fn candidates(&mut self) -> Pick {
        if self.cores.all_busy() {
            self.pick.cands.clear();
            return Pick::Nobody;
        }
        if self.loops.is_empty()
            && let [p] = &self.procs[..]
        {
            let gil = self.machine.gil;
            if gil && let Some(h) = p.gil.holder {
                if self.units[h.index()].in_runnable {
                    return Pick::Run(h, 1);
                }
                self.pick.cands.clear();
                return Pick::Nobody;
            }
            if !gil && self.pick.oldest_only {
                if let Some(head) = p.runnable.head {
                    return Pick::Run(head, p.runnable.len().min(2));
                }
                self.pick.cands.clear();
                return Pick::Nobody;
            }
            if !gil {
                self.list_runnable_threads();
                return Pick::Listed;
            }
        }
        self.list_candidates();
        Pick::Listed
    }

    /// The candidates of one process without a GIL or an event loop: its runnable threads,
    /// already in ready order.
    #[inline(never)]
    fn list_runnable_threads(&mut self) {
        self.pick.cands.clear();
        for (seq, u) in self.procs[0].runnable.iter(&self.units) {
            self.pick.cands.push(Candidate {
                unit: u,
                ready_seq: seq,
            });
        }
    }

    // The ways a run ends inside `step`, kept out of line: they format messages, and inlined
    // they would weigh on every step.

    #[cold]
    #[inline(never)]
    pub(super) fn end_step_limit(&mut self) {
        self.end(Outcome::LimitExceeded {
            limit: LimitKind::Steps,
            message: format!(
                "the run took more than {} scheduling steps (raise the step limit or shrink the \
                 parameters)",
                self.machine.limits.max_steps
            ),
        });
    }

    #[cold]
    #[inline(never)]
    pub(super) fn end_time_limit(&mut self) {
        self.end(Outcome::LimitExceeded {
            limit: LimitKind::Time,
            message: format!(
                "virtual time passed {} (the time limit)",
                fmt_nanos(self.machine.limits.max_time)
            ),
        });
    }

    /// The scheduler answered `choice` for `n` candidates: an index out of range or an error.
    #[cold]
    #[inline(never)]
    pub(super) fn end_scheduler_error(&mut self, choice: Result<usize, String>, n: usize) {
        let message = match choice {
            Ok(ix) => format!("scheduler chose {ix} of {n} candidates"),
            Err(message) => message,
        };
        self.end(Outcome::SchedulerError { message });
    }

    /// Pops timers at the front of the heap that no longer belong to a live wait.
    pub(super) fn drop_stale_timers(&mut self) {
        while let Some(&Timer { unit, epoch, .. }) = self.timers.next() {
            let live = self.units.get(unit as usize).is_some_and(|u| {
                u.epoch == epoch && matches!(u.status, Status::Computing | Status::Blocked)
            });
            if live {
                break;
            }
            self.timers.pop();
        }
    }

    /// Fires every timer due now, so that everything waking at one instant competes fairly.
    /// Only the test for a due timer is inline: most passes of the step loop find none.
    #[inline(always)]
    pub(super) fn fire_due(&mut self) {
        if self.timers.due(self.now) {
            self.fire_all_due();
        }
    }

    #[inline(never)]
    pub(super) fn fire_all_due(&mut self) {
        while let Some(&Timer {
            at: t, unit, epoch, ..
        }) = self.timers.next()
        {
            if t > self.now {
                break;
            }
            self.timers.pop();
            self.touch(Resource::Global, true);
            self.fire(UnitId(unit), epoch);
        }
    }

    pub(super) fn end(&mut self, outcome: Outcome) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
        }
    }

    /// Fills `cands` with the units that could run now, oldest-ready first (the general
    /// scan, for the shapes `candidates` does not decide itself). With a scheduler that only
    /// ever takes the oldest, at most two are collected per process: enough to know the
    /// first and whether there was a choice.
    #[inline(never)]
    fn list_candidates(&mut self) {
        self.pick.cands.clear();
        self.pick.excluded.clear();
        let gil = self.machine.gil;
        let per_proc = if self.pick.oldest_only { 2 } else { usize::MAX };
        for p in &self.procs {
            if p.runnable.is_empty() {
                continue;
            }
            match (gil, p.gil.holder) {
                (true, Some(h)) => {
                    if let Some(c) = self.holder_candidate(h) {
                        self.pick.cands.push(c);
                    }
                }
                _ => {
                    let mut taken = 0;
                    for (seq, u) in p.runnable.iter(&self.units) {
                        let c = Candidate {
                            unit: u,
                            ready_seq: seq,
                        };
                        if gil && p.gil.forced_out == Some(u) {
                            self.pick.excluded.push(c);
                            continue;
                        }
                        self.pick.cands.push(c);
                        taken += 1;
                        if taken >= per_proc {
                            break;
                        }
                    }
                }
            }
        }
        self.loop_candidates();
        if self.pick.cands.is_empty() && !self.pick.excluded.is_empty() {
            // The thread that was made to drop the GIL may take it back when nobody else can.
            std::mem::swap(&mut self.pick.cands, &mut self.pick.excluded);
        }
        if self.pick.cands.len() > 1 && !self.pick.cands.is_sorted_by_key(|c| c.ready_seq) {
            self.pick.cands.sort_unstable_by_key(|c| c.ready_seq);
        }
    }

    /// Each event loop's task to run (its current one, or the first ready), where its
    /// thread may run.
    fn loop_candidates(&mut self) {
        let gil = self.machine.gil;
        for lp in &self.loops {
            let t = match lp.current {
                Some(t) => (self.units[t.index()].status == Status::Runnable).then_some(t),
                None => lp.ready.front().copied(),
            };
            let Some(t) = t else { continue };
            let c = Candidate {
                unit: t,
                ready_seq: self.units[t.index()].ready_seq,
            };
            let p = &self.procs[self.units[lp.host.index()].proc_ix];
            match p.gil.verdict(gil, lp.host) {
                Verdict::Yes => self.pick.cands.push(c),
                Verdict::Excluded => self.pick.excluded.push(c),
                Verdict::No => {}
            }
        }
    }

    /// The GIL holder `h` as a candidate: its process's only one, if it can run.
    #[inline]
    pub(super) fn holder_candidate(&self, h: UnitId) -> Option<Candidate> {
        let unit = &self.units[h.index()];
        unit.in_runnable.then_some(Candidate {
            unit: h,
            ready_seq: unit.ready_seq,
        })
    }

    pub(super) fn end_without_progress(&mut self) {
        let live: Vec<UnitId> = self
            .units
            .iter()
            .filter(|u| u.status != Status::Done && u.status != Status::Created)
            .map(|u| u.info.id)
            .collect();
        if live.is_empty() {
            self.end(Outcome::Completed);
            return;
        }
        let blocked: Vec<WaitEdge> = live.iter().map(|&u| self.wait_edge(u)).collect();
        let cycle = find_cycle(&blocked);
        let message = if cycle.is_empty() {
            let parts: Vec<String> = blocked.iter().map(describe_edge).collect();
            format!(
                "every unit is blocked and nothing can wake them: {}",
                parts.join("; ")
            )
        } else {
            let parts: Vec<String> = cycle.iter().map(describe_edge).collect();
            format!("wait-for cycle: {}", parts.join(" → "))
        };
        self.end(Outcome::Deadlock {
            cycle,
            blocked,
            message,
        });
    }

    pub(super) fn wait_edge(&self, u: UnitId) -> WaitEdge {
        let unit = &self.units[u.index()];
        let (waits_for, obj, holder) = match &unit.wait {
            Some(Wait::Obj(o)) | Some(Wait::AwaitFuture(o)) => {
                let (what, holder) = self.obj_wait_reason(u, *o);
                (what, Some(*o), holder)
            }
            Some(Wait::Join(t)) => (format!("join {}", self.name(*t)), None, Some(*t)),
            Some(Wait::Started(t)) => (format!("{} to start", self.name(*t)), None, Some(*t)),
            Some(Wait::AwaitUnit(t)) => (format!("await {}", self.name(*t)), None, Some(*t)),
            Some(Wait::Multi) => {
                let first = unit
                    .multi
                    .as_ref()
                    .and_then(|m| m.units.iter().copied().find(|t| !self.is_done(*t)));
                ("tasks to finish".to_string(), None, first)
            }
            Some(Wait::Loop(l)) => {
                let main = self.loops[*l].main;
                (
                    format!("asyncio.run({})", self.name(main)),
                    None,
                    Some(main),
                )
            }
            Some(Wait::Shutdown) => {
                let p = &self.procs[unit.proc_ix];
                let first =
                    p.threads.iter().chain(&p.children).copied().find(|&t| {
                        t != u && !self.is_done(t) && !self.units[t.index()].info.daemon
                    });
                (
                    "non-daemon threads and children to exit".to_string(),
                    None,
                    first,
                )
            }
            Some(Wait::Proxy(o)) => (format!("manager call on {}", self.obj_name(*o)), None, None),
            Some(w) => (format!("{w:?}").to_lowercase(), None, None),
            None => match unit.status {
                Status::Runnable => ("the GIL or a core".to_string(), None, None),
                _ => ("nothing".to_string(), None, None),
            },
        };
        WaitEdge {
            unit: u,
            unit_name: self.name(u),
            waits_for,
            obj,
            holder,
        }
    }
}
