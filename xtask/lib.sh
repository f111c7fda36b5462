# Shared helpers for Interleave's scripts: logging and idempotent installs.
# Every install step checks first and does nothing when the right thing is present.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> %s\n' "$*" >&2; }

# CI builds each clone once from scratch, so incremental caches there only cost disk.
if [ "${CI:-}" = true ]; then
    export CARGO_INCREMENTAL=0
fi

# Adds a rustup target to the default toolchain unless it is installed.
ensure_target() {
    local target="$1"
    if ! rustup target list --installed | grep -qx "$target"; then
        say "installing Rust target $target"
        rustup target add "$target"
    fi
}

# Adds a rustup component (rustfmt, clippy) unless it is installed.
ensure_component() {
    local comp="$1"
    if ! rustup component list --installed | grep -q "^$comp"; then
        say "installing Rust component $comp"
        rustup component add "$comp"
    fi
}

# Installs Debian packages that are missing (one apt-get update first).
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        say "apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

# The version of a crate in Cargo.lock (for tools that must match it, like wasm-bindgen).
lock_version() {
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# `cargo install CRATE --version VERSION [flags]` unless BIN --version already reports VERSION.
ensure_cargo_tool() {
    local bin="$1" crate="$2" version="$3"
    shift 3
    if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -qF "$version"; then
        return
    fi
    say "cargo install $crate $version (a few minutes, once)"
    cargo install "$crate" --version "$version" "$@"
}

# Tools for the browser tests: Chromium with its driver, wasm-bindgen's test runner at the
# Cargo.lock version, and wasm-pack.
ensure_browser_test_tools() {
    ensure_target wasm32-unknown-unknown
    # A CJK font, so Chinese texts render in the headless browser's screenshots.
    ensure_apt chromium chromium-driver fonts-wqy-microhei
    local wb
    wb="$(lock_version wasm-bindgen)"
    if [ -z "$wb" ]; then
        echo "wasm-bindgen is not in Cargo.lock" >&2
        return 1
    fi
    # Its lock file pins a crate this registry lacks, so no --locked here.
    ensure_cargo_tool wasm-bindgen-test-runner wasm-bindgen-cli "$wb"
    ensure_cargo_tool wasm-pack wasm-pack 0.15.1 --locked
}

# Node packages (wasm-opt from npm's binaryen 132, playwright-core, esbuild and CodeMirror for
# the editor's bundle) from package-lock.json.
ensure_node_tools() {
    if ! command -v npm >/dev/null 2>&1; then
        ensure_apt nodejs npm
    fi
    if [ -x "$ROOT/node_modules/.bin/wasm-opt" ] &&
        "$ROOT/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version_132" &&
        [ -f "$ROOT/node_modules/playwright-core/package.json" ] &&
        [ -f "$ROOT/node_modules/codemirror/package.json" ] &&
        [ -x "$ROOT/node_modules/.bin/esbuild" ]; then
        return
    fi
    say "npm ci (binaryen, playwright-core, esbuild, CodeMirror)"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
}

# Everything the web build needs: the wasm target, wasm-bindgen at the Cargo.lock version,
# trunk, and wasm-opt.
ensure_web_tools() {
    ensure_target wasm32-unknown-unknown
    local wb
    wb="$(lock_version wasm-bindgen)"
    ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "$wb"
    # trunk 0.22 needs a newer rustc than stable; 0.21 builds on stable. Without LTO and with
    # many codegen units it installs in about ten minutes on two cores.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        ensure_cargo_tool trunk trunk 0.21.14 --locked --no-default-features --features rustls
    ensure_node_tools
}

# Release build of the playground into dist/ (its own target dir: other flags than the tests'):
# the main page, then the code page (web/code, its own module) into dist/code.
build_web() {
    say "trunk build --release (the playground, into dist/; the code page into dist/code)"
    (
        cd "$ROOT"
        unset NO_COLOR
        export PATH="$ROOT/node_modules/.bin:$PATH" \
            CARGO_TARGET_DIR="$ROOT/target-web" \
            RUSTFLAGS="-C target-feature=+simd128"
        trunk build --release
        trunk build --release --config web/code/Trunk.toml
        rm -rf dist/code
        cp -r target-code/dist dist/code
    )
}
