# Shared helpers for Interleave's scripts: logging and idempotent installs.
# Every install step checks first and does nothing when the right thing is present.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> %s\n' "$*" >&2; }

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
