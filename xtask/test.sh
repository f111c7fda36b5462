#!/usr/bin/env bash
# Sets up whatever is missing and runs every test: formatting, lints, native tests, and the
# simulator's build for wasm32 on stable.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_component rustfmt
ensure_component clippy
ensure_target wasm32-unknown-unknown
ensure_browser_test_tools

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "native tests"
cargo test --workspace --locked

if command -v python3 >/dev/null 2>&1; then
    say "fidelity: each scenario's Python program under CPython vs the simulator"
    cargo run -q -p interleave-cli --locked -- fidelity
else
    say "python3 not found: fidelity check skipped"
fi

say "the simulator builds for wasm32-unknown-unknown on stable"
cargo build -p interleave-sim --target wasm32-unknown-unknown --locked --release

say "wasm in headless Chrome: the same traces and answers as natively"
for crate in sim scenarios workloads; do
    wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" "crates/$crate" \
        --locked --test cross_platform
done
# The kernels again with wasm's 128-bit SIMD enabled (as the web build compiles them), in
# their own target directory so the two flag sets do not rebuild each other.
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR="$ROOT/target-simd128" \
    wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" crates/workloads \
    --locked --test cross_platform

say "all tests passed"
