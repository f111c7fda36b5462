//! Fast kernels agree with their references on random inputs (proptest).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(not(target_arch = "wasm32"))]

use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::primes::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn prime_kernels_agree(n in 0u64..(1 << 40)) {
        let expected = is_prime_miller_rabin(n);
        prop_assert_eq!(is_prime_fast(n), expected);
        prop_assert_eq!(is_prime_faithful(n), expected);
    }

    #[test]
    fn prime_kernels_agree_on_semiprimes(a in 3u64..2_000_000, b in 3u64..2_000_000) {
        let n = (a | 1) * (b | 1);
        prop_assert!(!is_prime_fast(n) || is_prime_miller_rabin(n));
        prop_assert_eq!(is_prime_fast(n), is_prime_reference(n));
        prop_assert_eq!(is_prime_faithful(n), is_prime_reference(n));
    }

    #[test]
    fn life_kernels_agree(h in 1usize..40, w in 1usize..200, density in 0u32..100, seed in any::<u64>(), gens in 1usize..4) {
        let mut g = ByteGrid::random(h, w, density, seed).unwrap();
        let mut b = BitGrid::from_bytes(&g);
        for _ in 0..gens {
            g = g.step_reference();
            b = b.step();
        }
        prop_assert_eq!(b.to_bytes(), g);
    }
}
