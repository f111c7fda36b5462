#!/usr/bin/env bash
# The Python benchmark with every column: CPython, the native interpreter and its wasm build in
# Node, side by side in one run (`interleave bench python --wasm`). Builds what is missing.
#
#   bash xtask/bench-python.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs="${1:-5}"
ensure_target wasm32-unknown-unknown
say "building the native CLI (release)"
cargo build -p interleave-cli --release --locked
say "building the interpreter for wasm32 (release) and its Node glue"
cargo build -p interleave-py-wasm --target wasm32-unknown-unknown --release --locked
wasm-bindgen --target nodejs --out-dir "$ROOT/target/py-wasm" \
    "$ROOT/target/wasm32-unknown-unknown/release/interleave_py_wasm.wasm"
"$ROOT/target/release/interleave" bench python --runs "$runs" --wasm "$ROOT/target/py-wasm/interleave_py_wasm.js"
