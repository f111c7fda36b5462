//! Interleave's Python: an interpreter for a subset of Python whose threads run as
//! `interleave-sim` units, switching the GIL exactly where CPython's eval loop does.
//!
//! ```text
//! source ─ lower (ruff parser → ast) ─ compile (symbol table, bytecode) ─► Code
//! Code ─ runner::Compiled::program ─► a simulator Program: each thread a unit driving a vm::Vm
//! ```

pub mod aio;
pub mod ast;
pub mod builtins;
pub mod code;
pub mod compile;
pub mod error;
pub mod fork;
pub mod format;
pub mod lower;
pub mod methods;
pub mod modules;
pub mod mp;
pub mod natives;
pub mod obj;
pub mod ops;
pub mod runner;
pub mod stdlib;
pub mod vm;
pub mod wakeup;
pub mod world;

pub use error::{SourceError, SourceErrorKind};
pub use runner::{
    Compiled, PyOptions, RunError, RunOutput, RunResult, Uncaught, compile, outcome_label,
    run_program, uncaught,
};
pub use world::Model;
