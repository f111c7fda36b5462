//! Threads and processes, both halves: the handles programs hold (`Ctx::thread`,
//! `Thread::start`, `Process::join` ...) and the kernel's answer to each of their operations
//! (`Sim::apply_life`).

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::UnitId;
use crate::kernel::{After, Sim, Status, Wait};
use crate::program::{Ctx, Deadline, Op, Program, Ret, SpawnKind, unexpected};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind, UnitKind};

/// A `threading.Thread`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thread {
    pub id: UnitId,
}

/// A `multiprocessing.Process`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Process {
    pub id: UnitId,
}

impl Ctx {
    /// `threading.Thread(target=..., name=name)`, not started yet.
    pub fn thread(&self, name: &str, program: Program) -> Thread {
        Thread {
            id: self.new_unit(name, SpawnKind::Thread, program, false),
        }
    }

    /// A thread that runs in a copy of this unit's context (`copy_context().run` as target).
    pub fn thread_in_context(&self, name: &str, program: Program) -> Thread {
        Thread {
            id: self.new_unit(name, SpawnKind::Thread, program, true),
        }
    }

    /// Creates and starts a thread.
    pub async fn spawn_thread(&self, name: &str, program: Program) -> PyResult<Thread> {
        let t = self.thread(name, program);
        t.start(self).await?;
        Ok(t)
    }

    /// `multiprocessing.Process(target=..., name=name)`, not started yet.
    pub fn process(&self, name: &str, program: Program) -> Process {
        Process {
            id: self.new_unit(name, SpawnKind::Process, program, false),
        }
    }

    /// Creates and starts a process.
    pub async fn spawn_process(&self, name: &str, program: Program) -> PyResult<Process> {
        let p = self.process(name, program);
        p.start(self).await?;
        Ok(p)
    }
}

/// The methods threads and processes share: `start()`, `join([timeout])`, `is_alive()`, and
/// setting `daemon` before the start.
macro_rules! unit_life {
    () => {
        pub async fn start(&self, cx: &Ctx) -> PyResult<()> {
            cx.op_unit(move || Op::Start(self.id)).await
        }

        pub async fn join(&self, cx: &Ctx) -> PyResult<()> {
            cx.op_unit(move || Op::Join(self.id, Deadline::Never)).await
        }

        pub async fn join_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<()> {
            cx.op_unit(move || Op::Join(self.id, Deadline::In(timeout)))
                .await
        }

        pub async fn is_alive(&self, cx: &Ctx) -> PyResult<bool> {
            cx.op_bool(move || Op::IsAlive(self.id)).await
        }

        /// `daemon = flag` (before `start()`).
        pub async fn set_daemon(&self, cx: &Ctx, flag: bool) -> PyResult<()> {
            cx.op_unit(move || Op::SetDaemon(self.id, flag)).await
        }
    };
}

impl Thread {
    unit_life!();
}

impl Process {
    unit_life!();

    /// `terminate()`: SIGTERM; the exit code becomes -15.
    pub async fn terminate(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Terminate(self.id)).await
    }

    /// `exitcode`: `None` while running.
    pub async fn exitcode(&self, cx: &Ctx) -> PyResult<Option<i64>> {
        match cx.op(move || Op::ExitCode(self.id)).await? {
            Ret::Int(c) => Ok(Some(c)),
            Ret::None => Ok(None),
            other => Err(unexpected(&other)),
        }
    }
}

impl Sim {
    /// Starting, joining and ending units, and asking about them.
    pub(crate) fn apply_life(&mut self, u: UnitId, op: Op) -> PyResult<()> {
        match op {
            Op::Start(t) => self.op_start(u, t),
            Op::AwaitStarted(t) => {
                if self.units[t.index()].fut.is_some() || self.is_done(t) {
                    self.complete(u, Ok(Ret::None));
                } else {
                    self.units[t.index()].joiners.push(u);
                    self.block(u, Wait::Started(t), None, false);
                }
                Ok(())
            }
            Op::SetDaemon(t, flag) => self.op_set_daemon(u, t, flag),
            Op::Join(t, d) => self.op_join(u, t, d),
            Op::Terminate(t) => self.op_terminate(u, t),
            Op::IsAlive(t) => self.unit_ok(t).map(|()| {
                let x = &self.units[t.index()];
                let alive = x.started && x.status != Status::Done;
                self.complete(u, Ok(Ret::Bool(alive)));
            }),
            Op::ExitCode(t) => self.unit_ok(t).map(|()| {
                let code = self
                    .procs
                    .get(self.units[t.index()].proc_ix)
                    .and_then(|p| if p.main == t { p.exit_code } else { None });
                let r = code.map_or(Ret::None, |c| Ret::Int(i64::from(c)));
                self.complete(u, Ok(r));
            }),
            other => Err(crate::prims::internal(&format!(
                "{other:?} reached apply_life"
            ))),
        }
    }

    fn op_start(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        let is_process = target.info.kind == UnitKind::Process;
        match target.spawn_kind {
            SpawnKind::Thread | SpawnKind::Process => {}
            _ => {
                return Err(PyError::new(
                    PyErrorKind::TypeError,
                    "only threads and processes are started",
                ));
            }
        }
        if target.started {
            return Err(if is_process {
                PyError::new(PyErrorKind::AssertionError, "cannot start a process twice")
            } else {
                PyError::runtime("threads can only be started once")
            });
        }
        if is_process
            && self.units[self.units[u.index()].info.process.index()]
                .info
                .daemon
        {
            return Err(PyError::new(
                PyErrorKind::AssertionError,
                "daemonic processes are not allowed to have children",
            ));
        }
        let ev = self.event(u, EventKind::Start, None, Some(self.name(t)));
        let target = &mut self.units[t.index()];
        target.started = true;
        target.start_event = Some(ev);
        target.pending = Some(Op::Begin);
        if is_process {
            let at = self.now.saturating_add(self.machine.costs.process_spawn);
            self.block(t, Wait::Starting, Some(at), false);
            self.start_compute(u, self.machine.costs.thread_spawn, None);
        } else {
            self.make_runnable(t);
            let after = After::Op(Op::AwaitStarted(t));
            self.start_compute(u, self.machine.costs.thread_spawn, Some(after));
        }
        Ok(())
    }

    fn op_set_daemon(&mut self, u: UnitId, t: UnitId, flag: bool) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &mut self.units[t.index()];
        if target.started {
            return Err(if target.info.kind == UnitKind::Process {
                PyError::new(PyErrorKind::AssertionError, "process has already started")
            } else {
                PyError::runtime("cannot set daemon status of active thread")
            });
        }
        target.info.daemon = flag;
        self.trace.units[t.index()].daemon = flag;
        self.complete(u, Ok(Ret::None));
        Ok(())
    }

    fn op_join(&mut self, u: UnitId, t: UnitId, d: Deadline) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        let is_process = target.info.kind == UnitKind::Process;
        if !target.started {
            return Err(if is_process {
                PyError::new(
                    PyErrorKind::AssertionError,
                    "can only join a started process",
                )
            } else {
                PyError::runtime("cannot join thread before it is started")
            });
        }
        if t == self.os_thread(u) {
            return Err(PyError::runtime("cannot join current thread"));
        }
        if is_process
            && target
                .info
                .parent
                .map(|p| self.units[p.index()].info.process)
                != Some(self.units[u.index()].info.process)
        {
            return Err(PyError::new(
                PyErrorKind::AssertionError,
                "can only join a child process",
            ));
        }
        if target.status == Status::Done {
            let ev = self.event(u, EventKind::Join, None, Some(self.name(t)));
            let exit = self.units[t.index()].exit_event;
            self.link(exit, ev, LinkKind::Join);
            self.complete(u, Ok(Ret::None));
            return Ok(());
        }
        let deadline = self.resolve(d);
        if deadline == Some(self.now) {
            self.complete(u, Ok(Ret::None));
            return Ok(());
        }
        self.units[t.index()].joiners.push(u);
        self.block(u, Wait::Join(t), deadline, false);
        Ok(())
    }

    fn op_terminate(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        if target.info.kind != UnitKind::Process {
            return Err(PyError::new(
                PyErrorKind::TypeError,
                "only processes can be terminated",
            ));
        }
        if target.status != Status::Done && target.started {
            self.event(u, EventKind::Terminate, None, Some(self.name(t)));
            self.kill_process(t, -15);
        }
        self.complete(u, Ok(Ret::None));
        Ok(())
    }
}
