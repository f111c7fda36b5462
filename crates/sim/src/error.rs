//! Errors: Python exceptions raised inside simulated programs, and the simulator's own errors.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The Python exception classes the simulator raises or lets programs raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PyErrorKind {
    RuntimeError,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    LookupError,
    IndexError,
    AssertionError,
    ZeroDivisionError,
    BrokenBarrierError,
    /// `queue.Full` (and `asyncio.QueueFull`).
    Full,
    /// `queue.Empty` (and `asyncio.QueueEmpty`).
    Empty,
    EOFError,
    OSError,
    TimeoutError,
    CancelledError,
    InvalidStateError,
    /// A user-defined exception; the message carries the class name.
    Exception,
    /// `sys.exit(code)` out of a process's main unit: the message is the exit code.
    SystemExit,
}

impl PyErrorKind {
    /// The class name as Python prints it.
    pub fn name(self) -> &'static str {
        match self {
            PyErrorKind::RuntimeError => "RuntimeError",
            PyErrorKind::ValueError => "ValueError",
            PyErrorKind::TypeError => "TypeError",
            PyErrorKind::AttributeError => "AttributeError",
            PyErrorKind::KeyError => "KeyError",
            PyErrorKind::LookupError => "LookupError",
            PyErrorKind::IndexError => "IndexError",
            PyErrorKind::AssertionError => "AssertionError",
            PyErrorKind::ZeroDivisionError => "ZeroDivisionError",
            PyErrorKind::BrokenBarrierError => "BrokenBarrierError",
            PyErrorKind::Full => "Full",
            PyErrorKind::Empty => "Empty",
            PyErrorKind::EOFError => "EOFError",
            PyErrorKind::OSError => "OSError",
            PyErrorKind::TimeoutError => "TimeoutError",
            PyErrorKind::CancelledError => "CancelledError",
            PyErrorKind::InvalidStateError => "InvalidStateError",
            PyErrorKind::Exception => "Exception",
            PyErrorKind::SystemExit => "SystemExit",
        }
    }
}

/// A Python exception: its class and message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyError {
    pub kind: PyErrorKind,
    pub message: String,
}

impl PyError {
    pub fn new(kind: PyErrorKind, message: impl Into<String>) -> Self {
        PyError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn runtime(message: impl Into<String>) -> Self {
        PyError::new(PyErrorKind::RuntimeError, message)
    }

    pub(crate) fn cancelled() -> Self {
        PyError::new(PyErrorKind::CancelledError, "")
    }
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.kind.name())
        } else {
            write!(f, "{}: {}", self.kind.name(), self.message)
        }
    }
}

impl std::error::Error for PyError {}

/// What a simulated program returns: a value, or the exception that escaped it.
pub type PyResult<T> = Result<T, PyError>;

/// Raises a Python exception from a program: `raise!(ValueError, "bad {x}")`.
#[macro_export]
macro_rules! raise {
    ($kind:ident, $($arg:tt)*) => {
        return Err($crate::PyError::new($crate::PyErrorKind::$kind, format!($($arg)*)))
    };
}
