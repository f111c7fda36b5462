//! Interleave's deterministic simulator of Python threads, processes and coroutines.
//!
//! A [`Sim`] runs programs written as Rust `async` blocks against a [`Ctx`], on a modelled
//! machine ([`Machine`]: cores, a GIL per process, costs), in virtual time. Every source of
//! nondeterminism goes through one [`Scheduler`], so the same program, machine, seed and
//! scheduler always give the same [`Trace`]. The crate knows nothing about wasm, the DOM, the
//! OS, threads or clocks.
//!
//! ```
//! use interleave_sim::*;
//!
//! let trace = simulate(Machine::default(), 1, &SchedulerKind::Fifo, Program::new(|cx: Ctx| async move {
//!     let lock = cx.lock("lock");
//!     lock.acquire(&cx).await?;
//!     cx.compute(ms(1)).await?;
//!     lock.release(&cx).await?;
//!     Ok(())
//! })).unwrap();
//! assert_eq!(trace.outcome, Outcome::Completed);
//! ```

pub mod chrome;
pub mod config;
pub mod error;
pub mod explore;
pub mod ids;
mod kernel;
pub mod play;
pub mod prims;
pub mod program;
pub mod races;
pub mod sched;
pub mod time;
pub mod trace;
pub mod units;
pub mod value;
pub mod wakeup;

pub use config::{Costs, Limits, Machine};
pub use error::{PyError, PyErrorKind, PyResult};
pub use ids::{ObjId, UnitId};
pub use kernel::{Resource, Sim, Step, Touch, simulate, simulate_observed};
pub use prims::barrier::{Barrier, BarrierAction};
pub use prims::condition::Condition;
pub use prims::event::Event;
pub use prims::future::Future;
pub use prims::lock::Lock;
pub use prims::manager::{DictProxy, ListProxy};
pub use prims::pipe::Conn;
pub use prims::queue::Queue;
pub use prims::semaphore::Semaphore;
pub use prims::shared::{SharedValue, Var};
pub use program::{Ctx, Flavor, Program, QueueKind, ReturnWhen, err};
pub use sched::{Candidate, Fifo, Pct, RandomSched, Replay, Schedule, Scheduler, SchedulerKind};
pub use time::{Nanos, fmt_nanos, from_ms_f64, from_secs_f64, ms, secs, us};
pub use trace::{
    Counter, Event as TraceEvent, EventKind, LimitKind, Link, LinkKind, Metrics, ObjInfo, Outcome,
    Span, State, Trace, UnitError, UnitInfo, UnitKind, UnitMetrics, WaitEdge,
};
pub use units::{ContextVar, Handle, Process, Task, Thread, Timer};
pub use value::{Opaque, Value};
