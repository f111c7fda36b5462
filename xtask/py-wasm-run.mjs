// Runs one Python program (standard input) on the wasm build of the interpreter in Node and
// prints {"secs", "stdout", "instructions", ...} as JSON; the time is taken inside Node, around
// the call only. Used by `interleave bench python --wasm GLUE`.
//
//   node xtask/py-wasm-run.mjs target/py-wasm/interleave_py_wasm.js < program.py
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const glue = process.argv[2];
if (!glue) {
  console.error("usage: node py-wasm-run.mjs GLUE.js < program.py");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const mod = require(resolve(glue));
const src = readFileSync(0, "utf8");
const start = performance.now();
const out = JSON.parse(mod.run_python(src));
const secs = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({ secs, ...out }));
