//! The interpreter stays pure like the simulator: nothing in its dependency tree touches wasm,
//! the DOM, the OS, threads or clocks (the parser's crates are plain data structures), and its
//! sources use no hash-ordered collections, clocks, threads, files or environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

/// Crates that would make the interpreter impure.
const DENIED: &[&str] = &[
    "wasm-bindgen",
    "js-sys",
    "web-sys",
    "getrandom",
    "rand",
    "rayon",
    "crossbeam",
    "crossbeam-utils",
    "tokio",
    "async-std",
    "chrono",
    "time",
    "num_cpus",
    "parking_lot",
];

#[test]
fn dependency_tree_is_pure() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "interleave-py",
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
    assert!(
        names.contains("interleave-sim") && names.contains("ruff_python_parser"),
        "unexpected tree: {names:?}"
    );
    let bad: Vec<&&str> = names.iter().filter(|n| DENIED.contains(n)).collect();
    assert!(
        bad.is_empty(),
        "the interpreter gained impure dependencies {bad:?}"
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
            if path.extension().is_none_or(|e| e != "rs") {
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
                "unsafe ",
            ] {
                assert!(!text.contains(banned), "{} uses {banned}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 10);
}
