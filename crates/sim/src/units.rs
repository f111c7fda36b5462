//! The program side of threads, processes, asyncio tasks, loop callbacks, timers and context
//! variables.

use crate::error::{PyError, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::prims::event::Event;
use crate::program::{Ctx, Deadline, ObjInit, Op, Program, Ret, ReturnWhen, SpawnKind, unexpected};
use crate::time::Nanos;
use crate::value::Value;

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

/// An `asyncio.Task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: UnitId,
}

/// A loop callback's `Handle` (from `call_soon`, `call_later`, `call_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub id: UnitId,
}

/// A `threading.Timer`: a thread that runs its function after a delay unless cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    pub thread: Thread,
    finished: Event,
}

/// A `contextvars.ContextVar`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextVar {
    pub id: ObjId,
}

impl Ctx {
    /// `threading.Thread(target=..., name=name)`, not started yet.
    pub fn thread(&self, name: &str, program: Program) -> Thread {
        Thread {
            id: self.registry.add_unit(
                name.to_string(),
                SpawnKind::Thread,
                self.unit,
                program,
                false,
            ),
        }
    }

    /// A thread that runs in a copy of this unit's context (`copy_context().run` as target).
    pub fn thread_in_context(&self, name: &str, program: Program) -> Thread {
        Thread {
            id: self.registry.add_unit(
                name.to_string(),
                SpawnKind::Thread,
                self.unit,
                program,
                true,
            ),
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
            id: self.registry.add_unit(
                name.to_string(),
                SpawnKind::Process,
                self.unit,
                program,
                false,
            ),
        }
    }

    /// Creates and starts a process.
    pub async fn spawn_process(&self, name: &str, program: Program) -> PyResult<Process> {
        let p = self.process(name, program);
        p.start(self).await?;
        Ok(p)
    }

    /// `asyncio.run(main())`: runs an event loop in this thread until `main` finishes, then
    /// cancels the tasks still pending. Returns `main`'s result or raises its exception.
    pub async fn run_loop(&self, name: &str, main: Program) -> PyResult<Value> {
        if self.in_task {
            return Err(PyError::runtime(
                "asyncio.run() cannot be called from a running event loop",
            ));
        }
        let id = self
            .registry
            .add_unit(name.to_string(), SpawnKind::Task, self.unit, main, false);
        self.op_value(move || Op::RunLoop(id)).await
    }

    /// `asyncio.create_task(coro, name=name)`; outside a task: `RuntimeError`.
    pub fn create_task(&self, name: &str, program: Program) -> PyResult<Task> {
        if !self.in_task {
            return Err(PyError::runtime("no running event loop"));
        }
        Ok(Task {
            id: self.registry.add_unit(
                name.to_string(),
                SpawnKind::Task,
                self.unit,
                program,
                false,
            ),
        })
    }

    fn callback(&self, name: &str, program: Program) -> PyResult<UnitId> {
        if !self.in_task {
            return Err(PyError::runtime("no running event loop"));
        }
        Ok(self.registry.add_unit(
            name.to_string(),
            SpawnKind::Callback,
            self.unit,
            program,
            false,
        ))
    }

    /// `loop.call_soon(fn)`.
    pub async fn call_soon(&self, name: &str, program: Program) -> PyResult<Handle> {
        self.call_later(0, name, program).await
    }

    /// `loop.call_later(delay, fn)`.
    pub async fn call_later(&self, delay: Nanos, name: &str, program: Program) -> PyResult<Handle> {
        let id = self.callback(name, program)?;
        self.op_unit(move || Op::CallLater(id, delay)).await?;
        Ok(Handle { id })
    }

    /// `loop.call_at(when, fn)`, `when` in loop time (virtual time since the start).
    pub async fn call_at(&self, when: Nanos, name: &str, program: Program) -> PyResult<Handle> {
        let id = self.callback(name, program)?;
        self.op_unit(move || Op::CallAt(id, when)).await?;
        Ok(Handle { id })
    }

    /// `loop.call_soon_threadsafe(fn)` from any unit (a thread, usually): `program` runs on
    /// the event loop that `via` (a task of it) belongs to. `RuntimeError` once that loop
    /// has finished.
    pub async fn call_soon_threadsafe(
        &self,
        via: Task,
        name: &str,
        program: Program,
    ) -> PyResult<Handle> {
        let id = self.registry.add_unit(
            name.to_string(),
            SpawnKind::Callback,
            self.unit,
            program,
            false,
        );
        self.op_unit(move || Op::CallSoonIn(id, via.id)).await?;
        Ok(Handle { id })
    }

    /// `asyncio.gather(*tasks)`: the results in order, or the first exception raised.
    pub async fn gather(&self, tasks: &[Task]) -> PyResult<Vec<Value>> {
        self.gather_results(tasks, false)
            .await?
            .into_iter()
            .collect()
    }

    /// `asyncio.gather(*tasks, return_exceptions=True)`: every outcome, in order.
    pub async fn gather_all(&self, tasks: &[Task]) -> PyResult<Vec<PyResult<Value>>> {
        self.gather_results(tasks, true).await
    }

    async fn gather_results(
        &self,
        tasks: &[Task],
        return_exceptions: bool,
    ) -> PyResult<Vec<PyResult<Value>>> {
        let units = tasks.iter().map(|t| t.id).collect();
        match self
            .op(move || Op::Gather {
                units,
                return_exceptions,
            })
            .await?
        {
            Ret::Results(r) => Ok(r),
            other => Err(unexpected(&other)),
        }
    }

    /// `asyncio.wait(tasks, timeout, return_when)`: `(done, pending)` in input order.
    pub async fn wait_tasks(
        &self,
        tasks: &[Task],
        timeout: Option<Nanos>,
        when: ReturnWhen,
    ) -> PyResult<(Vec<Task>, Vec<Task>)> {
        let units = tasks.iter().map(|t| t.id).collect();
        let op = Op::WaitUnits(Box::new((units, Deadline::from_timeout(timeout), when)));
        match self.op(move || op).await? {
            Ret::Split(split) => {
                let (done, pending) = *split;
                Ok((
                    done.into_iter().map(|id| Task { id }).collect(),
                    pending.into_iter().map(|id| Task { id }).collect(),
                ))
            }
            other => Err(unexpected(&other)),
        }
    }

    /// `asyncio.wait_for(task, timeout)`: on timeout the task is cancelled and `TimeoutError`
    /// raised.
    pub async fn wait_for(&self, task: Task, timeout: Nanos) -> PyResult<Value> {
        self.op_value(move || Op::WaitFor {
            unit: task.id,
            deadline: Deadline::In(timeout),
        })
        .await
    }

    /// `asyncio.as_completed(tasks)`: the tasks in the order they finish.
    pub async fn as_completed(&self, tasks: &[Task]) -> PyResult<Vec<Task>> {
        let mut pending: Vec<Task> = tasks.to_vec();
        let mut order = Vec::with_capacity(tasks.len());
        while !pending.is_empty() {
            let (done, rest) = self
                .wait_tasks(&pending, None, ReturnWhen::FirstCompleted)
                .await?;
            order.extend(done);
            pending = rest;
        }
        Ok(order)
    }

    /// `await asyncio.to_thread(fn)`: runs `program` in a new thread; this task waits for it.
    pub async fn to_thread(&self, name: &str, program: Program) -> PyResult<Value> {
        if !self.in_task {
            return Err(PyError::runtime("no running event loop"));
        }
        let id = self.registry.add_unit(
            name.to_string(),
            SpawnKind::ExecutorThread,
            self.unit,
            program,
            true,
        );
        self.op_value(move || Op::ToThread(id)).await
    }

    /// `threading.Timer(interval, fn)`, not started yet.
    pub fn timer(&self, name: &str, interval: Nanos, program: Program) -> Timer {
        let finished = self.event(&format!("{name}.finished"));
        let body = Program::new(move |cx: Ctx| async move {
            if !finished.wait_timeout(&cx, interval).await? {
                (program.0)(cx.clone()).await?;
            }
            finished.set(&cx).await?;
            Ok(Value::None)
        });
        Timer {
            thread: self.thread(name, body),
            finished,
        }
    }

    /// `contextvars.ContextVar(name, default=default)`.
    pub fn context_var(&self, name: &str, default: Option<Value>) -> ContextVar {
        ContextVar {
            id: self.new_obj(name, ObjInit::ContextVar { default }),
        }
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

impl Task {
    /// `await task`: its result, or its exception (`CancelledError` if it was cancelled).
    pub async fn wait(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::AwaitUnit {
            unit: self.id,
            shield: false,
        })
        .await
    }

    /// `await asyncio.shield(task)`: cancelling the awaiting task leaves this one running.
    pub async fn wait_shielded(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::AwaitUnit {
            unit: self.id,
            shield: true,
        })
        .await
    }

    /// `task.cancel()`: `False` if it already finished.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Cancel(self.id)).await
    }

    pub async fn done(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::UnitDone(self.id)).await
    }

    /// `task.result()`: `InvalidStateError` while it runs.
    pub async fn result(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::UnitResult(self.id)).await
    }
}

impl Handle {
    /// `handle.cancel()`: the callback will not run.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_bool(move || Op::Cancel(self.id)).await.map(|_| ())
    }
}

impl Timer {
    pub async fn start(&self, cx: &Ctx) -> PyResult<()> {
        self.thread.start(cx).await
    }

    /// `cancel()`: stops the timer if it is still waiting.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<()> {
        self.finished.set(cx).await
    }

    pub async fn join(&self, cx: &Ctx) -> PyResult<()> {
        self.thread.join(cx).await
    }
}

impl ContextVar {
    /// `var.get()`: `LookupError` when unset and without a default.
    pub async fn get(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::CvarGet(self.id)).await
    }

    pub async fn set(&self, cx: &Ctx, v: impl Into<Value>) -> PyResult<()> {
        cx.op_unit(move || Op::CvarSet(self.id, Box::new(v.into())))
            .await
    }
}
