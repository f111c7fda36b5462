// Fails unless the wasm module imports a shared memory (limits flag 0x03), which the
// thread engine needs: without it the build succeeds and threads fail only at run time.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const mod = new WebAssembly.Module(readFileSync(file));
const mem = WebAssembly.Module.imports(mod).filter((i) => i.kind === 'memory');
if (mem.length !== 1) {
  console.error(`${file}: expected one imported memory, found ${mem.length}`);
  process.exit(1);
}
// Read the import section for the memory's limits flags.
const bytes = readFileSync(file);
let p = 8;
const leb = () => {
  let r = 0, s = 0, b;
  do { b = bytes[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80);
  return r >>> 0;
};
let flags = null;
while (p < bytes.length && flags === null) {
  const id = bytes[p++];
  const size = leb();
  const end = p + size;
  if (id === 2) {
    const count = leb();
    for (let i = 0; i < count && flags === null; i++) {
      const skip = () => { const n = leb(); p += n; };
      skip(); // module name
      skip(); // field name
      const kind = bytes[p++];
      if (kind === 0) { leb(); }
      else if (kind === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 2) { flags = bytes[p]; }
      else if (kind === 3) { p += 2; }
      else if (kind === 4) { p++; leb(); }
    }
  }
  p = end;
}
if (flags === null || (flags & 0x02) === 0) {
  console.error(`${file}: the imported memory is not shared (limits flags ${flags})`);
  process.exit(1);
}
console.log(`${file}: imports a shared memory (flags 0x${flags.toString(16)})`);
