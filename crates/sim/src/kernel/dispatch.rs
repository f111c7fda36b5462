//! Applying operations: the kernel side of every `Op` that is not a primitive's (start,
//! join, tasks, gather, cancel, spawn, exit codes ...).

use super::*;

impl Sim {
    /// Applies a request that came as words (see [`Quick::into_words`]). The commonest
    /// kinds go straight to their operation, without an `Op` in between; the others (and
    /// every request while footprints are recorded) become their `Op` for `dispatch`.
    #[inline(always)]
    pub(super) fn dispatch_words(&mut self, u: UnitId, head: u64, word: u64) {
        use crate::program::Quick;
        if self.footprint.is_some() {
            return self.dispatch_quick_slowly(u, Quick::from_words(head, word));
        }
        match Quick::from_words(head, word) {
            Some(Quick::Compute(d)) => self.start_compute(u, d, None),
            Some(Quick::Acquire {
                o,
                blocking,
                deadline,
            }) => crate::prims::acquire(self, u, o, blocking, deadline),
            Some(Quick::Release { o, n }) => crate::prims::release(self, u, o, n),
            q => self.dispatch_quick_slowly(u, q),
        }
    }

    #[inline(never)]
    fn dispatch_quick_slowly(&mut self, u: UnitId, q: Option<crate::program::Quick>) {
        match q {
            Some(q) => self.dispatch(u, q.into_op()),
            None => self.not_an_op(u),
        }
    }

    #[cold]
    pub(super) fn not_an_op(&mut self, u: UnitId) {
        self.finish_unit(
            u,
            Err(PyError::runtime(
                "a unit awaited something that is not a simulator operation",
            )),
        );
    }

    /// Applies `op` for `u`. The two operations that dominate every program (object
    /// operations and `compute`) go straight to their handlers; `apply`, one big match for
    /// the rest, costs more to enter than these operations' own work.
    #[inline(always)]
    pub(super) fn dispatch(&mut self, u: UnitId, op: Op) {
        if self.footprint.is_some() {
            self.note_footprint(&op);
        }
        match op {
            Op::Obj(o, op) => crate::prims::apply(self, u, o, op),
            Op::Compute(d) => self.start_compute(u, d, None),
            op => self.apply(u, op),
        }
    }

    /// What `op` will touch, for the explorer's reduction (only called while recording).
    pub(super) fn note_footprint(&mut self, op: &Op) {
        let (r, write) = match op {
            Op::Obj(o, op) => (
                Resource::Obj(*o),
                crate::prims::writes(self.objs.get(*o), op),
            ),
            op => match crate::units::touches(op) {
                Some(t) => t,
                None => (Resource::Global, true),
            },
        };
        self.touch(r, write);
    }

    /// Every operation but the two `dispatch` handles itself.
    pub(super) fn apply(&mut self, u: UnitId, op: Op) {
        let result: PyResult<()> = match op {
            Op::Begin => Ok(()),
            Op::ContinueCompute => {
                self.run_chunk(u);
                Ok(())
            }
            Op::Obj(..) | Op::Compute(_) => Err(crate::prims::internal(
                "object operations and compute are dispatched directly",
            )),
            Op::Sleep(_)
            | Op::Io(..)
            | Op::AsyncSleep(_)
            | Op::Now
            | Op::Print(_)
            | Op::SetResult(_)
            | Op::Random(_)
            | Op::CvarGet(_)
            | Op::CvarSet(..) => self.apply_local(u, op),
            Op::Start(_)
            | Op::AwaitStarted(_)
            | Op::SetDaemon(..)
            | Op::Join(..)
            | Op::Terminate(_)
            | Op::IsAlive(_)
            | Op::ExitCode(_) => self.apply_life(u, op),
            Op::RunLoop(_)
            | Op::CallLater(..)
            | Op::CallAt(..)
            | Op::CallSoonIn(..)
            | Op::Cancel(_)
            | Op::AwaitUnit { .. }
            | Op::UnitDone(_)
            | Op::UnitResult(_)
            | Op::Gather { .. }
            | Op::WaitUnits(_)
            | Op::WaitFor { .. }
            | Op::ToThread(_) => self.apply_asyncio(u, op),
        };
        if let Err(e) = result {
            self.complete(u, Err(e));
        }
    }

    /// Time, output, randomness and context variables: answered at once or after a timer.
    fn apply_local(&mut self, u: UnitId, op: Op) -> PyResult<()> {
        match op {
            Op::Sleep(d) => {
                self.event(u, EventKind::Sleep, None, Some(fmt_nanos(d)));
                let at = self.now.saturating_add(d);
                self.block(u, Wait::Sleep, Some(at), false);
                Ok(())
            }
            Op::Io(d, label) => {
                self.event(u, EventKind::Io, None, label.map(String::from));
                let at = self.now.saturating_add(d);
                self.block(u, Wait::Io, Some(at), false);
                Ok(())
            }
            Op::AsyncSleep(d) => self.async_sleep(u, d),
            Op::Now => {
                self.complete(u, Ok(Ret::Int(i64::try_from(self.now).unwrap_or(i64::MAX))));
                Ok(())
            }
            Op::Print(line) => {
                self.event(u, EventKind::Print, None, Some(line.clone()));
                self.trace.output.push((self.now, u, line));
                self.complete(u, Ok(Ret::None));
                Ok(())
            }
            Op::SetResult(kv) => {
                let (key, value) = *kv;
                self.event(u, EventKind::Result, None, Some(format!("{key} = {value}")));
                self.trace.result.insert(key, value);
                self.complete(u, Ok(Ret::None));
                Ok(())
            }
            Op::Random(bound) => {
                let r = below(&mut self.rng, bound.max(1));
                self.complete(u, Ok(Ret::Int(i64::try_from(r).unwrap_or(i64::MAX))));
                Ok(())
            }
            Op::CvarGet(_) | Op::CvarSet(..) => {
                let r = self.local_op(u, op);
                self.complete(u, r);
                Ok(())
            }
            other => Err(crate::prims::internal(&format!(
                "{other:?} reached apply_local"
            ))),
        }
    }

    pub(super) fn async_sleep(&mut self, u: UnitId, d: Nanos) -> PyResult<()> {
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (asyncio.sleep outside a task)",
            ));
        }
        self.event(
            u,
            EventKind::Sleep,
            None,
            Some(format!("asyncio.sleep({})", fmt_nanos(d))),
        );
        let at = self.now.saturating_add(d);
        self.block(u, Wait::AsyncSleep, Some(at), true);
        Ok(())
    }

    /// Removes `u` from whatever list it is waiting in.
    pub(crate) fn detach_wait_target(&mut self, u: UnitId, wait: &Wait) {
        match wait {
            Wait::Obj(o) | Wait::AwaitFuture(o) => crate::prims::detach(self, u, *o),
            Wait::Join(t) | Wait::AwaitUnit(t) | Wait::Started(t) => {
                if let Some(x) = self.units.get_mut(t.index()) {
                    x.joiners.retain(|&j| j != u);
                }
            }
            Wait::Multi => {
                if let Some(m) = self.units[u.index()].multi.take() {
                    for t in m.units {
                        if let Some(x) = self.units.get_mut(t.index()) {
                            x.joiners.retain(|&j| j != u);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
