//! Quick timing of the prime kernels on the fixture (one core).
use std::time::Instant;

use interleave_workloads::primes::*;

fn main() {
    for (name, f) in [
        ("reference", is_prime_reference as fn(u64) -> bool),
        ("faithful", is_prime_faithful),
        ("fast", is_prime_fast),
        ("miller-rabin", is_prime_miller_rabin),
    ] {
        let t = Instant::now();
        let c = FIXTURE.iter().filter(|&&n| f(n)).count();
        println!(
            "{name:>14}: {:.3} s ({c} primes)",
            t.elapsed().as_secs_f64()
        );
    }
}
