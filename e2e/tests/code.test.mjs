// End-to-end tests of the code page ("Write your own", under code/): a pasted program runs
// with its threads named as Python names them, the editor marks each thread's line at the
// cursor, errors are underlined, links and embeds carry the code, the Python model changes
// what `+=` gives, and Explore finds a lost update and replays it.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../serve.mjs';
import { ARTIFACTS, launch } from '../lib/browser.mjs';
import { CodePage, Gallery } from '../lib/pages.mjs';

const DIST = new URL('../../dist/', import.meta.url).pathname;
const BASE = 'http://127.0.0.1:8096';
const HOST = 'http://127.0.0.1:8097';

// Two workers that take turns with a lock, sleeping while they hold it, so both are alive at
// once.
const TAKING_TURNS = `import threading
import time

lock = threading.Lock()
total = 0

def work(n):
    global total
    for _ in range(n):
        with lock:
            time.sleep(0.001)
            total += 1

threads = [threading.Thread(target=work, args=(3,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(total)
`;

const TWO_WORKERS = `import threading

lock = threading.Lock()
total = 0

def work(n):
    global total
    for _ in range(n):
        with lock:
            total += 1

threads = [threading.Thread(target=work, args=(3,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(total)
`;

let servers = [];
let browser;
let embedQuery = '';

before(async () => {
  servers.push(await startServer({ dir: DIST, port: 8096 }));
  // A foreign page (another origin) that embeds a program of its own.
  const host = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>host</title><h1>Someone else's course notes</h1>
      <iframe src="${BASE}/code/${embedQuery}" style="width:100%;border:0;height:900px" title="Interleave"></iframe>`);
  });
  await new Promise((ok) => host.listen(8097, '127.0.0.1', ok));
  servers.push(host);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

function clean() {
  assert.deepEqual(browser.problems.splice(0), [], 'page errors or console errors');
}

describe('code page', () => {
  test('the gallery leads to it, and a pasted program runs with its threads named', async () => {
    const page = await browser.newPage();
    await new Gallery(page, BASE).open();
    await page.getByTestId('write-own').click();
    const c = new CodePage(page, BASE);
    await page.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
    await c.paste(TWO_WORKERS);
    assert.equal(await c.source(), TWO_WORKERS);
    await c.run();
    assert.equal(await c.stdout(), '6');
    const log = await page.getByTestId('timeline-log').innerText();
    assert.match(log, /Thread-1 \(work\)/);
    assert.match(log, /main\.py:\d+/);
    await page.close();
    clean();
  });

  test('the cursor marks each thread\'s line; clicking an event reveals its line', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await c.paste(TAKING_TURNS);
    await c.run();
    // Step until both workers have a line.
    let threads = [];
    for (let i = 0; i < 200 && threads.filter((t) => t.name.startsWith('Thread-')).length < 2; i++) {
      await page.getByTestId('timeline-next').click();
      threads = await c.threadLines();
    }
    const workers = threads.filter((t) => t.name.startsWith('Thread-'));
    assert.equal(workers.length, 2, JSON.stringify(threads));
    const badges = await c.gutterBadges();
    for (const t of threads) {
      assert.ok(badges.some((b) => b.line === t.line), `a badge on line ${t.line}: ${JSON.stringify(badges)}`);
    }
    assert.ok(badges.every((b) => b.letters.every((l) => /^[A-Z]+$/.test(l))), JSON.stringify(badges));
    // Keyboard stepping moves the marks too.
    await page.locator('.tl-canvas').focus();
    await page.keyboard.press('End');
    const atEnd = await c.threadLines();
    assert.ok(atEnd.every((t) => !t.name.startsWith('Thread-')), `finished threads are not marked: ${JSON.stringify(atEnd)}`);
    // An event of the log: its line is revealed in the editor.
    const entry = page.locator('[data-testid=timeline-log] li button', { hasText: 'main.py:' }).first();
    const text = await entry.innerText();
    const line = Number(text.match(/main\.py:(\d+)/)[1]);
    await entry.click();
    await page.waitForFunction((n) => {
      const el = document.querySelector('.cm-jumped-line');
      const view = document.querySelector('.editor-host').interleaveEditor.view;
      return el && view.state.doc.lineAt(view.posAtDOM(el)).number === n;
    }, line);
    assert.equal(await c.revealedLine(), line);
    // Hovering a line rings the events it produced: line 10 (`with lock:`) acquires and
    // releases, six times each at least.
    const box = await page.locator('.cm-line').nth(9).boundingBox();
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=timeline]').dataset.ringed) >= 12);
    await page.mouse.move(5, 5);
    await page.waitForFunction(() => !document.querySelector('[data-testid=timeline]').dataset.ringed);
    await page.screenshot({ path: `${ARTIFACTS}/code-wide-en.png`, fullPage: true });
    await page.close();
    clean();
  });

  test('a syntax error is underlined and reported; an unsupported import is named', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await c.paste('x = 1\nif x\n    print(x)\n');
    await c.run();
    const err = await page.getByTestId('run-error').innerText();
    assert.match(err, /SyntaxError/);
    assert.match(err, /line 2/);
    await page.locator('.cm-lintRange-error').first().waitFor();
    assert.deepEqual(await c.underlined(), [2]);
    await c.paste('import threading\nimport tkinter\n');
    await c.run();
    assert.match(await c.stderr(), /not supported in the playground: `import tkinter`/);
    await page.locator('.cm-lintRange-error').first().waitFor();
    assert.deepEqual(await c.underlined(), [2]);
    // Chinese: the same error in Chinese.
    await c.paste('def f(:\n    pass\n');
    await page.getByTestId('lang-switch').click();
    await c.run();
    assert.match(await page.getByTestId('run-error').innerText(), /语法错误/);
    await page.getByTestId('lang-switch').click();
    await page.close();
    clean();
  });

  test('a permalink carries the program into a fresh browser', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await c.paste(TWO_WORKERS);
    await c.model('3.9');
    await c.run();
    const url = page.url();
    assert.match(url, /code=1[A-Za-z0-9_-]+/);
    assert.match(url, /py=3\.9/);
    await page.close();
    const other = await launch();
    try {
      const p2 = await other.newPage();
      const c2 = new CodePage(p2, BASE);
      await p2.goto(url);
      await p2.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
      assert.equal(await c2.source(), TWO_WORKERS);
      assert.equal(await p2.getByTestId('python-model').inputValue(), '3.9');
      await p2.getByTestId('stdout').waitFor({ timeout: 60_000 });
      assert.equal(await c2.stdout(), '6');
      assert.deepEqual(other.problems, []);
    } finally {
      await other.close();
    }
    clean();
  });

  test('an embed of the user\'s own program works in a cross-origin iframe', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await c.paste(TWO_WORKERS);
    const snippet = await page.getByTestId('embed-snippet').textContent();
    const src = snippet.match(/src="([^"]+)"/)[1];
    assert.match(src, /embed=1/);
    embedQuery = src.slice(src.indexOf('/code/') + '/code/'.length);
    await page.goto(`${HOST}/`);
    const frame = page.frameLocator('iframe');
    await frame.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
    await frame.getByTestId('stdout').waitFor({ timeout: 60_000 });
    assert.equal((await frame.getByTestId('stdout').innerText()).trim(), '6');
    assert.equal(await frame.getByTestId('back').count(), 0, 'an embed has no navigation');
    await page.close();
    clean();
  });

  test('the Python model decides whether counter += 1 loses updates', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await page.getByTestId('starter').selectOption('plus-equals');
    const totals = {};
    for (const model of ['3.11', '3.9', '3.13t']) {
      await c.model(model);
      await c.run();
      totals[model] = Number(await c.stdout());
    }
    assert.equal(totals['3.11'], 400000, JSON.stringify(totals));
    assert.ok(totals['3.9'] < 400000 && totals['3.9'] >= 200000, JSON.stringify(totals));
    assert.ok(totals['3.13t'] < 400000 && totals['3.13t'] >= 200000, JSON.stringify(totals));
    // "All three": the explorer under each model, side by side.
    await page.getByTestId('mode-explore').click();
    await page.getByTestId('explore-strategy').selectOption('random');
    await page.getByTestId('explore-budget').fill('3');
    await page.getByTestId('explore-compare').click();
    await page.getByTestId('compare-result').waitFor({ timeout: 120_000 });
    const columns = await page.getByTestId('compare-column').evaluateAll((els) => els.map((el) => ({
      python: el.dataset.python,
      printed: [...el.querySelectorAll('[data-testid=compare-outcome] .label')]
        .map((l) => Number(l.textContent.split(': ').pop())),
    })));
    assert.deepEqual(columns.map((c) => c.python), ['3.11', '3.9', '3.13t']);
    assert.deepEqual(columns[0].printed, [400000], JSON.stringify(columns));
    for (const c of columns.slice(1)) {
      assert.ok(c.printed.length >= 1 && c.printed.every((n) => n < 400000 && n >= 200000), JSON.stringify(c));
    }
    await page.screenshot({ path: `${ARTIFACTS}/code-compare.png`, fullPage: true });
    await page.close();
    clean();
  });

  test('Explore finds the lost update of a read/sleep/write program and replays it', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await page.getByTestId('starter').selectOption('lost-update');
    await page.getByTestId('mode-explore').click();
    await page.getByTestId('explore-run').click();
    await page.getByTestId('explore-result').waitFor({ timeout: 60_000 });
    const failing = page.locator('[data-testid=explore-outcome][data-failing=true]');
    assert.ok((await failing.count()) >= 1);
    const label = await failing.first().innerText();
    assert.match(label, /AssertionError: balance is (50|70)/, label);
    assert.ok((await page.locator('[data-testid=explore-outcome][data-failing=false]').count()) >= 1);
    await failing.first().click();
    await page.getByTestId('stderr').waitFor({ timeout: 60_000 });
    assert.match(await c.stderr(), /AssertionError: balance is (50|70)/);
    assert.match(await page.getByTestId('replay').inputValue(), /^v1:/);
    // The assert's line is underlined.
    await page.locator('.cm-lintRange-error').first().waitFor();
    assert.deepEqual(await c.underlined(), [18]);
    await page.close();
    clean();
  });

  test('leaving during a run and narrow and Chinese layouts leave no errors', async () => {
    const page = await browser.newPage();
    const c = new CodePage(page, BASE);
    await c.open();
    await page.getByTestId('starter').selectOption('plus-equals');
    await c.model('3.13t');
    await page.getByTestId('run').click();
    await page.getByTestId('back').click();
    await page.getByTestId('gallery').waitFor();
    // Narrow and Chinese: stacked, and every text in Chinese.
    await page.setViewportSize({ width: 420, height: 900 });
    await page.goto(`${BASE}/code/?v=1&lang=zh`);
    await page.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
    await c.paste(TWO_WORKERS);
    await c.run();
    for (let i = 0; i < 30; i++) await page.getByTestId('timeline-next').click();
    assert.match(await page.getByTestId('code-page').innerText(), /你的程序/);
    await page.screenshot({ path: `${ARTIFACTS}/code-narrow-zh.png`, fullPage: true });
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.reload();
    await page.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
    await page.getByTestId('stdout').waitFor({ timeout: 60_000 });
    for (let i = 0; i < 30; i++) await page.getByTestId('timeline-next').click();
    await page.screenshot({ path: `${ARTIFACTS}/code-wide-zh.png`, fullPage: true });
    await page.setViewportSize({ width: 420, height: 900 });
    await page.goto(`${BASE}/code/?v=1&lang=en`);
    await page.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
    await page.getByTestId('stdout').waitFor({ timeout: 60_000 });
    for (let i = 0; i < 30; i++) await page.getByTestId('timeline-next').click();
    await page.screenshot({ path: `${ARTIFACTS}/code-narrow-en.png`, fullPage: true });
    await page.close();
    clean();
  });
});
