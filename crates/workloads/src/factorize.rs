//! Listing every divisor of a number: the source material's loop over 1..=n, and a fast
//! variant that only walks up to the square root.

/// The largest n the loop kernel accepts (it does n iterations).
pub const MAX_N: u64 = 1_000_000_000;

/// Every divisor of `n` by trying each number from 1 to n, as the source does.
pub fn divisors_reference(n: u64) -> Vec<u64> {
    (1..=n).filter(|i| n.is_multiple_of(*i)).collect()
}

/// Every divisor of `n` in increasing order, pairing `d` with `n / d` up to √n.
pub fn divisors_fast(n: u64) -> Vec<u64> {
    let mut low = Vec::new();
    let mut high = Vec::new();
    let root = n.isqrt();
    for d in 1..=root {
        if n.is_multiple_of(d) {
            low.push(d);
            if d != n / d {
                high.push(n / d);
            }
        }
    }
    low.extend(high.into_iter().rev());
    low
}

/// The divisors of `n` among `from..to` (a chunk of the reference loop, for drivers that hand
/// out short pieces of work).
pub fn divisors_in(n: u64, from: u64, to: u64) -> Vec<u64> {
    (from.max(1)..to.min(n.saturating_add(1)))
        .filter(|i| n.is_multiple_of(*i))
        .collect()
}

/// The four numbers of the source material.
pub const FIXTURE: [u64; 4] = [2139079, 1214759, 1516637, 1852285];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kernels_give_the_known_divisors() {
        let expected: [&[u64]; 4] = [
            &[1, 101, 21179, 2139079],
            &[
                1, 7, 13, 49, 91, 637, 1907, 13349, 24791, 93443, 173537, 1214759,
            ],
            &[1, 19, 79823, 1516637],
            &[1, 5, 271, 1355, 1367, 6835, 370457, 1852285],
        ];
        for (n, e) in FIXTURE.iter().zip(expected) {
            assert_eq!(divisors_reference(*n), e);
            assert_eq!(divisors_fast(*n), e);
        }
        for n in 0..2000 {
            assert_eq!(divisors_fast(n), divisors_reference(n), "{n}");
            let mut pieces = divisors_in(n, 0, 700);
            pieces.extend(divisors_in(n, 700, n + 1));
            assert_eq!(pieces, divisors_reference(n), "{n}");
        }
    }
}
