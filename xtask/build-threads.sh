#!/usr/bin/env bash
# Builds the shared-memory thread engine (web/threads) into target-threads/site/threads, which
# Trunk copies to dist/threads. Run by Trunk's pre_build hook. It needs the pinned nightly;
# if that engine cannot be built, the page is still built and uses process-style workers
# (set INTERLEAVE_REQUIRE_THREADS=1 to make that an error, as the tests do).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="$ROOT/target-threads/site/threads"
TOOLCHAIN="$(awk -F'"' '/^channel/ { print $2 }' "$ROOT/web/threads/rust-toolchain.toml")"

build() {
    if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
        say "installing Rust $TOOLCHAIN with rust-src and wasm32 (for the thread engine)"
        rustup toolchain install "$TOOLCHAIN" --profile minimal -c rust-src -t wasm32-unknown-unknown
    fi
    cd "$ROOT/web/threads"
    # Trunk's own settings must not leak into this differently-flagged build.
    unset RUSTFLAGS CARGO_TARGET_DIR CARGO_BUILD_TARGET CARGO_ENCODED_RUSTFLAGS
    say "cargo build (thread engine, $TOOLCHAIN, atomics + shared memory)"
    CARGO_TARGET_DIR="$ROOT/target-threads" cargo build --release --locked
    local wasm="$ROOT/target-threads/wasm32-unknown-unknown/release/interleave_threads.wasm"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    wasm-bindgen --target web --out-dir "$OUT" "$wasm"
    cp "$ROOT/web/threads/worker.js" "$OUT/worker.js"
    # A regression here is silent at build time: check that the memory import is shared.
    node "$ROOT/xtask/check-shared-memory.mjs" "$OUT/interleave_threads_bg.wasm"
}

if (build); then
    rm -f "$OUT/UNAVAILABLE"
else
    if [ "${INTERLEAVE_REQUIRE_THREADS:-0}" = 1 ]; then
        echo "the thread engine did not build" >&2
        exit 1
    fi
    mkdir -p "$OUT"
    echo "the thread engine did not build; the page uses process-style workers" >"$OUT/UNAVAILABLE"
    say "thread engine unavailable (see above); continuing without it"
fi
