//! Finishing: exit and shutdown, deadlock detection (the wait-for cycle), closing the trace.

use super::*;

impl Sim {
    /// The unit's program returned (or raised).
    pub(super) fn unit_returned(&mut self, u: UnitId, result: PyResult<Value>) {
        let is_process_main = self.units[u.index()].info.kind == UnitKind::Process;
        if is_process_main {
            // The interpreter shuts down: wait for non-daemon threads and children first.
            let unit = &mut self.units[u.index()];
            unit.fut = None;
            if let Err(e) = &result {
                self.record_error(u, e.clone());
            }
            self.units[u.index()].result = Some(result);
            let pix = self.units[u.index()].proc_ix;
            self.procs[pix].exiting = true;
            self.remove_runnable(u);
            self.maybe_exit_process(pix);
        } else {
            self.finish_unit(u, result);
        }
    }

    pub(super) fn record_error(&mut self, u: UnitId, e: PyError) {
        self.event(u, EventKind::Error, None, Some(e.to_string()));
        self.trace.errors.push(UnitError {
            unit: u,
            time: self.now,
            error: e,
        });
    }

    /// Ends a thread, task or callback (not a process main thread: see `exit_process`).
    pub(crate) fn finish_unit(&mut self, u: UnitId, result: PyResult<Value>) {
        self.touch(Resource::Unit(u), true);
        if self.units[u.index()].status == Status::Done {
            return;
        }
        let cancelled = matches!(&result, Err(e) if e.kind == PyErrorKind::CancelledError)
            && self.units[u.index()].in_task;
        match &result {
            Err(_) if cancelled => {}
            Err(e) => self.record_error(u, e.clone()),
            Ok(_) => {}
        }
        let ev = self.event(
            u,
            if cancelled {
                EventKind::Cancel
            } else {
                EventKind::Exit
            },
            None,
            None,
        );
        self.retire(u, ev);
        self.done_counter += 1;
        let unit = &mut self.units[u.index()];
        unit.cancelled = cancelled;
        unit.result = Some(result);
        unit.done_seq = self.done_counter;
        self.wake_joiners(u);
        let unit = &self.units[u.index()];
        if let Some(l) = self.task_loop(u) {
            let is_main = self.loops[l].main == u;
            if is_main {
                self.close_loop(l);
            }
            self.check_loop_done(l);
            self.release_gil_if_loop_idle(l);
            self.refresh_loop_display(l);
        } else if unit.spawn_kind != SpawnKind::Process {
            let pix = unit.proc_ix;
            if self.procs[pix].exiting {
                self.maybe_exit_process(pix);
            }
        }
    }

    /// Takes a unit off every run structure and marks it done.
    pub(super) fn retire(&mut self, u: UnitId, exit_event: u32) {
        self.remove_runnable(u);
        self.release_core(u);
        let unit = &mut self.units[u.index()];
        unit.status = Status::Done;
        unit.fut = None;
        unit.pending = None;
        unit.after = None;
        unit.epoch = unit.epoch.wrapping_add(1);
        unit.exit_event = Some(exit_event);
        if let Some(w) = unit.wait.take() {
            self.detach_wait_target(u, &w);
        }
        if let Some(l) = self.task_loop(u) {
            let lp = &mut self.loops[l];
            if lp.current == Some(u) {
                lp.current = None;
            }
            lp.ready.retain(|&t| t != u);
        } else if self.machine.gil {
            self.drop_gil(u);
        }
        self.close_span(u);
    }

    pub(super) fn wake_joiners(&mut self, u: UnitId) {
        let joiners = std::mem::take(&mut self.units[u.index()].joiners);
        let exit = self.units[u.index()].exit_event;
        for j in joiners {
            match self.units[j.index()].wait.clone() {
                Some(Wait::Join(t)) if t == u => {
                    let ev = self.event(j, EventKind::Join, None, Some(self.name(u)));
                    self.link(exit, ev, LinkKind::Join);
                    self.complete(j, Ok(Ret::None));
                }
                Some(Wait::Started(t)) if t == u => self.complete(j, Ok(Ret::None)),
                Some(Wait::AwaitUnit(t)) if t == u => {
                    let ev = self.event(j, EventKind::Wake, None, Some(self.name(u)));
                    self.link(exit, ev, LinkKind::Join);
                    let r = self.unit_outcome(u);
                    self.complete(j, r);
                }
                Some(Wait::Multi) => {
                    self.check_multi(j);
                }
                _ => {}
            }
        }
    }

    /// asyncio.run's end: the main task finished, so every other task is cancelled.
    pub(super) fn close_loop(&mut self, l: usize) {
        self.loops[l].closing = true;
        let members = self.loops[l].members.clone();
        for t in members {
            if !self.is_done(t) {
                let unit = &self.units[t.index()];
                if unit.spawn_kind == SpawnKind::Callback {
                    self.kill_unit(t);
                } else if unit.spawn_kind == SpawnKind::Task {
                    self.cancel_unit(t, None);
                }
            }
        }
    }

    pub(super) fn check_loop_done(&mut self, l: usize) {
        let lp = &self.loops[l];
        if !lp.closing || lp.members.iter().any(|&t| !self.is_done(t)) {
            return;
        }
        let host = lp.host;
        let main = lp.main;
        if self.units[host.index()].wait == Some(Wait::Loop(l)) {
            let r = self.unit_outcome(main);
            self.complete(host, r);
        }
    }

    pub(super) fn maybe_exit_process(&mut self, pix: usize) {
        let main = self.procs[pix].main;
        if !self.procs[pix].exiting || self.is_done(main) {
            return;
        }
        let live_threads = self.procs[pix].threads.iter().any(|&t| {
            !self.is_done(t) && self.units[t.index()].started && !self.units[t.index()].info.daemon
        });
        if !live_threads && !self.procs[pix].daemons_terminated {
            self.procs[pix].daemons_terminated = true;
            let children = self.procs[pix].children.clone();
            for c in children {
                if self.units[c.index()].info.daemon
                    && self.units[c.index()].started
                    && !self.is_done(c)
                {
                    self.event(main, EventKind::Terminate, None, Some(self.name(c)));
                    self.kill_process(c, -15);
                }
            }
        }
        let live_children = self.procs[pix].children.iter().any(|&c| {
            !self.is_done(c) && self.units[c.index()].started && !self.units[c.index()].info.daemon
        });
        if live_threads || live_children {
            if self.units[main.index()].wait != Some(Wait::Shutdown) {
                self.block(main, Wait::Shutdown, None, false);
            }
            return;
        }
        let code = match &self.units[main.index()].result {
            Some(Err(e)) if e.kind == PyErrorKind::SystemExit => e.message.parse().unwrap_or(1),
            Some(Err(_)) => 1,
            _ => 0,
        };
        self.exit_process(pix, code);
    }

    pub(super) fn exit_process(&mut self, pix: usize, code: i32) {
        let main = self.procs[pix].main;
        // Daemon threads die with the interpreter.
        let threads = self.procs[pix].threads.clone();
        for t in threads {
            if !self.is_done(t) && self.units[t.index()].started {
                self.kill_unit(t);
            }
        }
        self.process_ended(pix, main, code, EventKind::Exit);
    }

    /// The end of process `pix` (main unit `main`) with `code`, by exiting or being killed
    /// (`kind`): the OS closes its handles, its joiners wake, and a parent that waits to
    /// exit may now.
    fn process_ended(&mut self, pix: usize, main: UnitId, code: i32, kind: EventKind) {
        self.procs[pix].exit_code = Some(code);
        crate::prims::pipe::process_gone(self, main);
        let ev = self.event(main, kind, None, Some(format!("exit code {code}")));
        self.retire(main, ev);
        self.done_counter += 1;
        self.units[main.index()].done_seq = self.done_counter;
        self.wake_joiners(main);
        if let Some(parent) = self.units[main.index()].info.parent {
            let ppix = self.units[parent.index()].proc_ix;
            if self.procs[ppix].exiting {
                self.maybe_exit_process(ppix);
            }
        }
    }

    /// Stops a unit where it stands (daemon threads at exit, terminated processes).
    pub(super) fn kill_unit(&mut self, u: UnitId) {
        if self.is_done(u) {
            return;
        }
        // Tasks on a killed loop thread die with it.
        if let Some(l) = self.units[u.index()]
            .loop_ix
            .filter(|_| !self.units[u.index()].in_task)
        {
            let members = self.loops[l].members.clone();
            for t in members {
                self.kill_unit(t);
            }
        }
        self.check_lost_wakeup(u);
        let ev = self.event(u, EventKind::Killed, None, None);
        self.retire(u, ev);
        self.done_counter += 1;
        self.units[u.index()].done_seq = self.done_counter;
        if self.units[u.index()].in_task {
            self.units[u.index()].cancelled = true;
        }
        self.wake_joiners(u);
    }

    pub(crate) fn kill_process(&mut self, p: UnitId, code: i32) {
        let pix = self.units[p.index()].proc_ix;
        let threads = self.procs[pix].threads.clone();
        for t in threads {
            if t != p {
                self.kill_unit(t);
            }
        }
        if self.units[p.index()].status == Status::Done {
            return;
        }
        self.process_ended(pix, p, code, EventKind::Killed);
    }
}
