//! Every scenario, run with its defaults and seeds 1 and 2, gives the same trace hash natively
//! and in wasm (headless Chrome via `wasm-pack test`). Expected hashes live in
//! `fixtures/scenario_hashes.txt`; rewrite it with `UPDATE_HASHES=1` after an intended change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_scenarios::{RunOptions, catalogue};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn hashes() -> String {
    let mut out = String::new();
    for s in catalogue() {
        for seed in [1, 2] {
            let t = s
                .simulate(
                    &s.defaults(),
                    &RunOptions {
                        seed,
                        ..RunOptions::default()
                    },
                )
                .unwrap();
            out.push_str(&format!("{} seed {seed} {:016x}\n", s.id, t.hash()));
        }
    }
    out
}

const EXPECTED: &str = include_str!("fixtures/scenario_hashes.txt");

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_hashes_match_the_fixture() {
    let got = hashes();
    if std::env::var_os("UPDATE_HASHES").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/scenario_hashes.txt");
        std::fs::write(path, &got).unwrap();
        return;
    }
    assert_eq!(
        got, EXPECTED,
        "scenario trace hashes changed; if intended, rerun with UPDATE_HASHES=1"
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_hashes_match_the_native_ones() {
    assert_eq!(hashes(), EXPECTED);
}
