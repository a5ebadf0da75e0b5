// Opens a generated HTML report in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core)
// and checks it against the results it was made from:
//   node browser_test.mjs --html REPORT.html --results DIR --screenshot-dir DIR
// Exit 0 when every check passes; otherwise prints each failure and exits 1. Run by reports_browser_test.
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
for (const needed of ['html', 'results', 'screenshot-dir'])
  if (!args[needed]) { console.error(`usage: node browser_test.mjs --html FILE --results DIR --screenshot-dir DIR (missing --${needed})`); process.exit(2); }

// playwright-core lives in the source tree's node_modules, found from this file's location.
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const results = JSON.parse(readFileSync(join(args.results, 'results.json'), 'utf8'));
const samples = readFileSync(join(args.results, 'samples.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const HOSTILE = '</script><img src=x onerror=alert(1)>';

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log((ok ? 'ok   ' : 'FAIL ') + what); };

const profile = mkdtempSync(join(tmpdir(), 'dream-report-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const consoleErrors = [], dialogs = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });

  await page.goto(pathToFileURL(resolve(args.html)).href);
  await page.waitForFunction(() => window.dreamReport && window.dreamReport.ready, null, { timeout: 15000 });

  // ---- charts: three per task, each holding the points of the results --------------------------
  const charts = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => {
    const chart = Chart.getChart(c);
    return { task: c.dataset.task, kind: c.dataset.kind, datasets: chart ? chart.data.datasets.map((d) => ({ label: d.label, pareto: !!d.pareto,
      data: d.data.map((p) => ({ x: p.x, y: p.y, yMin: p.yMin, yMax: p.yMax, label: p.label })), drawn: chart.getDatasetMeta(chart.data.datasets.indexOf(d)).data.length })) : null,
      xTitle: chart && chart.options.scales.x.title ? chart.options.scales.x.title.text : null };
  }));
  const tasksWithResults = results.tasks.filter((t) => results.results.some((r) => r.task === t.name));
  // Multiple-choice settings (policy mc_elbo:...) plot against Monte Carlo samples and have no tokens/s chart.
  const settingOf = (id) => results.settings.find((s) => s.id === id);
  const isLikelihood = (s) => s.policy.startsWith('mc_elbo');
  const likelihoodTask = (t) => results.results.filter((r) => r.task === t.name).every((r) => isLikelihood(settingOf(r.setting)));
  const expectedCharts = tasksWithResults.reduce((n, t) => n + (likelihoodTask(t) ? 2 : 3), 0);
  check(tasksWithResults.some(likelihoodTask) && charts.length === expectedCharts,
    `3 charts per generation task, 2 per multiple-choice task (${charts.length}/${expectedCharts})`);
  for (const c of charts) {
    check(c.datasets && c.datasets.length > 0 && c.datasets.every((d) => d.data.length > 0 && d.drawn === d.data.length),
      `${c.task} ${c.kind}: every dataset has its points drawn`);
  }
  const near = (a, b) => Math.abs(a - b) < 1e-9;
  for (const t of tasksWithResults) {
    const rows = results.results.filter((r) => r.task === t.name);
    const metric = t.primary_metric;
    const stepsOf = (id) => (isLikelihood(settingOf(id)) ? settingOf(id).options.mc_num : settingOf(id).steps);
    const acc = charts.find((c) => c.task === t.name && c.kind === 'accuracy-vs-steps');
    const points = acc ? acc.datasets.flatMap((d) => d.data) : [];
    check(points.length === rows.length, `${t.name} accuracy-vs-steps: one point per setting (${points.length}/${rows.length})`);
    for (const r of rows) {
      const m = r.metrics[metric];
      const p = points.find((q) => q.x === stepsOf(r.setting) && near(q.y, m.value));
      check(p && near(p.yMin, m.value - m.stderr) && near(p.yMax, m.value + m.stderr), `${t.name} ${r.setting}: point at ${m.value} with ± ${m.stderr}`);
      // Its tooltip names the forward passes that ran (a threshold policy's steps are only a budget).
      if (p && r.performance && r.performance.forward_passes !== undefined)
        check(p.label.endsWith(` (${r.performance.forward_passes} forward passes)`), `${t.name} ${r.setting}: tooltip "${p.label}" names the forward passes`);
    }
    const threshold = rows.some((r) => settingOf(r.setting).policy.includes('threshold'));
    check(acc && acc.xTitle === (likelihoodTask(t) ? 'Monte Carlo samples per option'
      : threshold ? 'denoising steps (a budget under threshold policies)' : 'denoising steps'), `${t.name}: x axis "${acc && acc.xTitle}"`);
    const tps = charts.find((c) => c.task === t.name && c.kind === 'tokens-per-second-vs-steps');
    if (likelihoodTask(t)) {
      check(!tps && rows.every((r) => r.performance.tokens_per_second === undefined), `${t.name}: no tokens/s for a multiple-choice task`);
    } else {
      const tpsValues = tps ? tps.datasets.flatMap((d) => d.data.map((p) => p.y)).sort() : [];
      check(JSON.stringify(tpsValues) === JSON.stringify(rows.map((r) => r.performance.tokens_per_second).sort()), `${t.name} tokens/s points match the results`);
    }
    // The Pareto front, recomputed here: no other point has lower latency and a better metric.
    const scatter = charts.find((c) => c.task === t.name && c.kind === 'accuracy-vs-latency');
    const all = rows.map((r) => ({ x: r.performance.latency_per_sample_ms.mean, y: r.metrics[metric].value }));
    const expected = all.filter((p, i) => !all.some((q, j) => (q.x <= p.x && q.y > p.y) || (q.x < p.x && q.y >= p.y) ||
      (j < i && q.x === p.x && q.y === p.y))).sort((a, b) => a.x - b.x);
    const front = scatter ? (scatter.datasets.find((d) => d.pareto) || { data: [] }).data : [];
    check(JSON.stringify(front.map((p) => [p.x, p.y])) === JSON.stringify(expected.map((p) => [p.x, p.y])),
      `${t.name} Pareto front ${JSON.stringify(front.map((p) => [p.x, p.y]))} = ${JSON.stringify(expected.map((p) => [p.x, p.y]))}`);
  }

  // ---- tables -----------------------------------------------------------------------------------
  const matrixRows = await page.locator('#score-matrix tbody tr').count();
  const metricRows = results.tasks.reduce((n, t) => n + new Set(results.results.filter((r) => r.task === t.name).flatMap((r) => Object.keys(r.metrics))).size, 0);
  check(matrixRows === metricRows, `score matrix has one row per task and metric (${matrixRows}/${metricRows})`);
  check(await page.locator('#performance-table tbody tr').count() === results.results.filter((r) => r.performance).length, 'performance table has one row per result');
  const perfNote = await page.locator('#performance').innerText();
  check(perfNote.includes('tokens/s: ' + results.results[0].performance.tokens_per_second_definition), 'performance table states the tokens/s definition');
  const prov = await page.locator('#provenance-table').innerText();
  check(prov.includes(results.provenance.model.fingerprint) && prov.includes(results.provenance.git_commit), 'provenance shows the model fingerprint and commit');

  // ---- drill-down filters ------------------------------------------------------------------------
  const shownRows = () => page.$$eval('#sample-table tbody tr.sample-row', (rows) => rows.map((r) => ({ ...r.dataset })));
  const outcome = (s) => (s.error ? 'error' : s.correct === true ? 'correct' : s.correct === false ? 'wrong' : 'graded');
  check((await shownRows()).length === Math.min(samples.length, 200), `all ${samples.length} samples listed without filters`);
  const task = results.tasks[1].name, setting = results.settings[1].id;
  await page.selectOption('#filter-task', task);
  let rows = await shownRows();
  check(rows.length === samples.filter((s) => s.task === task).length && rows.every((r) => r.task === task), `task filter: ${rows.length} rows, all ${task}`);
  await page.selectOption('#filter-setting', setting);
  rows = await shownRows();
  check(rows.length === samples.filter((s) => s.task === task && s.setting === setting).length && rows.every((r) => r.setting === setting),
    `task + setting filter: ${rows.length} rows`);
  await page.selectOption('#filter-setting', '');
  await page.selectOption('#filter-outcome', 'correct');
  rows = await shownRows();
  const correct = samples.filter((s) => s.task === task && outcome(s) === 'correct');
  check(rows.length === correct.length && rows.every((r) => r.outcome === 'correct'), `outcome filter "correct": ${rows.length}/${correct.length}`);
  await page.selectOption('#filter-outcome', 'wrong');
  rows = await shownRows();
  check(rows.length === samples.filter((s) => s.task === task && outcome(s) === 'wrong').length && rows.every((r) => r.outcome === 'wrong'), 'outcome filter "wrong"');
  const countText = await page.locator('#sample-count').innerText();
  check(countText.includes(`of ${rows.length} matching`), `count line "${countText}"`);

  // ---- hostile strings stay text ----------------------------------------------------------------
  await page.selectOption('#filter-task', '');
  await page.selectOption('#filter-outcome', '');
  const hostile = samples.find((s) => s.response.includes(HOSTILE) && s.trace);
  await page.fill('#filter-text', hostile.doc_id);
  await page.locator(`#sample-table tr.sample-row[data-setting="${hostile.setting}"][data-task="${hostile.task}"][data-doc="${hostile.doc_id}"]`).first().click();
  const response = await page.locator('#sample-detail pre.sample-response').textContent();
  check(response === hostile.response, 'hostile response shown verbatim as text');
  const prompt = await page.locator('#sample-detail pre.sample-prompt').textContent();
  check(prompt === hostile.prompt, 'prompt restored from the de-duplicated table');
  const injected = await page.evaluate(() => document.querySelectorAll('img, svg, iframe, object, embed, main b, main i').length);
  check(injected === 0, `no element injected from data (${injected})`);
  check(dialogs.length === 0, `no alert fired (${dialogs.join(', ')})`);
  const htmlText = readFileSync(args.html, 'utf8');
  check(!htmlText.includes(HOSTILE) && (htmlText.match(/<\/script/gi) || []).length === 3, 'the file holds no raw hostile markup and exactly three script elements');

  // ---- diffusion trace grid ---------------------------------------------------------------------
  const cells = await page.$$eval('#sample-detail .trace-grid .tok', (els) => els.map((e) => ({ text: e.firstChild.textContent, step: e.querySelector('.step').textContent, bg: e.style.background, never: e.classList.contains('never') })));
  check(cells.length === hostile.trace.tokens.length, `trace grid has one cell per generated token (${cells.length})`);
  check(cells.every((c, i) => c.step === (hostile.trace.tokens[i].step < 0 ? '–' : String(hostile.trace.tokens[i].step))), 'trace cells carry their reveal steps');
  const stepsShown = new Set(hostile.trace.tokens.filter((t) => t.step >= 0).map((t) => t.step));
  check(new Set(cells.filter((c) => !c.never).map((c) => c.bg)).size === stepsShown.size, 'one colour per reveal step');
  check(cells.some((c) => c.text.includes('</script>')), 'hostile token text shown as text in the trace');
  await page.locator('#sample-detail .trace-slider').fill('8');
  const masked = await page.$$eval('#sample-detail .trace-grid .tok.masked', (els) => els.length);
  check(masked === hostile.trace.tokens.filter((t) => t.step >= 8).length, `step slider masks tokens revealed at step >= 8 (${masked})`);
  await page.locator('#sample-detail .trace-slider').fill(String(hostile.trace.steps));

  // ---- a multiple-choice sample lists its options, the right and the likeliest marked -------------
  const mc = samples.find((s) => s.choices && s.choices.length >= 2);
  await page.fill('#filter-text', mc.doc_id);
  await page.selectOption('#filter-task', mc.task);
  await page.locator(`#sample-table tr.sample-row[data-setting="${mc.setting}"][data-task="${mc.task}"][data-doc="${mc.doc_id}"]`).first().click();
  const options = await page.$$eval('#sample-detail table.choices tbody tr', (rows) => rows.map((r) => ({
    text: r.cells[0].textContent, ll: r.cells[1].textContent, right: r.classList.contains('right'), likeliest: r.classList.contains('likeliest') })));
  const likeliest = mc.choices.reduce((b, c, i) => (c.loglikelihood > mc.choices[b].loglikelihood ? i : b), 0);
  check(options.length === mc.choices.length && options.every((o, i) => o.text === mc.choices[i].text && o.ll === mc.choices[i].loglikelihood.toFixed(3)),
    `options table lists every option with its log-likelihood (${options.length}/${mc.choices.length})`);
  check(options.findIndex((o) => o.likeliest) === likeliest && options.filter((o) => o.right).map((o) => o.text).join() === mc.expected,
    'the likeliest and the right option are marked');
  await page.fill('#filter-text', '');
  await page.selectOption('#filter-task', '');

  check(consoleErrors.length === 0, `no console errors or warnings${consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''}`);
  check(requests.length === 0, `no network requests${requests.length ? ': ' + requests.join(' ') : ''}`);

  mkdirSync(args['screenshot-dir'], { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(args['screenshot-dir'], 'report_full.png'), fullPage: true });
  await page.locator('#samples').screenshot({ path: join(args['screenshot-dir'], 'report_samples.png') });
  await page.locator('#charts').screenshot({ path: join(args['screenshot-dir'], 'report_charts.png') });
  console.log('screenshots in ' + resolve(args['screenshot-dir']));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\n${failures.length} check(s) failed:\n  ` + failures.join('\n  '));
  process.exit(1);
}
console.log('\nall checks passed');
