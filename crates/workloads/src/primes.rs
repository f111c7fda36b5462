//! Prime checking by trial division — the algorithm of the source material (2, then every odd
//! divisor up to the integer square root) — plus a faster exact variant and deterministic
//! Miller–Rabin as "a better algorithm beats more cores".

/// The 20-number fixture: nine primes, five squares of primes (as slow as primes) and six
/// numbers with small factors.
pub const FIXTURE: [u64; 20] = [
    2,
    142702110479723,
    299593572317531,
    3333333333333301,
    3333333333333333,
    3333335652092209,
    4444444444444423,
    4444444444444444,
    4444444488888889,
    5555553133149889,
    5555555555555503,
    5555555555555555,
    6666666666666666,
    6666666666666719,
    6666667141414921,
    7777777536340681,
    7777777777777753,
    7777777777777777,
    9999999999999917,
    9999999999999999,
];

/// Which prime kernel to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Every odd divisor, the slow 64-bit remainder (the source's program, compiled).
    Reference,
    /// Every odd divisor, vectorised exact divisibility tests.
    Faithful,
    /// The 2-3-5 wheel, vectorised.
    Fast,
    /// Deterministic Miller–Rabin.
    MillerRabin,
}

impl Kernel {
    pub fn parse(s: &str) -> Result<Kernel, String> {
        match s {
            "reference" => Ok(Kernel::Reference),
            "faithful" => Ok(Kernel::Faithful),
            "fast" => Ok(Kernel::Fast),
            "miller-rabin" | "mr" => Ok(Kernel::MillerRabin),
            _ => Err(format!(
                "kernel must be reference, faithful, fast or miller-rabin, got {s:?}"
            )),
        }
    }

    pub fn check(self, n: u64) -> bool {
        match self {
            Kernel::Reference => is_prime_reference(n),
            Kernel::Faithful => is_prime_faithful(n),
            Kernel::Fast => is_prime_fast(n),
            Kernel::MillerRabin => is_prime_miller_rabin(n),
        }
    }
}

/// A trial division that can be run a piece at a time: `run(budget)` tries at most about
/// `budget` odd divisors and returns the answer once it is known. Drivers use it to hand the
/// GIL over between pieces and to keep each call short in Web Workers.
#[derive(Clone, Debug)]
pub struct Trial {
    n: u64,
    next: u64,
    root: u64,
    answer: Option<bool>,
}

impl Trial {
    pub fn new(n: u64) -> Self {
        let answer = if n < 2 {
            Some(false)
        } else if n == 2 {
            Some(true)
        } else if n.is_multiple_of(2) {
            Some(false)
        } else {
            None
        };
        Trial {
            n,
            next: 3,
            root: n.isqrt(),
            answer,
        }
    }

    /// Tries the next `budget` odd divisors with the 64-bit remainder, as the reference does.
    pub fn run_reference(&mut self, budget: u64) -> Option<bool> {
        if self.answer.is_some() {
            return self.answer;
        }
        let stop = self
            .root
            .min(self.next.saturating_add(budget.saturating_mul(2)));
        let mut d = self.next;
        while d <= stop {
            if self.n.is_multiple_of(d) {
                self.answer = Some(false);
                return self.answer;
            }
            d += 2;
        }
        self.next = d;
        if d > self.root {
            self.answer = Some(true);
        }
        self.answer
    }

    /// Tries the next `budget` odd divisors (with the faithful kernel's vector test).
    pub fn run(&mut self, budget: u64) -> Option<bool> {
        if self.answer.is_some() {
            return self.answer;
        }
        let stop = self
            .root
            .min(self.next.saturating_add(budget.saturating_mul(2)));
        let mut d = self.next;
        while d <= stop && (self.n >= FLOAT_PATH_MAX_N || self.n / d >= FLOAT_EXACT_LIMIT) {
            if self.n.is_multiple_of(d) {
                self.answer = Some(false);
                return self.answer;
            }
            d += 2;
        }
        let (mut d, found) = odd_blocks(self.n, d, stop);
        if found {
            self.answer = Some(false);
            return self.answer;
        }
        while d <= stop {
            if self.n.is_multiple_of(d) {
                self.answer = Some(false);
                return self.answer;
            }
            d += 2;
        }
        self.next = d;
        if d > self.root {
            self.answer = Some(true);
        }
        self.answer
    }
}

/// Trial division exactly as the source does it, with the integer remainder operator.
pub fn is_prime_reference(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n == 2 {
        return true;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let root = n.isqrt();
    let mut d = 3;
    while d <= root {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// Below this, `n / d` for any divisor d ≥ 3 stays under 2^52, so a rounded floating-point
/// quotient is within one of the true quotient.
const FLOAT_EXACT_LIMIT: u64 = 1 << 52;

/// Whether `d` divides `n`, from a floating-point quotient corrected in integers. Exact when
/// `n / d < 2^52`.
#[inline(always)]
fn divides_f64(n: u64, nf: f64, d: u64) -> bool {
    // Signed conversions are single instructions; every value here is below 2^63.
    let di = d as i64;
    let q = (nf / di as f64) as i64;
    let r = (n as i64).wrapping_sub(q.wrapping_mul(di));
    r == 0 || r == di || r == -di
}

/// One turn of the wheel in eight float lanes: `q = floor(n / d)`, then `r = n - q·d` exactly
/// by a fused multiply-add on `n` split into a double and a small correction. `d` divides `n`
/// when `r` is 0 or ±d (the rounded quotient may be off by one).
#[cfg(target_arch = "x86_64")]
macro_rules! wheel_body {
    ($n:expr, $base:expr, $root:expr) => {
        lanes_body!($n, $base, $root, WHEEL, 30)
    };
}

/// Eight divisors `base + offsets[k]` per turn, `step` apart from turn to turn.
#[cfg(target_arch = "x86_64")]
macro_rules! lanes_body {
    ($n:expr, $base:expr, $root:expr, $offsets:expr, $step:expr) => {{
        const STEP: u64 = $step;
        let offsets: [u64; 8] = $offsets;
        let last = offsets[7];
        let n: u64 = $n;
        let root: u64 = $root;
        let mut base: u64 = $base;
        if n >= FLOAT_PATH_MAX_N {
            return (base, false);
        }
        let nh = n as i64 as f64;
        let nl = (n as i64 - nh as i64) as f64;
        let mut d = [0f64; 8];
        for (k, w) in offsets.iter().enumerate() {
            d[k] = (base + w) as i64 as f64;
        }
        // Two turns per iteration keep sixteen divisions in flight.
        while base + STEP + last <= root {
            let mut hits = 0u32;
            for turn in 0..2 {
                let shift = (turn as u64 * STEP) as f64;
                for k in 0..8 {
                    let dk = d[k] + shift;
                    let q = (nh / dk).floor();
                    let r = (-q).mul_add(dk, nh) + nl;
                    // The rounded quotient may be off by one: bring r into [0, d).
                    let r = if r < 0.0 { r + dk } else { r };
                    let r = if r >= dk { r - dk } else { r };
                    hits |= u32::from(r == 0.0);
                }
            }
            if hits != 0 {
                // Report the first turn of the pair; the caller finishes with exact remainders.
                return (base, true);
            }
            for dk in d.iter_mut() {
                *dk += (2 * STEP) as f64;
            }
            base += 2 * STEP;
        }
        (base, false)
    }};
}

/// The same divisors as [`is_prime_reference`] in the same order, four at a time, each tested
/// with a floating-point division and an exact integer correction: the faithful algorithm,
/// without the slow 64-bit `div` instruction on its critical path.
pub fn is_prime_faithful(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n == 2 {
        return true;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let root = n.isqrt();
    let mut d = 3;
    // Small divisors of huge numbers: plain remainders until n / d fits the float path.
    while d <= root && (n >= FLOAT_PATH_MAX_N || n / d >= FLOAT_EXACT_LIMIT) {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    let (d, found) = odd_blocks(n, d, root);
    if found {
        return false;
    }
    let mut d = d;
    while d <= root {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// The odd divisors `d, d + 2, …, d + 14` per turn.
#[cfg(target_arch = "x86_64")]
const ODD: [u64; 8] = [0, 2, 4, 6, 8, 10, 12, 14];

fn odd_blocks(n: u64, d: u64, root: u64) -> (u64, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports every feature the function is compiled for.
            #[allow(unsafe_code)]
            return unsafe { odd_blocks_avx512(n, d, root) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: as above.
            #[allow(unsafe_code)]
            return unsafe { odd_blocks_avx2(n, d, root) };
        }
    }
    odd_blocks_portable(n, d, root)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,fma")]
fn odd_blocks_avx512(n: u64, base: u64, root: u64) -> (u64, bool) {
    lanes_body!(n, base, root, ODD, 16)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn odd_blocks_avx2(n: u64, base: u64, root: u64) -> (u64, bool) {
    lanes_body!(n, base, root, ODD, 16)
}

fn odd_blocks_portable(n: u64, mut d: u64, root: u64) -> (u64, bool) {
    if n >= FLOAT_PATH_MAX_N {
        return (d, false);
    }
    let nf = n as i64 as f64;
    while d + 6 <= root {
        let hit = divides_f64(n, nf, d)
            | divides_f64(n, nf, d + 2)
            | divides_f64(n, nf, d + 4)
            | divides_f64(n, nf, d + 6);
        if hit {
            return (d, true);
        }
        d += 8;
    }
    (d, false)
}

/// Offsets of the numbers coprime to 30 within one turn of the 2-3-5 wheel.
const WHEEL: [u64; 8] = [1, 7, 11, 13, 17, 19, 23, 29];

/// The float paths need `n` and every divisor below 2^53 as exact doubles' neighbours; larger
/// numbers use integer remainders throughout.
const FLOAT_PATH_MAX_N: u64 = 1 << 62;

/// Trial division over a 2-3-5 wheel (8 candidates in every 30 instead of 15), eight lanes at a
/// time with vector division and fused multiply-add where the CPU has them (detected at run
/// time). Same answers as the reference.
pub fn is_prime_fast(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    for p in [2, 3, 5] {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let root = n.isqrt();
    for &w in &WHEEL[1..] {
        if w > root {
            return true;
        }
        if n.is_multiple_of(w) {
            return false;
        }
    }
    let mut base = 30;
    // Huge quotients: the first divisors must use integer remainders.
    while base <= root && (n >= FLOAT_PATH_MAX_N || n / (base + 30) >= FLOAT_EXACT_LIMIT) {
        for w in WHEEL {
            let d = base + w;
            if d <= root && n.is_multiple_of(d) {
                return false;
            }
        }
        base += 30;
    }
    let (mut base, found) = wheel_blocks(n, base, root);
    if found {
        return false;
    }
    // The turns the vector loop left over, with exact remainders.
    while base <= root {
        for w in WHEEL {
            let d = base + w;
            if d <= root && n.is_multiple_of(d) {
                return false;
            }
        }
        base += 30;
    }
    true
}

/// Tests whole wheel turns `[base, base + 30)` while they lie below `root`; returns where it
/// stopped and whether it found a divisor.
fn wheel_blocks(n: u64, base: u64, root: u64) -> (u64, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports every feature the function is compiled for.
            #[allow(unsafe_code)]
            return unsafe { wheel_blocks_avx512(n, base, root) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: as above.
            #[allow(unsafe_code)]
            return unsafe { wheel_blocks_avx2(n, base, root) };
        }
    }
    wheel_blocks_portable(n, base, root)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,fma")]
fn wheel_blocks_avx512(n: u64, base: u64, root: u64) -> (u64, bool) {
    wheel_body!(n, base, root)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn wheel_blocks_avx2(n: u64, base: u64, root: u64) -> (u64, bool) {
    wheel_body!(n, base, root)
}

/// Without hardware FMA: the integer-corrected quotient, lane by lane.
fn wheel_blocks_portable(n: u64, mut base: u64, root: u64) -> (u64, bool) {
    if n >= FLOAT_PATH_MAX_N {
        return (base, false);
    }
    let nf = n as i64 as f64;
    while base + 29 <= root {
        let mut hit = false;
        for w in WHEEL {
            hit |= divides_f64(n, nf, base + w);
        }
        if hit {
            return (base, true);
        }
        base += 30;
    }
    (base, false)
}

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(m)) as u64
}

fn pow_mod(mut b: u64, mut e: u64, m: u64) -> u64 {
    let mut r = 1 % m;
    b %= m;
    while e > 0 {
        if e & 1 == 1 {
            r = mul_mod(r, b, m);
        }
        b = mul_mod(b, b, m);
        e >>= 1;
    }
    r
}

/// Deterministic Miller–Rabin: exact for every u64 with the first twelve primes as bases.
pub fn is_prime_miller_rabin(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let mut d = n - 1;
    let mut s = 0;
    while d.is_multiple_of(2) {
        d /= 2;
        s += 1;
    }
    'bases: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// `(is_prime, odd divisions tried)` exactly as the trial-division program would find them.
pub fn trial_division(n: u64) -> (bool, u64) {
    if n < 2 {
        return (false, 0);
    }
    if n == 2 {
        return (true, 0);
    }
    if n.is_multiple_of(2) {
        return (false, 0);
    }
    let root = n.isqrt();
    let tried_up_to = |d: u64| if d >= 3 { (d - 3) / 2 + 1 } else { 0 };
    match smallest_factor(n) {
        Some(p) if p <= root => (false, tried_up_to(p)),
        _ => (true, tried_up_to(root)),
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// One non-trivial factor of an odd composite by Pollard's rho (Brent's cycle finding).
fn rho(n: u64) -> u64 {
    for c in 1..u64::MAX {
        let f = |x: u64| (mul_mod(x, x, n) + c) % n;
        let (mut x, mut y, mut d) = (2u64, 2u64, 1u64);
        while d == 1 {
            x = f(x);
            y = f(f(y));
            d = gcd(x.abs_diff(y), n);
        }
        if d != n {
            return d;
        }
    }
    n
}

/// The smallest prime factor of `n` (≥ 2), or `None` when `n` is prime or below 2.
pub fn smallest_factor(n: u64) -> Option<u64> {
    if n < 4 {
        return None;
    }
    if is_prime_miller_rabin(n) {
        return None;
    }
    for p in 2..1000u64 {
        if n.is_multiple_of(p) {
            return Some(p);
        }
    }
    let mut stack = vec![n];
    let mut best = u64::MAX;
    while let Some(m) = stack.pop() {
        if m < 2 {
            continue;
        }
        if is_prime_miller_rabin(m) {
            best = best.min(m);
            continue;
        }
        let d = rho(m);
        stack.push(d);
        stack.push(m / d);
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_has_nine_primes() {
        let primes: Vec<u64> = FIXTURE
            .iter()
            .copied()
            .filter(|&n| is_prime_miller_rabin(n))
            .collect();
        assert_eq!(primes.len(), 9);
        for n in FIXTURE {
            assert_eq!(is_prime_fast(n), is_prime_miller_rabin(n), "{n}");
            assert_eq!(is_prime_faithful(n), is_prime_miller_rabin(n), "{n}");
        }
    }

    #[test]
    fn small_numbers_agree_with_the_reference() {
        for n in 0..100_000u64 {
            let r = is_prime_reference(n);
            assert_eq!(is_prime_faithful(n), r, "{n}");
            assert_eq!(is_prime_fast(n), r, "{n}");
            assert_eq!(is_prime_miller_rabin(n), r, "{n}");
        }
    }

    #[test]
    fn trial_in_pieces_gives_the_same_answers() {
        for n in FIXTURE
            .iter()
            .copied()
            .filter(|&n| n < 1 << 50)
            .chain(0..3000)
        {
            let mut t = Trial::new(n);
            let mut r = Trial::new(n);
            let mut answer = None;
            let mut reference = None;
            for _ in 0..10_000_000 {
                answer = t.run(997);
                reference = r.run_reference(1009);
                if answer.is_some() && reference.is_some() {
                    break;
                }
            }
            assert_eq!(answer, Some(is_prime_miller_rabin(n)), "{n}");
            assert_eq!(reference, answer, "{n}");
        }
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;

    #[test]
    fn huge_numbers_agree_with_miller_rabin() {
        // Primes and semiprimes near the top of u64 and near the float-path boundaries.
        for n in [
            u64::MAX,
            u64::MAX - 58,  // the largest u64 prime
            (1 << 62) - 57, // prime just below 2^62
            (1 << 53) + 1,
            4_294_967_291 * 4_294_967_279, // two 32-bit primes
            1_000_000_007 * 998_244_353,
            9_007_199_254_740_881, // prime just below 2^53
        ] {
            let mr = is_prime_miller_rabin(n);
            if n.isqrt() < 200_000_000 {
                assert_eq!(is_prime_fast(n), mr, "{n}");
                assert_eq!(is_prime_faithful(n), mr, "{n}");
            }
        }
    }
}
