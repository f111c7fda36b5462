//! The scenarios, one file each (a family of closely related lessons may share one file).

use interleave_sim::{Flavor, Machine};

use crate::Scenario;
use crate::params::Params;

mod asyncio_demo;
mod barrier;
mod blocking_io;
mod condition;
mod context;
mod cpu_jobs;
mod daemon;
mod event;
mod factorize;
mod generator;
mod hello_spinner;
mod life;
mod lock_file;
mod lock_race;
mod philosophers;
mod pipe;
mod pipeline;
mod pool;
pub(crate) mod primes;
mod queue;
mod rlock;
pub(crate) mod scheduling;
mod semaphore;
mod shared_state;
mod subprocess;
mod timer;

/// Every scenario in catalogue order.
pub(crate) fn all() -> Vec<Scenario> {
    vec![
        lock_race::scenario(),
        lock_file::scenario(),
        rlock::scenario(),
        semaphore::scenario(),
        event::scenario(),
        condition::scenario(),
        barrier::scenario(),
        queue::scenario(),
        pipe::scenario(),
        shared_state::scenario(),
        context::scenario(),
        timer::scenario(),
        daemon::scenario(),
        hello_spinner::scenario(),
        primes::scenario(),
        factorize::scenario(),
        blocking_io::scenario(),
        subprocess::scenario(),
        pipeline::scenario(),
        life::scenario(),
        pool::scenario(),
        asyncio_demo::scenario(),
        generator::scenario(),
        scheduling::scenario(),
        philosophers::scenario(),
    ]
}

/// Scenarios whose timeline is computed by an algorithm rather than simulated (the CPU
/// scheduling lesson draws a textbook Gantt chart).
pub(crate) fn synthetic(id: &str) -> Option<fn(&Params) -> interleave_sim::Trace> {
    match id {
        "scheduling" => Some(scheduling::trace),
        _ => None,
    }
}

/// The default machine: 2 cores, GIL on.
pub(crate) fn default_machine(_: &Params) -> Machine {
    Machine::default()
}

/// The `flavor` parameter's choices and their simulator flavours.
pub(crate) const FLAVORS: &[&str] = &["thread", "process", "asyncio"];

pub(crate) fn flavor(p: &Params) -> Flavor {
    match p.choice("flavor") {
        "process" => Flavor::Multiprocessing,
        "asyncio" => Flavor::Asyncio,
        _ => Flavor::Threading,
    }
}

// ---- Helpers shared by the primitive scenarios (lock-file … shared-state) ---------------------

/// A started worker of any flavour: a `threading.Thread`, a `multiprocessing.Process` or an
/// `asyncio.Task`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Worker {
    Thread(interleave_sim::Thread),
    Process(interleave_sim::Process),
    Task(interleave_sim::Task),
}

/// Creates and starts `program` as a worker of flavour `fl`. A task needs a running event loop
/// (see [`run_main`]).
pub(crate) async fn spawn(
    cx: &interleave_sim::Ctx,
    fl: Flavor,
    name: &str,
    program: interleave_sim::Program,
) -> interleave_sim::PyResult<Worker> {
    Ok(match fl {
        Flavor::Threading => Worker::Thread(cx.spawn_thread(name, program).await?),
        Flavor::Multiprocessing => Worker::Process(cx.spawn_process(name, program).await?),
        Flavor::Asyncio => Worker::Task(cx.create_task(name, program)?),
    })
}

/// Waits for every worker: `join()` for threads and processes,
/// `gather(*tasks, return_exceptions=True)` for tasks. An exception that ended a worker is not
/// raised here (a join does not raise it either); it shows on the worker's lane.
pub(crate) async fn join_all(
    cx: &interleave_sim::Ctx,
    workers: &[Worker],
) -> interleave_sim::PyResult<()> {
    let mut tasks = Vec::new();
    for w in workers {
        match w {
            Worker::Thread(t) => t.join(cx).await?,
            Worker::Process(p) => p.join(cx).await?,
            Worker::Task(t) => tasks.push(*t),
        }
    }
    if !tasks.is_empty() {
        cx.gather_all(&tasks).await?;
    }
    Ok(())
}

/// Waits for the workers until virtual time `deadline` at the latest (`join(timeout)` for threads
/// and processes, `asyncio.wait(tasks, timeout)` for tasks) and returns how many are still
/// running: the way a program gives up on workers that would otherwise block it forever.
pub(crate) async fn join_by(
    cx: &interleave_sim::Ctx,
    workers: &[Worker],
    deadline: interleave_sim::Nanos,
) -> interleave_sim::PyResult<usize> {
    let mut stuck = 0;
    let mut tasks = Vec::new();
    for w in workers {
        let left = deadline.saturating_sub(cx.now().await?);
        match w {
            Worker::Thread(t) => {
                t.join_timeout(cx, left).await?;
                stuck += usize::from(t.is_alive(cx).await?);
            }
            Worker::Process(p) => {
                p.join_timeout(cx, left).await?;
                stuck += usize::from(p.is_alive(cx).await?);
            }
            Worker::Task(t) => tasks.push(*t),
        }
    }
    if !tasks.is_empty() {
        let left = deadline.saturating_sub(cx.now().await?);
        let (_, pending) = cx
            .wait_tasks(&tasks, Some(left), interleave_sim::ReturnWhen::AllCompleted)
            .await?;
        stuck += pending.len();
    }
    Ok(stuck)
}

/// Runs `main` as the program's main code: directly in the main thread for threads and
/// processes, as `asyncio.run(main())` for asyncio.
pub(crate) async fn run_main<F, Fut>(
    cx: &interleave_sim::Ctx,
    fl: Flavor,
    main: F,
) -> interleave_sim::PyResult<()>
where
    F: FnOnce(interleave_sim::Ctx) -> Fut + 'static,
    Fut: std::future::Future<Output = interleave_sim::PyResult<()>> + 'static,
{
    match fl {
        Flavor::Asyncio => cx
            .run_loop("main()", interleave_sim::Program::new(main))
            .await
            .map(|_| ()),
        _ => main(cx.clone()).await,
    }
}

/// `time.sleep(d)` in threads and processes, `await asyncio.sleep(d)` in tasks.
pub(crate) async fn pause(
    cx: &interleave_sim::Ctx,
    fl: Flavor,
    d: interleave_sim::Nanos,
) -> interleave_sim::PyResult<()> {
    match fl {
        Flavor::Asyncio => cx.asleep(d).await,
        _ => cx.sleep(d).await,
    }
}

/// A variable every worker sees: a module-level global for threads and tasks, a
/// `multiprocessing.Value` (without its own lock) for processes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shared {
    Global(interleave_sim::Var),
    Mp(interleave_sim::SharedValue),
}

impl Shared {
    pub(crate) fn new(
        cx: &interleave_sim::Ctx,
        fl: Flavor,
        name: &str,
        init: impl Into<interleave_sim::Value>,
    ) -> Self {
        match fl {
            Flavor::Multiprocessing => Shared::Mp(cx.mp_value(name, init, false)),
            _ => Shared::Global(cx.var(name, init)),
        }
    }

    pub(crate) async fn read_int(&self, cx: &interleave_sim::Ctx) -> interleave_sim::PyResult<i64> {
        match self {
            Shared::Global(v) => v.read_int(cx).await,
            Shared::Mp(v) => v.read_int(cx).await,
        }
    }

    pub(crate) async fn write(
        &self,
        cx: &interleave_sim::Ctx,
        x: impl Into<interleave_sim::Value>,
    ) -> interleave_sim::PyResult<()> {
        match self {
            Shared::Global(v) => v.write(cx, x).await,
            Shared::Mp(v) => v.write(cx, x).await,
        }
    }
}

/// One integer slot per worker, written only by that worker (so no update can be lost) and read
/// by the main program at the end: a list of globals for threads and tasks (`results[i] = x`),
/// one `multiprocessing.Array('i', n)` for processes.
#[derive(Clone, Debug)]
pub(crate) enum Slots {
    Globals(Vec<interleave_sim::Var>),
    Array(interleave_sim::SharedValue),
}

impl Slots {
    pub(crate) fn new(
        cx: &interleave_sim::Ctx,
        fl: Flavor,
        name: &str,
        n: usize,
        init: i64,
    ) -> Self {
        match fl {
            Flavor::Multiprocessing => {
                Slots::Array(cx.mp_array(name, vec![interleave_sim::Value::Int(init); n], false))
            }
            _ => Slots::Globals(
                (0..n)
                    .map(|i| cx.var(&format!("{name}[{i}]"), init))
                    .collect(),
            ),
        }
    }

    /// `slots[i] = x`; an index out of range is an `IndexError`.
    pub(crate) async fn set(
        &self,
        cx: &interleave_sim::Ctx,
        i: usize,
        x: i64,
    ) -> interleave_sim::PyResult<()> {
        match self {
            Slots::Globals(v) => match v.get(i) {
                Some(var) => var.write(cx, x).await,
                None => interleave_sim::err(
                    interleave_sim::PyErrorKind::IndexError,
                    "list assignment index out of range",
                ),
            },
            Slots::Array(a) => {
                a.write_at(cx, i64::try_from(i).unwrap_or(i64::MAX), x)
                    .await
            }
        }
    }

    /// Every slot, in order.
    pub(crate) async fn all(&self, cx: &interleave_sim::Ctx) -> interleave_sim::PyResult<Vec<i64>> {
        match self {
            Slots::Globals(v) => {
                let mut out = Vec::with_capacity(v.len());
                for var in v {
                    out.push(var.read_int(cx).await?);
                }
                Ok(out)
            }
            Slots::Array(a) => match a.read(cx).await? {
                interleave_sim::Value::List(items) => {
                    items.iter().map(interleave_sim::Value::as_int).collect()
                }
                other => Ok(vec![other.as_int()?]),
            },
        }
    }
}
