//! The kernels give the same answers natively (vector code) and in wasm (portable code, in
//! headless Chrome via `wasm-pack test`). Expected answers live in
//! `fixtures/kernel_answers.txt`; rewrite it with `UPDATE_HASHES=1` after an intended change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_workloads::factorize::divisors_fast;
use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::primes::{is_prime_faithful, is_prime_fast, is_prime_miller_rabin};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn answers() -> String {
    let mut out = String::new();
    let numbers = [
        2u64,
        97,
        1_000_003,
        999_999_000_001,
        1_000_036_000_099,
        142_702_110_479_723,
        4_294_967_291 * 3,
    ];
    for n in numbers {
        let (a, b, c) = (
            is_prime_faithful(n),
            is_prime_fast(n),
            is_prime_miller_rabin(n),
        );
        out.push_str(&format!("prime {n} {a} {b} {c}\n"));
    }
    for n in [2139079u64, 1214759] {
        out.push_str(&format!("divisors {n} {:?}\n", divisors_fast(n)));
    }
    let mut g = BitGrid::from_bytes(&ByteGrid::random(200, 333, 30, 9).unwrap());
    for _ in 0..10 {
        g = g.step();
    }
    out.push_str(&format!(
        "life 200x333 after 10: {} alive, digest {:016x}\n",
        g.alive(),
        digest(&g.to_bytes().cells)
    ));
    out
}

const EXPECTED: &str = include_str!("fixtures/kernel_answers.txt");

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_answers_match_the_fixture() {
    let got = answers();
    if std::env::var_os("UPDATE_HASHES").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/kernel_answers.txt");
        std::fs::write(path, &got).unwrap();
        return;
    }
    assert_eq!(got, EXPECTED);
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_answers_match_the_native_ones() {
    assert_eq!(answers(), EXPECTED);
}
