// Page objects: what a test does on a page, by data-testid.

export class Gallery {
  constructor(page, base) {
    this.page = page;
    this.base = base;
  }
  async open(query = '') {
    await this.page.goto(`${this.base}/${query}`);
    await this.page.getByTestId('gallery').waitFor();
    return this;
  }
  async ids() {
    return this.page.getByTestId('scenario-card').evaluateAll((els) => els.map((e) => e.dataset.id));
  }
  async search(text) {
    await this.page.getByTestId('gallery-search').fill(text);
  }
}

export class ScenarioPage {
  constructor(page, base) {
    this.page = page;
    this.base = base;
  }
  async open(query) {
    await this.page.goto(`${this.base}/${query}`);
    await this.page.getByTestId('scenario-page').waitFor();
    return this;
  }
  /** Waits for the current run to finish and its outcome to show. */
  async finished() {
    await this.page.getByTestId('outcome').waitFor({ timeout: 60_000 });
    await this.page.waitForFunction(() => !document.querySelector('[data-testid=progress]'));
    return this;
  }
  async result(key) {
    const cell = this.page.locator(`[data-testid=result] td[data-key="${key}"]`);
    await cell.waitFor();
    return (await cell.innerText()).trim();
  }
  async outcome() {
    return (await this.page.getByTestId('outcome').innerText()).trim();
  }
  async setParam(name, value) {
    const input = this.page.getByTestId(`param-${name}`);
    const tag = await input.evaluate((e) => `${e.tagName}:${e.type}`);
    if (tag.startsWith('SELECT')) await input.selectOption(value);
    else if (tag === 'INPUT:checkbox') await input.setChecked(value === 'true');
    else await input.fill(value);
  }
  async run() {
    await this.page.getByTestId('run').click();
    return this.finished();
  }
  async cursor() {
    return (await this.page.getByTestId('timeline-cursor').innerText()).trim();
  }
  async currentLogLine() {
    return (await this.page.locator('[data-testid=timeline-log] li.current').innerText()).trim();
  }
  async step(which) {
    await this.page.getByTestId(`timeline-${which}`).click();
  }
  url() {
    return this.page.url();
  }
}

export class RealPanel {
  constructor(page) {
    this.page = page;
  }
  async run({ engine, workers }) {
    await this.page.getByTestId('mode-real').click();
    await this.page.getByTestId('real-panel').waitFor();
    if (engine) await this.page.getByTestId('real-engine').selectOption(engine);
    if (workers) await this.page.getByTestId('real-workers').fill(String(workers));
    await this.page.getByTestId('real-run').click();
    await this.page.getByTestId('real-results').waitFor({ timeout: 180_000 });
    return this;
  }
  async text(id) {
    return (await this.page.getByTestId(id).innerText()).trim();
  }
  async value(id) {
    return this.page.getByTestId(id).getAttribute('data-value');
  }
}

export class CodePage {
  constructor(page, base) {
    this.page = page;
    this.base = base;
  }
  /** Opens `code/` with `query` and waits for the editor to load. */
  async open(query = '') {
    await this.page.goto(`${this.base}/code/${query}`);
    await this.page.getByTestId('code-page').waitFor();
    await this.page.locator('[data-testid=editor][data-state=ready]').waitFor({ timeout: 30_000 });
    return this;
  }
  /** Replaces the program as a paste into the editor would. */
  async paste(source) {
    const content = this.page.locator('.cm-content');
    await content.click();
    await this.page.keyboard.press('ControlOrMeta+a');
    await content.evaluate((el, text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, source);
  }
  async source() {
    return this.page.evaluate(() => document.querySelector('.editor-host').interleaveEditor.getDoc());
  }
  async model(label) {
    await this.page.getByTestId('python-model').selectOption(label);
  }
  /** Runs and waits for the run's outcome (or its error). */
  async run() {
    await this.page.getByTestId('run').click();
    await this.page.waitForFunction(
      () => !document.querySelector('[data-testid=progress]') &&
        (document.querySelector('[data-testid=stdout]') || document.querySelector('[data-testid=run-error]')),
      null,
      { timeout: 120_000 },
    );
    return this;
  }
  async stdout() {
    return (await this.page.getByTestId('stdout').innerText()).trim();
  }
  async stderr() {
    const e = this.page.getByTestId('stderr');
    return (await e.count()) ? (await e.innerText()).trim() : '';
  }
  /** Each thread at the cursor: [{ name, line }]. */
  async threadLines() {
    return this.page.getByTestId('thread-at').evaluateAll((els) =>
      els.map((e) => ({ name: e.dataset.name, line: Number(e.dataset.line) })));
  }
  /** The editor's gutter badges: [{ line, letters }]. */
  async gutterBadges() {
    return this.page.locator('.cm-threads').evaluateAll((els) => els
      .filter((el) => el.closest('.cm-gutterElement').style.visibility !== 'hidden')
      .map((el) => {
        const view = document.querySelector('.editor-host').interleaveEditor.view;
        const r = el.getBoundingClientRect();
        const block = view.lineBlockAtHeight(r.top + r.height / 2 - view.documentTop);
        const line = view.state.doc.lineAt(block.from).number;
        return { line, letters: [...el.querySelectorAll('.cm-thread')].map((b) => b.textContent) };
      }));
  }
  /** The line outlined as jumped to, or 0. */
  async revealedLine() {
    return this.page.evaluate(() => {
      const el = document.querySelector('.cm-jumped-line');
      if (!el) return 0;
      const view = document.querySelector('.editor-host').interleaveEditor.view;
      return view.state.doc.lineAt(view.posAtDOM(el)).number;
    });
  }
  /** The lines underlined as errors. */
  async underlined() {
    return this.page.locator('.cm-lintRange-error').evaluateAll((els) => els.map((el) => {
      const view = document.querySelector('.editor-host').interleaveEditor.view;
      return view.state.doc.lineAt(view.posAtDOM(el)).number;
    }));
  }
}
