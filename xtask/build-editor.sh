#!/usr/bin/env bash
# Bundles the code editor (web/editor/editor.js: CodeMirror 6 with Python, from npm) with
# esbuild into target-editor/site/editor/editor.js, which Trunk copies to dist/editor. Run by
# Trunk's pre_build hook; the page imports the bundle only when a page with code opens.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="$ROOT/target-editor/site/editor"
SRC="$ROOT/web/editor/editor.js"

# Up to date when the bundle is newer than its source and the locked npm packages.
if [ -f "$OUT/editor.js" ] && [ "$OUT/editor.js" -nt "$SRC" ] &&
    [ "$OUT/editor.js" -nt "$ROOT/package-lock.json" ]; then
    exit 0
fi
ensure_node_tools
say "esbuild (the code editor: CodeMirror 6 + Python)"
mkdir -p "$OUT"
"$ROOT/node_modules/.bin/esbuild" "$SRC" --bundle --format=esm --minify --target=es2020 \
    --legal-comments=linked --log-level=warning --outfile="$OUT/editor.js"
