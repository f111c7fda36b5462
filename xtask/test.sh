#!/usr/bin/env bash
# Sets up whatever is missing and runs every test: formatting, lints, native tests, the
# fidelity check against CPython, wasm in headless Chrome, and the playground end to end.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
say "free disk here: $(df -h --output=avail . | tail -1 | tr -d ' ')"

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

say "the simulator and the Python interpreter build for wasm32-unknown-unknown on stable"
cargo build -p interleave-sim -p interleave-py --target wasm32-unknown-unknown --locked --release

say "wasm in headless Chrome: the same traces and answers as natively"
for crate in sim scenarios workloads py; do
    wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" "crates/$crate" \
        --locked --test cross_platform
done
# The kernels again with wasm's 128-bit SIMD enabled (as the web build compiles them), in
# their own target directory so the two flag sets do not rebuild each other.
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR="$ROOT/target-simd128" \
    wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" crates/workloads \
    --locked --test cross_platform

say "the page's code for wasm32 (clippy, warnings are errors)"
cargo clippy -p interleave-web --target wasm32-unknown-unknown --locked -- -D warnings

# The playground end to end: the release build (with the thread engine, which must build
# here) served like the main command, in headless Chromium.
ensure_web_tools
INTERLEAVE_REQUIRE_THREADS=1 build_web
say "end-to-end tests (Playwright, headless Chromium; screenshots in e2e/artifacts/)"
node --test --test-concurrency=1 e2e/tests/

say "all tests passed"
