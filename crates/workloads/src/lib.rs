//! Real workloads: the kernels Interleave runs for real (natively and in Web Workers), each with
//! a reference version that follows the source material exactly and a fast version that must
//! agree with it.
//!
//! The kernels (`primes`, `factorize`, `life`) are pure functions of their input; they know
//! nothing about threads, processes, the DOM or clocks. `native` holds the parallel drivers that
//! run and time them on OS threads and child processes (native targets only).

pub mod factorize;
pub mod life;
pub mod primes;
pub mod real;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
