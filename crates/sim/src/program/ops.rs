//! The future of one operation, and `Ctx`'s async methods built on it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::{PyError, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::time::Nanos;
use crate::value::Value;

use super::*;

/// The future of one operation: it builds its `Op` with `make` when first polled, hands it
/// to the kernel through the mailbox, and converts the reply to `T` when the kernel answers.
/// One future, not an `async fn` wrapped around another, on the simulator's hottest path; the
/// conversion is a type parameter, so it inlines.
///
/// Building the op late matters: a future that held a whole op would write it when made and
/// copy it out on its first poll, moments later, and copying data just written stalls the
/// CPU. Most `make`s capture an id or a duration, which reads back as one word.
pub(crate) struct OpFuture<'a, F, T> {
    mailbox: &'a Mailbox,
    make: Option<F>,
    _to: std::marker::PhantomData<fn() -> T>,
}

// The future never pins `make`: it moves it out and calls it. So it may move itself.
impl<F, T> Unpin for OpFuture<'_, F, T> {}

impl<F: FnOnce() -> R, R: Submit, T: FromAnswer> Future for OpFuture<'_, F, T> {
    type Output = PyResult<T>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<PyResult<T>> {
        if let Some(make) = self.make.take() {
            self.mailbox.submit(make());
            return Poll::Pending;
        }
        match self.mailbox.take_answer() {
            Some(answer) => Poll::Ready(T::from_answer(answer)),
            None => Poll::Pending,
        }
    }
}

/// A type an operation's reply converts to. The scalar answers (`None`, a flag, a number)
/// convert straight from the mailbox's [`Answer`], without a `Ret` in between: an `Answer`
/// owns nothing but its boxed case, so the arms that match a scalar drop nothing.
pub(crate) trait FromAnswer: Sized {
    fn from_answer(a: Answer) -> PyResult<Self>;
}

impl FromAnswer for Ret {
    #[inline]
    fn from_answer(a: Answer) -> PyResult<Ret> {
        a.unpack()
    }
}

impl FromAnswer for () {
    #[inline]
    fn from_answer(a: Answer) -> PyResult<()> {
        match a {
            Answer::None => Ok(()),
            other => other.unpack().map(drop),
        }
    }
}

impl FromAnswer for bool {
    #[inline]
    fn from_answer(a: Answer) -> PyResult<bool> {
        match a {
            Answer::Bool(b) => Ok(b),
            other => Err(unexpected(&other.unpack()?)),
        }
    }
}

impl FromAnswer for i64 {
    fn from_answer(a: Answer) -> PyResult<i64> {
        match a {
            Answer::Int(i) => Ok(i),
            other => Err(unexpected(&other.unpack()?)),
        }
    }
}

impl FromAnswer for Value {
    fn from_answer(a: Answer) -> PyResult<Value> {
        match a {
            Answer::None => Ok(Value::None),
            Answer::Bool(b) => Ok(Value::Bool(b)),
            Answer::Int(i) | Answer::IntValue(i) => Ok(Value::Int(i)),
            Answer::Other(reply) => match (*reply)? {
                Ret::Value(v) => Ok(v),
                Ret::None => Ok(Value::None),
                Ret::Bool(b) => Ok(Value::Bool(b)),
                Ret::Int(i) => Ok(Value::Int(i)),
                other => Err(unexpected(&other)),
            },
        }
    }
}

pub(crate) fn unexpected(ret: &Ret) -> PyError {
    PyError::runtime(format!("internal error: unexpected reply {ret:?}"))
}

impl Ctx {
    /// This unit's id.
    pub fn id(&self) -> UnitId {
        self.unit
    }

    /// An operation whose reply converts to `T`, built by `make` when first polled.
    fn request<F: FnOnce() -> R, R: Submit, T: FromAnswer>(&self, make: F) -> OpFuture<'_, F, T> {
        OpFuture {
            mailbox: &self.mailbox,
            make: Some(make),
            _to: std::marker::PhantomData,
        }
    }

    pub(crate) fn op<F: FnOnce() -> R, R: Submit>(&self, make: F) -> OpFuture<'_, F, Ret> {
        self.request(make)
    }

    pub(crate) fn op_unit<F: FnOnce() -> R, R: Submit>(&self, make: F) -> OpFuture<'_, F, ()> {
        self.request(make)
    }

    pub(crate) fn op_bool<F: FnOnce() -> R, R: Submit>(&self, make: F) -> OpFuture<'_, F, bool> {
        self.request(make)
    }

    pub(crate) fn op_int<F: FnOnce() -> R, R: Submit>(&self, make: F) -> OpFuture<'_, F, i64> {
        self.request(make)
    }

    pub(crate) fn op_value<F: FnOnce() -> R, R: Submit>(&self, make: F) -> OpFuture<'_, F, Value> {
        self.request(make)
    }

    pub(crate) fn new_obj(&self, name: impl Into<String>, init: ObjInit) -> ObjId {
        self.registry.add_obj(name.into(), init, self.unit)
    }

    // ---- time -------------------------------------------------------------------------------

    /// Runs Python code for `d` of CPU time. Needs a core, and the GIL when there is one.
    pub fn compute(&self, d: Nanos) -> impl Future<Output = PyResult<()>> + '_ {
        self.op_unit(move || Quick::Compute(d))
    }

    /// `time.sleep(d)`: blocks the thread (and, inside a task, the whole event loop) and
    /// releases the GIL.
    pub fn sleep(&self, d: Nanos) -> impl Future<Output = PyResult<()>> + '_ {
        self.op_unit(move || Quick::Sleep(d))
    }

    /// A blocking system call that takes `d` (file, socket, child process). Releases the GIL.
    pub fn io(&self, d: Nanos) -> impl Future<Output = PyResult<()>> + '_ {
        self.op_unit(move || Op::Io(d, None))
    }

    /// Like [`Ctx::io`] with a label shown on the lane, e.g. `"GET /a"`.
    pub async fn io_labelled(&self, d: Nanos, label: impl Into<String>) -> PyResult<()> {
        self.op_unit(move || Op::Io(d, Some(label.into().into_boxed_str())))
            .await
    }

    /// `await asyncio.sleep(d)`: suspends only this task. Outside a task: `RuntimeError`.
    pub async fn asleep(&self, d: Nanos) -> PyResult<()> {
        self.op_unit(move || Op::AsyncSleep(d)).await
    }

    /// The current virtual time (`time.monotonic()` relative to the start).
    pub async fn now(&self) -> PyResult<Nanos> {
        let t = self.op_int(move || Op::Now).await?;
        Ok(u64::try_from(t).unwrap_or(0))
    }

    /// `print(...)`: recorded in the trace's output with the time and unit.
    pub async fn print(&self, line: impl Into<String>) -> PyResult<()> {
        self.op_unit(move || Op::Print(line.into())).await
    }

    /// Records a named result of the program (shown under the timeline, asserted by tests).
    pub async fn set_result(
        &self,
        key: impl Into<String>,
        value: impl Into<Value>,
    ) -> PyResult<()> {
        self.op_unit(move || Op::SetResult(Box::new((key.into(), value.into()))))
            .await
    }

    /// A number in `0..bound` from the run's seeded generator (`random.randrange(bound)`).
    pub async fn random_below(&self, bound: u64) -> PyResult<u64> {
        let r = self.op_int(move || Op::Random(bound)).await?;
        Ok(u64::try_from(r).unwrap_or(0))
    }
}
