//! The simulator crate stays pure: its dependency tree holds serde, serde_json and a seeded RNG
//! (and what they need), nothing that touches wasm, the DOM, the OS, threads or clocks; and
//! its sources use no `HashMap`/`HashSet` (whose order could leak into traces) and no clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

const ALLOWED: &[&str] = &[
    "interleave-sim",
    "serde",
    "serde_core",
    "serde_derive",
    "serde_json",
    "itoa",
    "memchr",
    "ryu",
    "zmij",
    "rand_core",
    "rand_pcg",
    "proc-macro2",
    "quote",
    "syn",
    "unicode-ident",
];

#[test]
fn dependency_tree_is_pure() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "interleave-sim",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let names: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains("serde"), "unexpected tree: {names:?}");
    let extra: Vec<&&str> = names.iter().filter(|n| !ALLOWED.contains(n)).collect();
    assert!(
        extra.is_empty(),
        "the simulator gained dependencies {extra:?}; keep it pure"
    );
}

#[test]
fn sources_avoid_hash_order_clocks_and_threads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![dir];
    let mut checked = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for banned in [
                "HashMap",
                "HashSet",
                "std::time",
                "Instant",
                "SystemTime",
                "std::thread",
                "std::fs",
                "std::env",
            ] {
                assert!(!text.contains(banned), "{} uses {banned}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 10);
}
