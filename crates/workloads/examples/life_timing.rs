//! Quick timing of the Life kernels (one core).
use std::time::Instant;

use interleave_workloads::life::*;

fn main() {
    let g = ByteGrid::random(4096, 4096, 30, 7).unwrap();
    let b = BitGrid::from_bytes(&g);
    let mut next = b.clone();
    let gens = 50;
    let t = Instant::now();
    let mut cur = b.clone();
    for _ in 0..gens {
        cur.step_into(&mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "bit-parallel: {:.3} ms/gen, {:.2e} cell-updates/s",
        s * 1e3 / gens as f64,
        (4096.0 * 4096.0 * gens as f64) / s
    );
    let t = Instant::now();
    let r = g.step_reference();
    let s = t.elapsed().as_secs_f64();
    println!(
        "reference: {:.1} ms/gen, {:.2e} cell-updates/s ({} alive)",
        s * 1e3,
        4096.0 * 4096.0 / s,
        r.alive()
    );
}
