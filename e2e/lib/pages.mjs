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
