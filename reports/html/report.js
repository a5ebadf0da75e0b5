// dream-eval HTML report: renders results.json + samples embedded in #report-data.
// Every string that comes from results or samples is put on the page with textContent or as a chart
// label, never parsed as HTML, so model output that holds markup or a closing script tag stays text.
'use strict';
(function () {
  const payload = JSON.parse(document.getElementById('report-data').textContent);
  const results = payload.results;
  const prompts = payload.prompts || {};
  const samples = payload.samples || [];
  const app = document.getElementById('app');

  // What the browser test inspects: every chart with its task and kind.
  const report = { charts: [], sampleRowsShown: 0 };
  window.dreamReport = report;

  // ---- small helpers ----------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
  const fmt = (x, digits = 4) => (isNum(x) ? x.toFixed(digits) : '–');
  const fmtInt = (x) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–');
  const fmtMs = (x) => (isNum(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '–');
  const fmtGiB = (bytes) => (isNum(bytes) ? (bytes / 2 ** 30).toFixed(2) : '–');
  const section = (id, title, ...body) => el('section', { id }, el('h2', { text: title }), ...body);

  const settingsById = new Map(results.settings.map((s) => [s.id, s]));
  const tasksByName = new Map(results.tasks.map((t) => [t.name, t]));
  const settingLabel = (id) => (settingsById.get(id) ? settingsById.get(id).label || id : id);
  const resultRows = (task) => results.results.filter((r) => r.task === task);
  function primaryMetric(task) {
    const t = tasksByName.get(task);
    if (t && t.primary_metric) return t.primary_metric;
    for (const r of resultRows(task)) for (const name of Object.keys(r.metrics)) return name;
    return '';
  }
  // Settings in the order of the file, restricted to those with results.
  const usedSettings = results.settings.filter((s) => results.results.some((r) => r.setting === s.id));

  // Colour-blind-safe palette (Okabe-Ito, then Tableau) for chart series.
  const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8c564b',
    '#7f7f7f', '#bcbd22'];

  // ---- header -----------------------------------------------------------------------------------
  (function header() {
    const p = results.provenance || {};
    const sub = document.getElementById('subtitle');
    const parts = [p.model && p.model.path ? 'model ' + p.model.path : null, p.device, p.dtype,
      p.finished_at || p.started_at, results.tasks.length + ' task(s)', usedSettings.length + ' setting(s)',
      samples.length + ' sample(s)'];
    for (const part of parts) if (part) sub.appendChild(el('span', { text: part }));
  })();

  // ---- series: settings that differ only in steps form one line ---------------------------------
  const axisNames = ['alg', 'temperature', 'top_p', 'top_k', 'alg_temp', 'max_new_tokens', 'seed', 'policy'];
  // Multiple-choice settings (policy "mc_elbo:...") decode nothing: their x axis is the Monte Carlo samples
  // per option, and the settings of one estimator that differ only in that count form one line.
  const isLikelihood = (s) => String(s.policy || '').startsWith('mc_elbo');
  const xOf = (s) => (isLikelihood(s) && s.options && isNum(s.options.mc_num) ? s.options.mc_num : s.steps);
  const seriesKey = (s) => (isLikelihood(s)
    ? 'mc_elbo,seed=' + s.seed + ',batch=' + s.options.mc_batch_size + ',eps=' + s.options.sampling_eps
    : axisNames.map((a) => a + '=' + JSON.stringify(s[a])).join(','));
  // Labels name only the axes that vary between series, so legends stay short.
  function seriesOf(settings) {
    const groups = new Map();
    for (const s of settings) {
      const key = seriesKey(s);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(s);
    }
    const list = [...groups.values()];
    const varying = axisNames.filter((a) => new Set(list.map((g) => JSON.stringify(g[0][a]))).size > 1);
    const shown = varying.length ? varying : ['alg', 'temperature'];
    const short = { temperature: 'T', max_new_tokens: 'len', alg_temp: 'alg_T' };
    return list.map((g, i) => ({
      label: isLikelihood(g[0]) ? 'MC ELBO' + (list.length > 1 ? ' seed=' + g[0].seed : '')
        : shown.map((a) => (a === 'alg' || a === 'policy' ? String(g[0][a]) : (short[a] || a) + '=' +
          (g[0][a] === null ? 'off' : g[0][a]))).join(' '),
      settings: g.slice().sort((a, b) => xOf(a) - xOf(b)),
      color: palette[i % palette.length],
    }));
  }

  // ---- score matrix -----------------------------------------------------------------------------
  function scoreMatrix() {
    const metricRows = [];
    for (const t of results.tasks) {
      const names = new Set();
      for (const r of resultRows(t.name)) Object.keys(r.metrics).forEach((n) => names.add(n));
      const primary = primaryMetric(t.name);
      const ordered = [...names].sort((a, b) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
      for (const m of ordered) metricRows.push({ task: t, metric: m });
    }
    if (!metricRows.length) return el('p', { class: 'empty', text: 'No results.' });
    const head = el('tr', {}, el('th', { text: 'Task' }), el('th', { text: 'Version' }), el('th', { class: 'num', text: 'n-shot' }),
      el('th', { text: 'Metric' }), el('th', { class: 'num', text: 'n' }),
      usedSettings.map((s) => el('th', { class: 'num setting-head', title: s.id, text: s.label || s.id })));
    const body = metricRows.map(({ task, metric }) => {
      const cells = usedSettings.map((s) => {
        const r = results.results.find((x) => x.task === task.name && x.setting === s.id);
        return r && r.metrics[metric] ? r.metrics[metric] : null;
      });
      const values = cells.filter((c) => c && isNum(c.value)).map((c) => c.value);
      const best = values.length > 1 ? (task.higher_is_better === false ? Math.min(...values) : Math.max(...values)) : NaN;
      const n = resultRows(task.name).map((r) => r.n_samples && r.n_samples.effective).filter(isNum);
      const [metricName, filter] = metric.split(',');
      return el('tr', {},
        el('td', { text: task.name }), el('td', { text: task.version }), el('td', { class: 'num', text: String(task.n_shot) }),
        el('td', {}, metricName, filter ? el('span', { class: 'pm', text: ' (' + filter + ')' }) : null),
        el('td', { class: 'num', text: n.length ? String(Math.max(...n)) : '–' }),
        cells.map((c) => el('td', { class: 'num' + (c && c.value === best ? ' best' : '') },
          c ? fmt(c.value) : '–', c && isNum(c.stderr) ? el('span', { class: 'pm', text: ' ± ' + fmt(c.stderr) }) : null)));
    });
    return el('div', { class: 'card' },
      el('div', { class: 'table-wrap' }, el('table', { id: 'score-matrix' }, el('thead', {}, head), el('tbody', {}, body))),
      el('p', { class: 'note', text: 'Value ± bootstrap standard error. Bold: best setting of the row. Hover a setting for its full id.' }));
  }

  // ---- charts -----------------------------------------------------------------------------------
  // Chart.js has no error bars of its own: draw them after the datasets, from yMin/yMax of each point.
  const errorBars = {
    id: 'dreamErrorBars',
    afterDatasetsDraw(chart) {
      const { ctx, scales } = chart;
      chart.data.datasets.forEach((ds, i) => {
        const meta = chart.getDatasetMeta(i);
        if (!ds.errorBars || !chart.isDatasetVisible(i)) return;
        meta.data.forEach((pt, j) => {
          const d = ds.data[j];
          if (!d || !isNum(d.yMin) || !isNum(d.yMax)) return;
          const top = scales.y.getPixelForValue(d.yMax), bottom = scales.y.getPixelForValue(d.yMin);
          ctx.save();
          ctx.strokeStyle = ds.borderColor;
          ctx.lineWidth = 1.3;
          ctx.beginPath();
          ctx.moveTo(pt.x, top); ctx.lineTo(pt.x, bottom);
          ctx.moveTo(pt.x - 4, top); ctx.lineTo(pt.x + 4, top);
          ctx.moveTo(pt.x - 4, bottom); ctx.lineTo(pt.x + 4, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    },
  };

  function stepsAxis(settings) {
    const steps = [...new Set(settings.map(xOf))].sort((a, b) => a - b);
    // Steps are usually powers of two: a log axis spaces them evenly; ticks only at the steps used.
    const log = steps.length > 1 && steps[0] > 0;
    // Pad the range so the first and last points (and their error bars) are not cut at the plot edge.
    const pad = log ? Math.pow(steps[steps.length - 1] / steps[0], 0.06) : 0;
    return {
      type: log ? 'logarithmic' : 'linear',
      min: log ? steps[0] / pad : undefined,
      max: log ? steps[steps.length - 1] * pad : undefined,
      offset: !log,
      title: { display: true, text: settings.length && settings.every(isLikelihood) ? 'Monte Carlo samples per option'
        : settings.some((s) => String(s.policy || '').includes('threshold')) ? 'denoising steps (a budget under threshold policies)'
          : 'denoising steps' },
      afterBuildTicks: (axis) => { axis.ticks = steps.map((v) => ({ value: v })); },
      ticks: { callback: (v) => String(v) },
    };
  }

  function baseOptions(title, xAxis, yTitle) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', intersect: false },
      plugins: {
        title: { display: true, text: title, font: { size: 13, weight: '600' } },
        legend: { position: 'bottom', labels: { boxWidth: 14, font: { size: 11 } } },
        tooltip: { callbacks: { label: (c) => (c.raw && c.raw.label ? c.raw.label + ': ' : c.dataset.label + ': ') + fmt(c.parsed.y, 3) } },
      },
      scales: { x: xAxis, y: { title: { display: true, text: yTitle }, grace: '5%' } },
    };
  }

  function addChart(box, task, kind, config) {
    const canvas = el('canvas', { 'data-task': task, 'data-kind': kind, role: 'img', 'aria-label': kind + ' for ' + task });
    box.appendChild(canvas);
    const chart = new Chart(canvas, config);
    report.charts.push({ task, kind, chart });
  }

  function noData(box, text) { box.appendChild(el('div', { class: 'no-data', text })); }

  function taskCharts(task) {
    const rows = resultRows(task.name);
    const metric = primaryMetric(task.name);
    const settings = usedSettings.filter((s) => rows.some((r) => r.setting === s.id));
    const series = seriesOf(settings);
    const rowOf = (s) => rows.find((r) => r.setting === s.id);
    const metricOf = (s) => (rowOf(s) && rowOf(s).metrics[metric]) || null;
    const perfOf = (s) => (rowOf(s) && rowOf(s).performance) || null;

    const accBox = el('div', { class: 'chart-box' });
    const tpsBox = el('div', { class: 'chart-box' });
    const paretoBox = el('div', { class: 'chart-box' });

    // accuracy vs steps, error bars from stderr
    const accSets = series.map((sr) => ({
      label: sr.label, borderColor: sr.color, backgroundColor: sr.color, errorBars: true, tension: 0,
      data: sr.settings.filter((s) => metricOf(s) && isNum(metricOf(s).value)).map((s) => {
        const m = metricOf(s);
        const se = isNum(m.stderr) ? m.stderr : null;
        // Under a threshold policy the steps are a budget: the tooltip says how many forward passes ran.
        const passes = perfOf(s) && isNum(perfOf(s).forward_passes) ? ' (' + perfOf(s).forward_passes + ' forward passes)' : '';
        return { x: xOf(s), y: m.value, yMin: se === null ? null : m.value - se, yMax: se === null ? null : m.value + se, label: (s.label || s.id) + passes };
      }),
    })).filter((d) => d.data.length);
    if (accSets.length) {
      const versus = settings.every(isLikelihood) ? ' vs Monte Carlo samples (± stderr)' : ' vs steps (± stderr)';
      const options = baseOptions(metric + versus, stepsAxis(settings), metric.split(',')[0]);
      // The y range must hold the error bars too; a metric that lives in [0, 1] stays inside it.
      const ends = accSets.flatMap((d) => d.data.flatMap((p) => [p.y, p.yMin, p.yMax])).filter(isNum);
      const values = accSets.flatMap((d) => d.data.map((p) => p.y));
      const unit = values.every((v) => v >= 0 && v <= 1);
      if (unit) { options.scales.y.min = 0; options.scales.y.max = 1; }
      else { options.scales.y.suggestedMin = Math.min(...ends); options.scales.y.suggestedMax = Math.max(...ends); }
      addChart(accBox, task.name, 'accuracy-vs-steps', { type: 'line', data: { datasets: accSets }, options, plugins: [errorBars] });
    } else noData(accBox, 'no metric values');

    // tokens/s vs steps
    const tpsSets = series.map((sr) => ({
      label: sr.label, borderColor: sr.color, backgroundColor: sr.color, tension: 0,
      data: sr.settings.filter((s) => perfOf(s) && isNum(perfOf(s).tokens_per_second))
        .map((s) => ({ x: xOf(s), y: perfOf(s).tokens_per_second, label: s.label || s.id })),
    })).filter((d) => d.data.length);
    if (tpsSets.length) {
      addChart(tpsBox, task.name, 'tokens-per-second-vs-steps', { type: 'line', data: { datasets: tpsSets },
        options: baseOptions('generated tokens/s vs steps', stepsAxis(settings), 'tokens/s') });
    } else noData(tpsBox, settings.length && settings.every(isLikelihood) ? 'nothing generated: options are scored by log-likelihood' : 'no performance measured');

    // accuracy vs latency with the Pareto front (lower latency and better metric both win)
    const points = [];
    const scatterSets = series.map((sr) => {
      const data = sr.settings.filter((s) => metricOf(s) && isNum(metricOf(s).value) && perfOf(s) &&
        perfOf(s).latency_per_sample_ms && isNum(perfOf(s).latency_per_sample_ms.mean))
        .map((s) => ({ x: perfOf(s).latency_per_sample_ms.mean, y: metricOf(s).value, label: s.label || s.id }));
      points.push(...data);
      return { label: sr.label, data, borderColor: sr.color, backgroundColor: sr.color, pointRadius: 4.5, showLine: false };
    }).filter((d) => d.data.length);
    if (scatterSets.length) {
      const better = task.higher_is_better === false ? (a, b) => a < b : (a, b) => a > b;
      const front = [];
      for (const p of points.slice().sort((a, b) => a.x - b.x || (better(a.y, b.y) ? -1 : 1)))
        if (!front.length || better(p.y, front[front.length - 1].y)) front.push(p);
      scatterSets.push({ label: 'Pareto front', data: front, type: 'line', stepped: 'before', borderColor: '#444',
        backgroundColor: '#0000', borderDash: [5, 4], borderWidth: 1.5, pointRadius: 8, pointStyle: 'circle',
        pointBorderWidth: 1.5, pointBackgroundColor: '#0000', pareto: true });
      const opts = baseOptions(metric + ' vs latency per sample', { type: 'linear', title: { display: true, text: 'mean latency per sample (ms)' } },
        metric.split(',')[0]);
      if (points.every((p) => p.y >= 0 && p.y <= 1)) { opts.scales.y.min = 0; opts.scales.y.max = 1; }
      opts.plugins.tooltip.callbacks.label = (c) => (c.raw.label || '') + ': ' + fmt(c.parsed.y, 3) + ' @ ' + fmtMs(c.parsed.x) + ' ms';
      addChart(paretoBox, task.name, 'accuracy-vs-latency', { type: 'scatter', data: { datasets: scatterSets }, options: opts });
    } else noData(paretoBox, 'no latency measured');

    return el('div', { class: 'card task-charts', 'data-task': task.name },
      el('h3', {}, task.name, el('span', { class: 'meta', text: 'version ' + task.version + ' · ' + task.n_shot + '-shot · ' + metric })),
      el('div', { class: 'chart-grid' }, accBox, tpsBox, paretoBox));
  }

  // ---- performance ------------------------------------------------------------------------------
  function performanceTable() {
    // Grouped by task, then in the order of the settings, like the score matrix.
    const rows = results.tasks.flatMap((t) => results.settings.map((s) =>
      results.results.find((r) => r.task === t.name && r.setting === s.id && r.performance))).filter(Boolean);
    if (!rows.length) return el('p', { class: 'empty', text: 'No performance was measured (e.g. results scored from external generations).' });
    const heads = [['Task'], ['Setting'], ['steps', 1], ['batch', 1], ['forward passes', 1], ['ms / step', 1],
      ['latency mean ms', 1], ['median ms', 1], ['p90 ms', 1], ['gen. tokens', 1], ['tokens/s', 1], ['peak mem GiB', 1], ['wall s', 1]];
    const body = rows.map((r) => {
      const p = r.performance, s = settingsById.get(r.setting) || {}, l = p.latency_per_sample_ms || {};
      return el('tr', {}, el('td', { text: r.task }), el('td', { title: r.setting, text: settingLabel(r.setting) }),
        el('td', { class: 'num', text: s.steps === undefined || isLikelihood(s) ? '–' : String(s.steps) }),
        el('td', { class: 'num', text: fmtInt(p.batch_size) }), el('td', { class: 'num', text: fmtInt(p.forward_passes) }),
        el('td', { class: 'num', text: fmtMs(p.ms_per_step) }), el('td', { class: 'num', text: fmtMs(l.mean) }),
        el('td', { class: 'num', text: fmtMs(l.median) }), el('td', { class: 'num', text: fmtMs(l.p90) }),
        el('td', { class: 'num', text: fmtInt(p.generated_tokens) }), el('td', { class: 'num', text: isNum(p.tokens_per_second) ? p.tokens_per_second.toFixed(1) : '–' }),
        el('td', { class: 'num', text: fmtGiB(p.peak_memory_bytes) }), el('td', { class: 'num', text: isNum(p.wall_time_s) ? p.wall_time_s.toFixed(1) : '–' }));
    });
    const definitions = [...new Set(rows.map((r) => r.performance.tokens_per_second_definition).filter(Boolean))];
    const prov = results.provenance || {};
    return el('div', { class: 'card' },
      el('div', { class: 'table-wrap' }, el('table', { id: 'performance-table' },
        el('thead', {}, el('tr', {}, heads.map(([h, num]) => el('th', { class: num ? 'num' : null, text: h })))), el('tbody', {}, body))),
      definitions.map((d) => el('p', { class: 'note', text: 'tokens/s: ' + d + '.' })),
      el('p', { class: 'note', text: 'Device: ' + (prov.device || 'unknown') + ', dtype ' + (prov.dtype || 'unknown') +
        '. ms / step: wall time of one denoising step of one batch. Latency: from batch start to the sample\u2019s last step.' }));
  }

  // ---- comparisons ------------------------------------------------------------------------------
  function comparisonsTable() {
    const cs = results.comparisons || [];
    if (!cs.length) return el('p', { class: 'empty', text: 'No paired comparisons in these results (dream-eval compare A B computes them between runs).' });
    const body = cs.map((c) => el('tr', {}, el('td', { text: c.task }), el('td', { text: c.metric }),
      el('td', { title: c.setting_a, text: settingLabel(c.setting_a) }), el('td', { title: c.setting_b, text: settingLabel(c.setting_b) }),
      el('td', { class: 'num', text: fmt(c.value_a) }), el('td', { class: 'num', text: fmt(c.value_b) }),
      el('td', { class: 'num ' + (c.p_value < 0.05 ? (c.delta > 0 ? 'best' : '') : ''), text: (c.delta > 0 ? '+' : '') + fmt(c.delta) }),
      el('td', { class: 'num', text: !isNum(c.p_value) ? '–' : c.p_value < 1e-4 ? c.p_value.toExponential(2) : c.p_value.toPrecision(3) }), el('td', { class: 'num', text: String(c.n_shared) }),
      el('td', { text: c.method })));
    return el('div', { class: 'card' }, el('div', { class: 'table-wrap' }, el('table', { id: 'comparisons-table' },
      el('thead', {}, el('tr', {}, ['Task', 'Metric', 'Setting A', 'Setting B', 'A', 'B', 'Δ (B − A)', 'p', 'n shared', 'test']
        .map((h, i) => el('th', { class: i >= 4 && i <= 8 ? 'num' : null, text: h })))), el('tbody', {}, body))),
      el('p', { class: 'note', text: 'Means over the documents both settings scored; two-sided p-values of a paired test on those documents.' }));
  }

  // ---- samples drill-down -----------------------------------------------------------------------
  const PAGE = 200;
  function outcomeOf(s) {
    if (s.error) return 'error';
    if (s.correct === true) return 'correct';
    if (s.correct === false) return 'wrong';
    return 'graded';
  }
  const outcomeText = { correct: 'correct', wrong: 'wrong', error: 'error', graded: 'graded' };

  function visibleText(t) {
    if (t === '') return '∅';
    return t.replace(/ /g, '·').replace(/\n/g, '⏎').replace(/\t/g, '⇥');
  }

  // Viridis stops: early steps dark blue, late steps yellow.
  const viridis = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
  function stepColour(step, steps) {
    const t = steps > 1 ? step / (steps - 1) : 0;
    const pos = t * (viridis.length - 1), i = Math.min(Math.floor(pos), viridis.length - 2), f = pos - i;
    const a = viridis[i], b = viridis[i + 1];
    const mix = (k) => Math.round(parseInt(a.substr(k, 2), 16) * (1 - f) + parseInt(b.substr(k, 2), 16) * f);
    const rgb = [mix(1), mix(3), mix(5)];
    return { bg: 'rgb(' + rgb.join(',') + ')', fg: 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 ? '#111' : '#fff' };
  }

  function traceView(trace) {
    const steps = trace.steps;
    const grid = el('div', { class: 'trace-grid' });
    const cells = trace.tokens.map((t, pos) => {
      const c = stepColour(Math.max(t.step, 0), steps);
      const cell = el('span', { class: 'tok' + (t.step < 0 ? ' never' : ''), title: 'position ' + pos + ', ' +
        (t.step < 0 ? 'never revealed' : 'revealed at step ' + t.step) + (t.id !== undefined ? ', id ' + t.id : '') },
      visibleText(t.text), el('span', { class: 'step', text: t.step < 0 ? '–' : String(t.step) }));
      if (t.step >= 0) { cell.style.background = c.bg; cell.style.color = c.fg; }
      grid.appendChild(cell);
      return { cell, step: t.step };
    });
    const label = el('span', { text: '' });
    const slider = el('input', { type: 'range', min: '0', max: String(steps), value: String(steps), class: 'trace-slider' });
    const apply = () => {
      const upTo = Number(slider.value);
      label.textContent = upTo >= steps ? 'all ' + steps + ' steps' : 'after step ' + (upTo - 1) + ' (' + upTo + ' of ' + steps + ')';
      for (const { cell, step } of cells) cell.classList.toggle('masked', step >= upTo);
    };
    slider.addEventListener('input', apply);
    apply();
    const legendBar = el('span', { class: 'bar' });
    legendBar.style.background = 'linear-gradient(90deg,' + viridis.join(',') + ')';
    return el('div', { class: 'trace' },
      el('div', { class: 'trace-controls' }, el('span', { text: 'state' }), slider, label,
        el('span', { class: 'trace-legend' }, 'step 0', legendBar, 'step ' + (steps - 1))),
      grid);
  }

  // Multiple-choice samples: every option with its estimated log-likelihood; the right one and the likeliest
  // one marked.
  function choicesView(s) {
    let best = 0;
    s.choices.forEach((c, i) => { if (c.loglikelihood > s.choices[best].loglikelihood) best = i; });
    const cell = (text, cls) => el('td', { class: cls || '', text });
    return el('table', { class: 'choices' },
      el('thead', {}, el('tr', {}, el('th', { text: 'option' }), el('th', { class: 'num', text: 'log-likelihood' }),
        el('th', { class: 'num', text: '± stderr' }), el('th', { class: 'num', text: 'tokens' }), el('th', { text: '' }))),
      el('tbody', {}, s.choices.map((c, i) => el('tr', { class: (c.text === s.expected ? 'right' : '') + (i === best ? ' likeliest' : '') },
        cell(c.text, 'cell-text'), cell(fmt(c.loglikelihood, 3), 'num'), cell(isNum(c.stderr) ? fmt(c.stderr, 3) : '–', 'num'),
        cell(isNum(c.tokens) ? String(c.tokens) : '–', 'num'),
        cell([c.text === s.expected ? 'right' : null, i === best ? 'likeliest' : null].filter(Boolean).join(', '))))));
  }

  function sampleDetail(s) {
    const items = [];
    const add = (name, node) => items.push(el('dt', { text: name }), el('dd', {}, node));
    const pre = (text, cls) => el('pre', { class: 'text' + (cls ? ' ' + cls : ''), text });
    const setting = settingsById.get(s.setting);
    add('task / doc', el('span', { class: 'mono', text: s.task + ' / ' + s.doc_id }));
    add('setting', el('span', { class: 'mono', title: s.setting, text: setting ? setting.label + '  (' + s.setting + ')' : s.setting }));
    add('outcome', el('span', { class: 'badge ' + outcomeOf(s), text: outcomeText[outcomeOf(s)] }));
    if (s.error) add('error', pre(s.error, 'sample-error'));
    add('expected', pre(s.expected || '', 'sample-expected'));
    add('extracted', pre(s.extracted || '', 'sample-extracted'));
    if (s.extracted_by_filter) {
      add('by filter', el('div', {}, Object.entries(s.extracted_by_filter).map(([f, v]) =>
        el('div', { class: 'mono' }, f + ': ', el('span', { text: JSON.stringify(v) })))));
    }
    add('metrics', el('div', { class: 'mono' }, Object.entries(s.metrics || {}).map(([k, v]) => el('div', { text: k + ' = ' + v }))));
    if (s.code) {
      add('code', el('div', {}, el('span', { class: 'code-status ' + s.code.status, text: s.code.status }),
        s.code.error_line ? pre(s.code.error_line, 'code-error') : null,
        s.code.warning ? el('div', { class: 'code-warning', text: s.code.warning }) : null));
    }
    const t = s.timing || {};
    if (Object.keys(t).length)
      add('timing', el('span', { text: [isNum(t.latency_ms) ? fmtMs(t.latency_ms) + ' ms' : null,
        isNum(t.forward_passes) ? t.forward_passes + ' forward passes' : null,
        isNum(t.generated_tokens) ? t.generated_tokens + ' generated tokens' : null].filter(Boolean).join(' · ') }));
    add('response', pre(s.response || '', 'sample-response'));
    if (s.choices && s.choices.length) add('options', choicesView(s));
    if (s.trace) add('diffusion trace', traceView(s.trace));
    add('prompt', pre(s.prompt !== undefined ? s.prompt : prompts[s.prompt_hash] || '', 'sample-prompt'));
    if (s.prompt_hash) add('prompt hash', el('span', { class: 'mono', text: s.prompt_hash }));
    return el('div', {}, el('h3', { text: 'Sample ' + s.doc_id + ' of ' + s.task }), el('dl', {}, items));
  }

  function samplesSection() {
    if (!samples.length) return el('p', { class: 'empty', text: 'No per-sample records (samples.jsonl) were found next to the results.' });
    const option = (value, text) => el('option', { value, text });
    const taskSel = el('select', { id: 'filter-task' }, option('', 'all tasks'), results.tasks.map((t) => option(t.name, t.name)));
    const settingSel = el('select', { id: 'filter-setting' }, option('', 'all settings'), usedSettings.map((s) => option(s.id, s.label || s.id)));
    const outcomeSel = el('select', { id: 'filter-outcome' }, option('', 'all'), option('correct', 'correct'),
      option('wrong', 'wrong'), option('error', 'error'), option('graded', 'graded (no verdict)'));
    const traceSel = el('select', { id: 'filter-trace' }, option('', 'any'), option('yes', 'with trace'));
    const search = el('input', { id: 'filter-text', type: 'search', placeholder: 'doc id or text…' });
    const count = el('span', { class: 'count', id: 'sample-count' });
    const tbody = el('tbody', {});
    const more = el('button', { class: 'more', id: 'sample-more', text: 'Show more' });
    const detail = el('div', { class: 'card sample-detail', id: 'sample-detail' }, el('p', { class: 'empty', text: 'Select a sample to see its prompt, response and trace.' }));
    let matching = [], shown = 0, selectedRow = null;

    function select(s, row) {
      if (selectedRow) selectedRow.classList.remove('selected');
      selectedRow = row;
      row.classList.add('selected');
      detail.replaceChildren(sampleDetail(s));
    }
    function renderMore() {
      const next = matching.slice(shown, shown + PAGE);
      for (const s of next) {
        const row = el('tr', { class: 'sample-row', 'data-task': s.task, 'data-setting': s.setting, 'data-outcome': outcomeOf(s), 'data-doc': s.doc_id },
          el('td', { text: s.task }), el('td', { class: 'mono', text: s.doc_id }), el('td', { title: s.setting, text: settingLabel(s.setting) }),
          el('td', {}, el('span', { class: 'badge ' + outcomeOf(s), text: outcomeText[outcomeOf(s)] })),
          el('td', { class: 'cell-text', text: s.extracted || '' }), el('td', { class: 'cell-text', text: s.expected || '' }));
        row.addEventListener('click', () => select(s, row));
        tbody.appendChild(row);
      }
      shown += next.length;
      report.sampleRowsShown = shown;
      more.style.display = shown < matching.length ? '' : 'none';
      count.textContent = 'showing ' + shown + ' of ' + matching.length + ' matching (' + samples.length + ' total)' +
        (payload.samples_total > samples.length ? '; ' + (payload.samples_total - samples.length) + ' more not embedded' : '');
    }
    function apply() {
      const text = search.value.trim().toLowerCase();
      matching = samples.filter((s) => (!taskSel.value || s.task === taskSel.value) &&
        (!settingSel.value || s.setting === settingSel.value) && (!outcomeSel.value || outcomeOf(s) === outcomeSel.value) &&
        (!traceSel.value || s.trace) &&
        (!text || s.doc_id.toLowerCase().includes(text) || (s.response || '').toLowerCase().includes(text) ||
          (s.extracted || '').toLowerCase().includes(text)));
      tbody.replaceChildren();
      shown = 0;
      renderMore();
    }
    for (const c of [taskSel, settingSel, outcomeSel, traceSel]) c.addEventListener('change', apply);
    search.addEventListener('input', apply);
    more.addEventListener('click', renderMore);
    apply();
    const labelled = (text, control) => el('label', {}, text, control);
    return el('div', {},
      el('div', { class: 'filters' }, labelled('task', taskSel), labelled('setting', settingSel), labelled('outcome', outcomeSel),
        labelled('trace', traceSel), labelled('search', search), count),
      el('div', { class: 'samples-layout' },
        el('div', { class: 'card', style: 'padding:0' }, el('div', { class: 'sample-list' },
          el('table', { id: 'sample-table' }, el('thead', {}, el('tr', {}, ['Task', 'Doc', 'Setting', 'Outcome', 'Extracted', 'Expected']
            .map((h) => el('th', { text: h })))), tbody), more)),
        detail));
  }

  // ---- provenance -------------------------------------------------------------------------------
  function provenance() {
    const p = results.provenance || {};
    const kv = [['dream-eval version', p.dream_eval_version], ['git commit', (p.git_commit || '') + (p.git_dirty ? ' (dirty)' : '')],
      ['host', p.host], ['device', p.device], ['dtype', p.dtype], ['seeds', (p.seeds || []).join(', ')],
      ['started', p.started_at], ['finished', p.finished_at], ['model', p.model && p.model.path],
      ['model fingerprint', p.model && p.model.fingerprint], ['tokenizer', p.tokenizer && p.tokenizer.path],
      ['tokenizer fingerprint', p.tokenizer && p.tokenizer.fingerprint], ['command', p.command_line],
      ['schema version', String(results.schema_version)]];
    for (const [k, v] of Object.entries(p.environment || {})) kv.push([k, v]);
    const table = el('table', { id: 'provenance-table' }, el('tbody', {}, kv.filter(([, v]) => v).map(([k, v]) =>
      el('tr', {}, el('th', { text: k }), el('td', { class: 'mono', text: v })))));
    const tasks = el('table', { id: 'task-versions' }, el('thead', {}, el('tr', {}, ['Task', 'Version', 'n-shot', 'Primary metric', 'Options']
      .map((h) => el('th', { text: h })))), el('tbody', {}, results.tasks.map((t) => el('tr', {}, el('td', { text: t.name }),
      el('td', { text: t.version }), el('td', { class: 'num', text: String(t.n_shot) }), el('td', { text: t.primary_metric || '' }),
      el('td', { class: 'id', text: JSON.stringify(t.options || {}) })))));
    const settings = el('table', { id: 'settings-table' }, el('thead', {}, el('tr', {}, ['Label', 'Id', 'Options']
      .map((h) => el('th', { text: h })))), el('tbody', {}, results.settings.map((s) => el('tr', {}, el('td', { text: s.label || '' }),
      el('td', { class: 'id', text: s.id }), el('td', { class: 'id', text: JSON.stringify(s.options || {}) })))));
    return el('div', {}, el('div', { class: 'card' }, el('div', { class: 'table-wrap' }, table)),
      el('div', { class: 'card' }, el('h3', { text: 'Tasks' }), el('div', { class: 'table-wrap' }, tasks)),
      el('div', { class: 'card' }, el('h3', { text: 'Decoding settings' }), el('div', { class: 'table-wrap' }, settings)));
  }

  // ---- page -------------------------------------------------------------------------------------
  app.appendChild(section('scores', 'Scores', scoreMatrix()));
  const charts = section('charts', 'Charts per task');
  app.appendChild(charts);
  if (typeof Chart === 'undefined') charts.appendChild(el('p', { class: 'empty', text: 'Chart.js is missing from this page.' }));
  else for (const t of results.tasks) if (resultRows(t.name).length) charts.appendChild(taskCharts(t));
  app.appendChild(section('performance', 'Performance', performanceTable()));
  app.appendChild(section('comparisons', 'Paired comparisons', comparisonsTable()));
  app.appendChild(section('samples', 'Samples', samplesSection()));
  app.appendChild(section('provenance', 'Provenance', provenance()));
  report.ready = true;
})();
