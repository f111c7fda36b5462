//! Real workloads: the kernels Interleave runs for real (natively and in Web Workers), each with
//! a reference version that follows the source material exactly and a fast version that must
//! agree with it.
//!
//! The kernels are pure functions of their input; they know nothing about threads, processes,
//! the DOM or clocks. The parallel drivers that time them live in the CLI (natively) and in the
//! web app's workers.

pub mod life;
pub mod primes;
