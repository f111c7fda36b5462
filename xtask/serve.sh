#!/usr/bin/env bash
# Sets up whatever is missing, builds the playground (release) and serves it on
# http://127.0.0.1:8080 with the cross-origin isolation headers.
#   PORT=9000 bash xtask/serve.sh      another port
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_web_tools
build_web
say "serving dist/ on http://127.0.0.1:${PORT:-8080} (Ctrl+C stops)"
exec node e2e/serve.mjs --dir dist --port "${PORT:-8080}"
