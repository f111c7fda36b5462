// Measures the playground (benchmarks, not tests): initial page weight, time to an
// interactive gallery, the primes fixture on one wasm worker vs natively, and the browser's
// shared-memory threads and process-style workers vs sequential. Medians of several runs.
//
//   node e2e/measure.mjs [--runs 5] [--weight-only]   (after `bash xtask/serve.sh` built dist/)

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

import { startServer } from './serve.mjs';
import { launch } from './lib/browser.mjs';
import { RealPanel, ScenarioPage } from './lib/pages.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 5) || 5;
// INTERLEAVE_DIST measures another build (say, the code before a change) the same way.
const DIST = process.env.INTERLEAVE_DIST
  ? `${process.env.INTERLEAVE_DIST.replace(/\/$/, '')}/`
  : new URL('../dist/', import.meta.url).pathname;
const WEIGHT_ONLY = args.includes('--weight-only');
const ROOT = new URL('..', import.meta.url).pathname;
const BASE = 'http://127.0.0.1:8095';
// A 50-line program for the code page: threads with a lock and a condition, a queue, a pool.
const FIFTY_LINES = `import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

lock = threading.Lock()
ready = threading.Condition(lock)
jobs = queue.Queue(maxsize=4)
done = []
stock = 0


def producer(n):
    global stock
    for i in range(n):
        jobs.put(i)
        with ready:
            stock += 1
            ready.notify()
    jobs.put(None)


def consumer(name):
    global stock
    while True:
        item = jobs.get()
        if item is None:
            jobs.put(None)
            break
        with ready:
            while stock == 0:
                ready.wait()
            stock -= 1
        time.sleep(0.001)
        done.append((name, item))


def square(x):
    return x * x


threads = [threading.Thread(target=producer, args=(20,))]
threads += [threading.Thread(target=consumer, args=(f"c{k}",)) for k in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with ThreadPoolExecutor(max_workers=2) as pool:
    squares = list(pool.map(square, range(10)))
print(len(done), sum(squares))
`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 1) => x.toFixed(d);

const server = await startServer({ dir: DIST, port: 8095 });
const browser = await launch();
try {
  // Page weight: everything the gallery loads, gzipped as a server would send it.
  const page = await browser.newPage();
  const loaded = new Set();
  page.on('response', (r) => loaded.add(new URL(r.url()).pathname));
  await page.goto(`${BASE}/`);
  await page.getByTestId('scenario-card').first().waitFor();
  await page.waitForLoadState('networkidle');
  let total = 0;
  const rows = [];
  for (const path of [...loaded].sort()) {
    const rel = path.replace(/^\//, '');
    const body = readFileSync(DIST + (rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel));
    const gz = gzipSync(body, { level: 9 }).length;
    total += gz;
    rows.push(`  ${path.padEnd(48)} ${fmt(body.length / 1024).padStart(8)} KiB  ${fmt(gz / 1024).padStart(7)} KiB gz`);
  }
  console.log(`initial page weight (the gallery): ${fmt(total / 1024)} KiB gzipped\n${rows.join('\n')}`);
  const engine = readFileSync(`${DIST}engine_bg.wasm`);
  console.log(`  (the engine worker, loaded with the first scenario: ${fmt(gzipSync(engine, { level: 9 }).length / 1024)} KiB gz)`);
  await page.close();
  if (WEIGHT_ONLY) process.exit(0);

  // Time to an interactive gallery: navigation start to cards that respond to a search.
  const times = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const p = await browser.newPage();
    await p.goto(`${BASE}/?lang=en`);
    await p.getByTestId('scenario-card').first().waitFor();
    await p.getByTestId('gallery-search').fill('lock');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=scenario-card]').length < 25);
    times.push(await p.evaluate(() => performance.now()));
    await p.close();
  }
  console.log(`time to an interactive gallery: median ${fmt(median(times.slice(2)))} ms over ${RUNS} loads (after 2 warm-ups)`);

  // A big timeline: draw time after a zoom (two animation frames later), median of 15.
  {
    const p = await browser.newPage();
    await p.goto(`${BASE}/?v=1&s=lock-race&p.workers=64&p.increments=1000&lang=en`);
    await p.getByTestId('outcome').waitFor({ timeout: 120_000 });
    const times = [];
    for (let i = 0; i < 15; i++) {
      const which = i % 3 === 2 ? 'timeline-fit' : 'timeline-zoom_in';
      const t = await p.evaluate(async (id) => {
        const t0 = performance.now();
        document.querySelector(`[data-testid=${id}]`).click();
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - t0;
      }, which);
      times.push(t);
    }
    const events = (await p.getByTestId('timeline-cursor').innerText()).trim();
    console.log(`big timeline (lock-race, 64 workers × 1000: 64 205 spans, ${events}): zoom/fit to painted frame median ${fmt(median(times))} ms`);
    await p.close();
  }

  // The code page: what it loads, and Run to a painted timeline for a 50-line program.
  {
    const p = await browser.newPage();
    const got = new Set();
    p.on('response', (r) => got.add(new URL(r.url()).pathname));
    const t0 = Date.now();
    await p.goto(`${BASE}/code/?v=1&lang=en`);
    await p.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 60_000 });
    await p.getByTestId('stdout').waitFor({ timeout: 60_000 });
    const firstPaint = Date.now() - t0;
    await p.waitForLoadState('networkidle');
    let codeTotal = 0;
    const codeRows = [];
    for (const path of [...got].sort()) {
      const rel = path.replace(/^\//, '');
      let body;
      try {
        body = readFileSync(DIST + (rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel));
      } catch {
        continue;
      }
      const gz = gzipSync(body, { level: 9 }).length;
      codeTotal += gz;
      codeRows.push(`  ${path.padEnd(48)} ${fmt(body.length / 1024).padStart(8)} KiB  ${fmt(gz / 1024).padStart(7)} KiB gz`);
    }
    console.log(`code page weight (code/, with the editor and the engine worker): ${fmt(codeTotal / 1024)} KiB gzipped\n${codeRows.join('\n')}`);
    console.log(`code page: navigation to its first run's output ${firstPaint} ms (editor, worker and interpreter loaded cold)`);
    await p.evaluate((src) => {
      document.querySelector('.editor-host').interleaveEditor.setDoc(src);
    }, FIFTY_LINES);
    const runs = [];
    for (let i = 0; i < RUNS + 2; i++) {
      runs.push(await p.evaluate(async () => {
        const page = document.querySelector('[data-testid=code-page]');
        const before = Number(page.dataset.traces);
        const t0 = performance.now();
        document.querySelector('[data-testid=run]').click();
        const deadline = t0 + 60_000;
        while (Number(page.dataset.traces) === before) {
          if (performance.now() > deadline) throw new Error('no trace within a minute');
          await new Promise((r) => setTimeout(r, 1));
        }
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - t0;
      }));
    }
    const printed = (await p.getByTestId('stdout').innerText()).trim();
    if (printed !== '20 285') throw new Error(`the 50-line program printed ${printed}`);
    const lines = FIFTY_LINES.trimEnd().split('\n').length;
    const events = (await p.getByTestId('timeline-cursor').innerText()).trim();
    console.log(`code page: Run to a painted timeline for a ${lines}-line program (${events}): median ${fmt(median(runs.slice(2)))} ms over ${RUNS} runs (after 2 warm-ups)`);
    await p.close();
  }

  // Real primes: the sequential baseline (one process-style worker) and two parallel engines.
  const seq = [];
  const speed = { threads: [], processes: [] };
  const par = { threads: [], processes: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const engineName of ['threads', 'processes']) {
      const p = await browser.newPage();
      await new ScenarioPage(p, BASE).open('?v=1&s=primes');
      const real = await new RealPanel(p).run({ engine: engineName, workers: 2 });
      seq.push(parseFloat(await real.text('real-seq-ms')));
      par[engineName].push(parseFloat(await real.text('real-par-ms')));
      speed[engineName].push(Number(await real.value('real-speedup')));
      await p.close();
    }
  }
  console.log(`primes fixture (20 numbers, faithful kernel), browser:`);
  console.log(`  one wasm worker (sequential): median ${fmt(median(seq))} ms over ${seq.length} runs`);
  for (const e of ['threads', 'processes']) {
    console.log(`  2 × ${e.padEnd(9)}: median ${fmt(median(par[e]))} ms, speedup vs sequential median ${fmt(median(speed[e]), 2)}×`);
  }

  // The same work natively, one thread, with the same kernel (and the scalar reference).
  const cli = `${ROOT}target/release/interleave`;
  try {
    execFileSync('cargo', ['build', '--release', '-q', '-p', 'interleave-cli'], { cwd: ROOT, stdio: 'inherit' });
    for (const kernel of ['faithful', 'reference']) {
      const walls = [];
      for (let i = 0; i < RUNS; i++) {
        const out = JSON.parse(
          execFileSync(cli, ['run', 'primes', '--mode', 'real', '--set', 'mode=sequential', '--kernel', kernel, '--format', 'json'], { cwd: ROOT }),
        );
        walls.push(out.result.wall_s * 1000);
      }
      console.log(`  native, one thread, ${kernel} kernel: median ${fmt(median(walls))} ms → wasm / native = ${fmt(median(seq) / median(walls), 2)}`);
    }
  } catch (e) {
    console.log(`  native comparison skipped: ${e.message}`);
  }
} finally {
  await browser.close();
  server.close();
}
