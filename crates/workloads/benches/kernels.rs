//! Kernel microbenchmarks (criterion): trial divisions per second for each prime kernel, and
//! cell updates per second for the Life kernels, one core.
//!
//! Run with `cargo bench -p interleave-workloads --bench kernels`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::primes::{is_prime_faithful, is_prime_fast, is_prime_reference};

/// A prime whose check tries every odd divisor up to its root: 5 × 10⁶ odd divisors.
const PRIME: u64 = 100_000_000_000_031;

fn primes(c: &mut Criterion) {
    let divisions = (PRIME.isqrt() - 1) / 2;
    let mut g = c.benchmark_group("trial division (one prime near 1e14)");
    g.throughput(Throughput::Elements(divisions));
    g.sample_size(10);
    g.bench_function("reference (64-bit remainder)", |b| {
        b.iter(|| is_prime_reference(std::hint::black_box(PRIME)))
    });
    g.bench_function("faithful (vector exact test)", |b| {
        b.iter(|| is_prime_faithful(std::hint::black_box(PRIME)))
    });
    g.bench_function("wheel (8 of every 30, vector)", |b| {
        b.iter(|| is_prime_fast(std::hint::black_box(PRIME)))
    });
    g.finish();
}

fn life(c: &mut Criterion) {
    let side = 4096;
    let grid = ByteGrid::random(side, side, 30, 42).unwrap_or_else(|e| panic!("{e}"));
    let bits = BitGrid::from_bytes(&grid);
    let mut next = bits.clone();
    let mut g = c.benchmark_group("life step, 4096² torus");
    g.throughput(Throughput::Elements((side * side) as u64));
    g.sample_size(20);
    g.bench_function("bit-parallel (64 cells per word)", |b| {
        b.iter(|| bits.step_into(&mut next))
    });
    g.finish();
    let small = ByteGrid::random(512, 512, 30, 42).unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("life step, 512² torus");
    g.throughput(Throughput::Elements(512 * 512));
    g.sample_size(10);
    g.bench_function("byte reference", |b| b.iter(|| small.step_reference()));
    g.finish();
}

criterion_group!(benches, primes, life);
criterion_main!(benches);
