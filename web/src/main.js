// The what-if page of `tradeq serve` (docs/web.md). Bundled by esbuild at build time into
// one app.js that the program embeds; it talks only to the server that served it
// (docs/api.md).
import embed from 'vega-embed';
import yaml from 'js-yaml';
import { fmtPct, fmtBn, signWord, welfareCaption, bilateralCaption, heatmapCaption, outputCaption, bandSource }
  from './captions.js';
import { encodeLink, decodeLink } from './link.js';

const $ = (id) => document.getElementById(id);
const S = {
  ds: null,          // GET /api/dataset
  regionIndex: {},   // code -> index
  sectorIndex: {},
  shocks: [],        // {kind, importer, exporter, sectors, mode, value}
  closure: 'fixed',
  name: 'whatif',
  title: '',
  extra: {},         // scenario keys the controls do not show (ntb, deficits, elasticities), kept
  uncertainty: null, // null, {draws: N, seed: S} or {draws: 'sets'}: the scenario's uncertainty: mapping
  pair: null,        // {importer, exporter}
  outputRegion: null,
  result: null,      // last POST /api/solve answer
  seq: 0,
  shownSeq: 0,
  timer: null,
};

// ------------------------------------------------------------------ the scenario ---

function valueText(mode, v) {
  return mode === 'set' ? `${v}%` : mode === 'scale' ? `${v}` : `${v}pp`;
}

// The scenario as the CLI's scenario file reads it (docs/scenarios.md), as an object.
function scenarioObject() {
  const o = { name: S.name };
  if (S.title) o.title = S.title;
  o.data = { dataset: S.ds ? S.ds.name : 'wiod2014' };
  o.closure = S.closure;
  const entry = (s) => ({ importer: s.importer, exporter: s.exporter, sectors: s.sectors, [s.mode]: valueText(s.mode, s.value) });
  const t = S.shocks.filter((s) => s.kind === 'tariff').map(entry);
  const r = S.shocks.filter((s) => s.kind === 'retaliation').map(entry);
  if (t.length) o.tariffs = t;
  if (r.length) o.retaliation = r;
  for (const [k, v] of Object.entries(S.extra)) o[k] = v;
  if (S.uncertainty) o.uncertainty = { ...S.uncertainty };
  return o;
}

function parseValue(entry) {
  for (const mode of ['add', 'set', 'scale']) {
    if (entry[mode] === undefined) continue;
    const v = parseFloat(String(entry[mode]).replace(/pp$|%$/, ''));
    if (!Number.isFinite(v)) throw new Error(`bad value '${entry[mode]}'`);
    return { mode, value: v };
  }
  throw new Error('a tariff entry needs add:, set: or scale:');
}

// Set the controls from a scenario object (a loaded YAML file or a link).
function loadScenario(o) {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('not a scenario');
  if (o.scenarios) throw new Error('this file holds several scenarios; the page takes one');
  const shocks = [];
  for (const kind of ['tariffs', 'retaliation']) {
    for (const e of o[kind] || []) {
      const { mode, value } = parseValue(e);
      shocks.push({ kind: kind === 'tariffs' ? 'tariff' : 'retaliation', importer: e.importer, exporter: e.exporter,
        sectors: e.sectors, mode, value });
    }
  }
  S.name = typeof o.name === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(o.name) ? o.name : 'whatif';
  S.title = typeof o.title === 'string' ? o.title : '';
  S.closure = o.closure || 'fixed';
  S.extra = {};
  for (const k of ['ntb', 'deficits', 'elasticities', 'description']) if (o[k] !== undefined) S.extra[k] = o[k];
  S.uncertainty = null;
  if (o.uncertainty !== undefined && o.uncertainty !== null) {
    const u = o.uncertainty;
    if (typeof u !== 'object' || Array.isArray(u)) throw new Error('uncertainty: is a mapping (draws: N or sets, seed: S)');
    if (u.draws === 'sets') S.uncertainty = { draws: 'sets' };
    else if (Number.isInteger(u.draws) && u.draws >= 1)
      S.uncertainty = { draws: u.draws, seed: Number.isInteger(u.seed) && u.seed >= 0 ? u.seed : 1 };
    else throw new Error(`uncertainty: draws is a whole number or sets, not '${u.draws}'`);
  }
  if (o.data && (o.data.aggregate || o.data.sector_aggregate))
    throw new Error('aggregated scenarios (data.aggregate) are not offered by the page');
  S.shocks = shocks;
  if (o.pair) S.pair = o.pair;
  else if (shocks.length && typeof shocks[0].importer === 'string' && typeof shocks[0].exporter === 'string' &&
           S.regionIndex[shocks[0].importer] !== undefined && S.regionIndex[shocks[0].exporter] !== undefined)
    S.pair = { importer: shocks[0].importer, exporter: shocks[0].exporter };
  renderControls();
}

// ---------------------------------------------------------------------- controls ---

function option(sel, value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  sel.appendChild(o);
  return o;
}

function regionSelect(value, withGroups) {
  const sel = document.createElement('select');
  if (withGroups) {
    option(sel, 'all', 'all regions');
    for (const g of S.ds.region_groups) option(sel, g, `group ${g}`);
  }
  for (const r of S.ds.regions) option(sel, r.code, `${r.code} ${r.name}`);
  setSelect(sel, value);
  return sel;
}

function sectorSelect(value) {
  const sel = document.createElement('select');
  option(sel, 'all', 'all sectors');
  for (const g of S.ds.sector_groups) if (g !== 'all') option(sel, g, `group ${g}`);
  for (const s of S.ds.sectors) option(sel, s.code, `${s.code} ${s.name}`);
  setSelect(sel, value);
  return sel;
}

// A value the list does not hold (e.g. [USA, CAN] from a file) is added as it is.
function setSelect(sel, value) {
  const v = Array.isArray(value) ? JSON.stringify(value) : String(value);
  if (![...sel.options].some((o) => o.value === v)) option(sel, v, Array.isArray(value) ? value.join(', ') : v);
  sel.value = v;
}

function selectValue(sel) {
  const v = sel.value;
  return v.startsWith('[') ? JSON.parse(v) : v;
}

function renderControls() {
  const tb = $('shocks').querySelector('tbody');
  tb.textContent = '';
  S.shocks.forEach((s, k) => {
    const tr = document.createElement('tr');
    tr.dataset.row = k;
    const cell = (el) => { const td = document.createElement('td'); td.appendChild(el); tr.appendChild(td); return el; };
    const kind = cell(document.createElement('select'));
    kind.className = 'kind';
    option(kind, 'tariff', 'tariff');
    option(kind, 'retaliation', 'retaliation');
    kind.value = s.kind;
    const imp = cell(regionSelect(s.importer, true));
    imp.className = 'importer';
    const exp = cell(regionSelect(s.exporter, true));
    exp.className = 'exporter';
    const sec = cell(sectorSelect(s.sectors));
    sec.className = 'sectors';
    const mode = cell(document.createElement('select'));
    mode.className = 'mode';
    option(mode, 'add', 'add points');
    option(mode, 'set', 'set to %');
    if (s.mode === 'scale') option(mode, 'scale', 'scale 1+t by');
    mode.value = s.mode;
    const td = document.createElement('td');
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.className = 'slider';
    const num = document.createElement('input');
    num.type = 'number';
    num.className = 'value';
    num.step = s.mode === 'scale' ? '0.01' : '0.5';
    const range = s.mode === 'set' ? [0, 200] : s.mode === 'scale' ? [0.5, 2] : [-50, 100];
    slider.min = range[0];
    slider.max = range[1];
    slider.step = s.mode === 'scale' ? '0.01' : '0.5';
    slider.value = s.value;
    num.value = s.value;
    td.append(slider, ' ', num);
    tr.appendChild(td);
    const del = cell(document.createElement('button'));
    del.type = 'button';
    del.textContent = 'remove';
    del.className = 'remove';
    tb.appendChild(tr);

    const changed = () => {
      s.kind = kind.value;
      s.importer = selectValue(imp);
      s.exporter = selectValue(exp);
      s.sectors = selectValue(sec);
      const newMode = mode.value;
      if (newMode !== s.mode) {
        s.mode = newMode;
        s.value = newMode === 'scale' ? 1 : 0;
        renderControls();
      }
      schedule();
    };
    for (const el of [kind, imp, exp, sec, mode]) el.addEventListener('change', changed);
    slider.addEventListener('input', () => { num.value = slider.value; s.value = parseFloat(slider.value); schedule(); });
    num.addEventListener('change', () => {
      const v = parseFloat(num.value);
      if (!Number.isFinite(v)) return;
      s.value = v;
      slider.value = v;
      schedule();
    });
    del.addEventListener('click', () => { S.shocks.splice(k, 1); renderControls(); schedule(); });
  });
  $('closure').value = S.closure;
  const u = S.uncertainty;
  $('uncertainty').value = !u ? 'none' : u.draws === 'sets' ? 'sets' : 'draws';
  if (u && u.draws !== 'sets') $('draws').value = u.draws;
  if (S.pair) {
    setSelect($('pair-importer'), S.pair.importer);
    setSelect($('pair-exporter'), S.pair.exporter);
  }
  if (S.outputRegion) $('output-region').value = S.outputRegion;
}

function setupControls() {
  for (const id of ['pair-importer', 'pair-exporter', 'output-region']) {
    const sel = $(id);
    for (const r of S.ds.regions) option(sel, r.code, `${r.code} ${r.name}`);
  }
  for (const r of S.ds.regions) option($('regions-shown'), r.code, `${r.code} ${r.name}`);
  for (const s of S.ds.sectors) option($('sectors-shown'), s.code, `${s.code} ${s.name}`);
  $('add-shock').addEventListener('click', () => {
    const last = S.shocks[S.shocks.length - 1];
    S.shocks.push({ kind: 'tariff', importer: last ? last.importer : 'USA', exporter: last ? last.exporter : 'CHN',
      sectors: 'all', mode: 'add', value: 0 });
    renderControls();
    schedule();
  });
  $('add-retaliation').addEventListener('click', () => {
    const f = S.shocks[0];
    if (!f) return;
    S.shocks.push({ kind: 'retaliation', importer: f.exporter, exporter: f.importer, sectors: f.sectors, mode: f.mode,
      value: f.value });
    renderControls();
    schedule();
  });
  $('closure').addEventListener('change', () => { S.closure = $('closure').value; schedule(); });
  const maxDraws = (S.ds.limits && S.ds.limits.max_draws) || 500;
  $('draws').max = maxDraws;
  const uncChanged = () => {
    const kind = $('uncertainty').value;
    const seed = S.uncertainty && Number.isInteger(S.uncertainty.seed) ? S.uncertainty.seed : 1;
    let n = Math.round(Number($('draws').value));
    if (!Number.isFinite(n) || n < 1) n = 200;
    if (n > maxDraws) n = maxDraws;
    $('draws').value = n;
    const was = JSON.stringify(S.uncertainty);
    S.uncertainty = kind === 'draws' ? { draws: n, seed } : kind === 'sets' ? { draws: 'sets' } : null;
    if (JSON.stringify(S.uncertainty) !== was) schedule(); // N alone, with no band asked for, solves nothing
  };
  $('uncertainty').addEventListener('change', uncChanged);
  $('draws').addEventListener('change', uncChanged);
  const pairChanged = () => {
    S.pair = { importer: $('pair-importer').value, exporter: $('pair-exporter').value };
    schedule();
  };
  $('pair-importer').addEventListener('change', pairChanged);
  $('pair-exporter').addEventListener('change', pairChanged);
  $('output-region').addEventListener('change', () => { S.outputRegion = $('output-region').value; render(); });
  $('regions-shown').addEventListener('change', render);
  $('sectors-shown').addEventListener('change', render);
  $('clear-picks').addEventListener('click', () => {
    for (const id of ['regions-shown', 'sectors-shown']) for (const o of $(id).options) o.selected = false;
    render();
  });
  $('save-yaml').addEventListener('click', () => {
    const text = '# saved by the tradeq what-if page; run it with: tradeq run FILE.yaml\n' +
      yaml.dump(scenarioObject(), { lineWidth: 100, noRefs: true });
    download(new Blob([text], { type: 'text/yaml' }), `${S.name}.yaml`);
  });
  $('load-yaml').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    try {
      loadScenario(yaml.load(await f.text(), { schema: yaml.CORE_SCHEMA }));
      schedule(0);
    } catch (e) {
      showError(`could not load ${f.name}: ${e.message}`);
    }
    ev.target.value = '';
  });
  $('copy-link').addEventListener('click', async () => {
    const url = location.origin + location.pathname + '#' + encodeLink({ ...scenarioObject(), pair: S.pair });
    history.replaceState(null, '', url);
    try {
      await navigator.clipboard.writeText(url);
      $('link-note').textContent = 'link copied';
    } catch {
      $('link-note').textContent = 'the address bar now holds the link';
    }
  });
  $('dl-regions').addEventListener('click', () => exportFile('csv', 'regions'));
  $('dl-sectors').addEventListener('click', () => exportFile('csv', 'region_sector'));
  $('dl-pair').addEventListener('click', () => exportFile('csv', 'pair_sector'));
  $('dl-xlsx').addEventListener('click', () => exportFile('xlsx'));
}

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

async function exportFile(format, table) {
  const q = format === 'csv' ? `format=csv&table=${table}` : 'format=xlsx';
  try {
    const r = await fetch(`/api/export?${q}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(requestBody()) });
    if (!r.ok) throw new Error((await r.json()).error);
    const cd = r.headers.get('Content-Disposition') || '';
    const m = /filename="([^"]+)"/.exec(cd);
    download(await r.blob(), m ? m[1] : `tradeq.${format}`);
  } catch (e) {
    showError(`download failed: ${e.message}`);
  }
}

// ------------------------------------------------------------------------ solving ---

function requestBody() {
  const body = { scenario: scenarioObject() };
  if (S.pair && S.pair.importer !== S.pair.exporter) body.pair = S.pair;
  return body;
}

function setStatus(state, text) {
  const st = $('status');
  st.dataset.state = state;
  st.textContent = text;
}

function showError(msg) {
  const e = $('error');
  e.hidden = !msg;
  e.textContent = msg || '';
}

function schedule(delay = 250) {
  clearTimeout(S.timer);
  $('status').dataset.pending = '1';
  S.timer = setTimeout(solve, delay);
}

async function solve() {
  const seq = ++S.seq;
  const body = requestBody();
  setStatus('solving', 'solving…');
  const t0 = performance.now();
  try {
    const r = await fetch('/api/solve', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body) });
    const d = await r.json();
    if (seq !== S.seq) return; // a newer request is on its way
    if (!r.ok || !d.ok) throw new Error(d.error || `HTTP ${r.status}`);
    S.result = d;
    S.shownSeq = seq;
    showError(d.converged ? '' : `the solver did not converge: ${d.message}`);
    const sol = d.results.solver;
    render();
    $('status').dataset.scenario = JSON.stringify(body.scenario);
    $('status').dataset.pending = '0';
    const page = ((performance.now() - t0) / 1000).toFixed(2);
    setStatus('done', d.uncertainty
      ? `solved in ${d.seconds.run.toFixed(2)} s with its 90% band (${bandSource(d.uncertainty)}; page ${page} s)`
      : `solved in ${sol.seconds.toFixed(2)} s (${sol.iterations} iterations; page ${page} s)`);
  } catch (e) {
    if (seq !== S.seq) return;
    $('status').dataset.pending = '0';
    setStatus('error', 'not solved');
    showError(e.message);
  }
}

// ---------------------------------------------------------------------- rendering ---

// Changes below 1e-9 (of a percent or a bn USD) are the solver's rounding, drawn as zero.
function clean(v) {
  return Math.abs(v) < 1e-9 ? 0 : v;
}

// A band {p05, median, p95} as "median [p05, p95]" with the formatter f; '' without one.
function hasBand(b) {
  return !!b && Number.isFinite(b.p05) && Number.isFinite(b.median) && Number.isFinite(b.p95);
}

function bandText(b, f) {
  return hasBand(b) ? `${f(b.median)} [${f(b.p05)}, ${f(b.p95)}]` : '';
}

// A band cell: the text, and the three numbers as data (for tests and copying).
function tdBand(tr, b, f) {
  const c = td(tr, bandText(b, f));
  c.classList.add('num', 'band');
  if (hasBand(b)) {
    c.dataset.p05 = String(b.p05);
    c.dataset.median = String(b.median);
    c.dataset.p95 = String(b.p95);
  }
  return c;
}

function picked(id) {
  return [...$(id).selectedOptions].map((o) => o.value);
}

function namedRegions() {
  const set = new Set();
  for (const s of S.shocks)
    for (const f of [s.importer, s.exporter])
      for (const c of Array.isArray(f) ? f : [f]) if (S.regionIndex[c] !== undefined) set.add(c);
  if (S.pair) { set.add(S.pair.importer); set.add(S.pair.exporter); }
  return [...set];
}

function shownRegions(regions) {
  const p = picked('regions-shown');
  if (p.length) return p;
  const named = namedRegions();
  const rest = regions.filter((r) => !named.includes(r.code))
    .sort((a, b) => Math.abs(b.ev_musd) - Math.abs(a.ev_musd)).slice(0, Math.max(4, 10 - named.length))
    .map((r) => r.code);
  return [...named, ...rest];
}

function td(tr, text, value) {
  const c = document.createElement('td');
  c.textContent = text;
  if (value !== undefined) {
    c.className = 'num';
    c.dataset.value = String(value);
  }
  tr.appendChild(c);
  return c;
}

function fillTable(id, rows) {
  const tb = $(id).querySelector('tbody');
  tb.textContent = '';
  for (const r of rows) tb.appendChild(r);
}

const chartOpts = { actions: false, renderer: 'svg' };

function chart(id, spec) {
  return embed(`#${id}`, { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...spec }, chartOpts)
    .catch((e) => { $(id).textContent = `chart failed: ${e.message}`; });
}

function render() {
  const d = S.result;
  if (!d) return;
  const res = d.results;
  const regions = res.regions;
  const byCode = Object.fromEntries(regions.map((r) => [r.code, r]));
  const shown = shownRegions(regions);
  const named = namedRegions();

  // welfare
  const unc = d.uncertainty || null;
  $('welfare-caption').textContent = welfareCaption(regions, named, unc);
  const wrows = shown.map((c) => byCode[c]).filter(Boolean);
  const wband = !!unc && wrows.some((r) => hasBand(r.welfare_pct_band));
  const wdata = wrows.map((r) => {
    const o = { region: r.code, name: r.name, pct: clean(r.welfare_pct), bn: clean(r.ev_musd / 1000) };
    if (wband && hasBand(r.welfare_pct_band) && hasBand(r.ev_musd_band)) {
      Object.assign(o, { pct_p05: r.welfare_pct_band.p05, pct_p95: r.welfare_pct_band.p95,
        bn_p05: r.ev_musd_band.p05 / 1000, bn_p95: r.ev_musd_band.p95 / 1000 });
    }
    return o;
  });
  // one panel: bars of the central value and, with bands, a 5th-95th percentile error bar
  const panel = (field, title, unit, fmt) => {
    const y = { field: 'region', type: 'nominal', sort: null, title: null };
    const tip = [{ field: 'name' }, { field, format: fmt, title: unit },
      ...(field === 'pct' ? [{ field: 'bn', format: '.2f', title: 'bn USD' }] : [])];
    const bar = { mark: 'bar', encoding: { y, x: { field, type: 'quantitative', title: unit },
      color: { condition: { test: `datum.${field} < 0`, value: '#c44e52' }, value: '#4c78a8' },
      tooltip: wband ? [...tip, { field: `${field}_p05`, format: fmt, title: '5th percentile' },
        { field: `${field}_p95`, format: fmt, title: '95th percentile' }] : tip } };
    if (!wband) return { title, width: 380, height: { step: 18 }, ...bar };
    return { title: `${title} (90% band)`, width: 380, height: { step: 18 }, layer: [bar,
      { name: `band_${field}`, mark: { type: 'errorbar', ticks: true, color: '#222' },
        encoding: { y, x: { field: `${field}_p05`, type: 'quantitative', title: unit }, x2: { field: `${field}_p95` },
          tooltip: [{ field: 'name' }, { field: `${field}_p05`, format: fmt, title: '5th percentile' },
            { field: `${field}_p95`, format: fmt, title: '95th percentile' }] } }] };
  };
  chart('welfare-chart', {
    data: { values: wdata },
    hconcat: [panel('pct', 'real income change, %', '%', '.4f'), panel('bn', 'equivalent variation, bn USD a year', 'bn USD', '.2f')],
  });
  $('welfare-table').classList.toggle('with-band', wband);
  fillTable('welfare-table', wrows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.region = r.code;
    td(tr, `${r.code} ${r.name}`);
    td(tr, fmtPct(r.welfare_pct), r.welfare_pct).classList.add('welfare');
    if (wband) tdBand(tr, r.welfare_pct_band, fmtPct).classList.add('welfare-band');
    td(tr, fmtBn(r.ev_musd), r.ev_musd).classList.add('ev');
    if (wband) tdBand(tr, r.ev_musd_band, fmtBn).classList.add('ev-band');
    td(tr, fmtPct(r.real_wage_pct), r.real_wage_pct);
    td(tr, `${fmtBn(r.trade_balance_musd.before)} → ${fmtBn(r.trade_balance_musd.after)}`, r.trade_balance_musd.after);
    return tr;
  }));

  // bilateral balance of the pair by sector
  const sc = res.scenarios[0];
  const ps = sc.pair_sector || [];
  const pair = sc.pair;
  const pickedSectors = picked('sectors-shown');
  const sectorsOf = (rows, key) => pickedSectors.length ? rows.filter((r) => pickedSectors.includes(r.sector))
    : [...rows].sort((a, b) => key(b) - key(a)).slice(0, 12);
  if (pair && ps.length) {
    $('bilateral-caption').textContent = bilateralCaption(ps, pair, byCode, unc);
    const top = sectorsOf(ps, (r) => Math.abs(r.balance_musd.before) + Math.abs(r.balance_musd.after));
    // bands exist for the scenario's own pair only (docs/api.md)
    const pband = !!unc && top.some((r) => hasBand(r.balance_after_musd_band));
    const bdata = [];
    for (const r of top) {
      bdata.push({ sector: r.sector_name, when: 'before', bn: r.balance_musd.before / 1000 });
      const a = { sector: r.sector_name, when: 'after', bn: r.balance_musd.after / 1000 };
      if (pband && hasBand(r.balance_after_musd_band))
        Object.assign(a, { p05: r.balance_after_musd_band.p05 / 1000, p95: r.balance_after_musd_band.p95 / 1000 });
      bdata.push(a);
    }
    const y = { field: 'sector', type: 'nominal', sort: null, title: null };
    const yOffset = { field: 'when', sort: ['before', 'after'] };
    const bars = { mark: 'bar', encoding: { y, yOffset, x: { field: 'bn', type: 'quantitative', title: 'bn USD' },
      color: { field: 'when', sort: ['before', 'after'], scale: { range: ['#9ecae9', '#1f5f99'] }, title: null },
      tooltip: [{ field: 'sector' }, { field: 'when' }, { field: 'bn', format: '.3f', title: 'bn USD' },
        ...(pband ? [{ field: 'p05', format: '.3f', title: '5th percentile' }, { field: 'p95', format: '.3f', title: '95th percentile' }] : [])] } };
    const head = { title: `${pair.importer}'s balance with ${pair.exporter} (exports − imports), bn USD${pband ? ', after with its 90% band' : ''}`,
      data: { values: bdata }, width: 700, height: { step: 12 } };
    chart('bilateral-chart', pband ? { ...head, layer: [bars,
      { name: 'band_balance', transform: [{ filter: 'isValid(datum.p05)' }], mark: { type: 'errorbar', ticks: true, color: '#222' },
        encoding: { y, yOffset, x: { field: 'p05', type: 'quantitative', title: 'bn USD' }, x2: { field: 'p95' } } }] }
      : { ...head, ...bars });
    $('bilateral-table').classList.toggle('with-band', pband);
    fillTable('bilateral-table', top.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.sector = r.sector;
      td(tr, r.sector_name);
      td(tr, `${fmtBn(r.exports_musd.before)} → ${fmtBn(r.exports_musd.after)}`, r.exports_musd.after);
      td(tr, `${fmtBn(r.imports_musd.before)} → ${fmtBn(r.imports_musd.after)}`, r.imports_musd.after);
      td(tr, `${fmtBn(r.balance_musd.before)} → ${fmtBn(r.balance_musd.after)}`, r.balance_musd.after);
      if (pband) tdBand(tr, r.balance_after_musd_band, fmtBn);
      td(tr, `${r.tariff_pct.before.toFixed(2)} → ${r.tariff_pct.after.toFixed(2)}`, r.tariff_pct.after);
      return tr;
    }));
  } else {
    $('bilateral-caption').textContent = 'Choose a pair of regions above to see their trade by sector.';
    $('bilateral-chart').textContent = '';
    $('bilateral-table').classList.remove('with-band');
    fillTable('bilateral-table', []);
  }

  // region x region heatmap of trade changes
  const tm = d.trade_matrix;
  const idx = (c) => S.regionIndex[c];
  const hshown = shown.slice(0, 16);
  const hdata = [];
  const cells = [];
  for (const a of hshown) for (const b of hshown) {
    if (a === b) continue;
    const before = tm.before[idx(a)][idx(b)], after = tm.after[idx(a)][idx(b)];
    const pct = before > 0 ? 100 * (after / before - 1) : null;
    hdata.push({ importer: a, exporter: b, pct: pct === null ? null : clean(pct), before: before / 1000, after: after / 1000 });
    cells.push({ importer: a, exporter: b, before, after, pct });
  }
  $('heatmap-caption').textContent = heatmapCaption(cells, byCode);
  const maxAbs = Math.max(0.01, ...hdata.map((h) => Math.abs(h.pct || 0)));
  chart('heatmap-chart', {
    title: 'change in imports of the row region from the column region, %',
    data: { values: hdata }, width: { step: 30 }, height: { step: 22 }, mark: 'rect',
    encoding: { y: { field: 'importer', type: 'nominal', sort: hshown, title: 'importer' },
      x: { field: 'exporter', type: 'nominal', sort: hshown, title: 'exporter', axis: { orient: 'top' } },
      color: { field: 'pct', type: 'quantitative', title: '%', scale: { scheme: 'redblue', domain: [-maxAbs, maxAbs] } },
      tooltip: [{ field: 'importer' }, { field: 'exporter' }, { field: 'pct', format: '.3f', title: 'change %' },
        { field: 'before', format: '.2f', title: 'before bn USD' }, { field: 'after', format: '.2f', title: 'after bn USD' }] },
  });
  const topCells = [...cells].sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before)).slice(0, 12);
  fillTable('heatmap-table', topCells.map((c) => {
    const tr = document.createElement('tr');
    td(tr, c.importer);
    td(tr, c.exporter);
    td(tr, fmtBn(c.before), c.before);
    td(tr, fmtBn(c.after), c.after);
    td(tr, c.pct === null ? '' : fmtPct(c.pct), c.pct === null ? '' : c.pct);
    return tr;
  }));

  // sector output of one region
  const oreg = S.outputRegion || (pair ? pair.exporter : named[0]) || regions[0].code;
  $('output-region').value = oreg;
  const on = idx(oreg);
  const obands = {};
  if (unc) for (const r of sc.region_sector || []) if (r.region === oreg && hasBand(r.output_after_musd_band)) obands[r.sector] = r.output_after_musd_band;
  const orows = S.ds.sectors.map((s, j) => {
    const before = d.output.before[on][j], after = d.output.after[on][j];
    const b = obands[s.code];
    const pb = b && before > 0 ? { p05: 100 * (b.p05 / before - 1), median: 100 * (b.median / before - 1), p95: 100 * (b.p95 / before - 1) } : null;
    return { sector: s.code, name: s.name, before, after, pct: before > 0 ? 100 * (after / before - 1) : null, pctBand: pb };
  }).filter((r) => r.pct !== null);
  const oband = orows.some((r) => r.pctBand);
  $('output-caption').textContent = outputCaption(orows, byCode[oreg]);
  const otop = pickedSectors.length ? orows.filter((r) => pickedSectors.includes(r.sector))
    : [...orows].sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct)).slice(0, 15);
  const ohead = { title: `gross output of ${byCode[oreg].name} by sector, change in %${oband ? ', with its 90% band' : ''}`,
    data: { values: otop.map((r) => ({ name: r.name, pct: clean(r.pct),
      ...(r.pctBand ? { p05: r.pctBand.p05, p95: r.pctBand.p95 } : {}) })) }, width: 700, height: { step: 16 } };
  // the two layers share one explicit order (a field sort would not survive the layering)
  const osort = [...otop].sort((a, b) => b.pct - a.pct).map((r) => r.name);
  const obar = { mark: 'bar',
    encoding: { y: { field: 'name', type: 'nominal', sort: oband ? osort : '-x', title: null },
      x: { field: 'pct', type: 'quantitative', title: '%' },
      color: { condition: { test: 'datum.pct < 0', value: '#c44e52' }, value: '#4c78a8' },
      tooltip: [{ field: 'name' }, { field: 'pct', format: '.3f', title: '%' },
        ...(oband ? [{ field: 'p05', format: '.3f', title: '5th percentile' }, { field: 'p95', format: '.3f', title: '95th percentile' }] : [])] } };
  chart('output-chart', oband ? { ...ohead, layer: [obar,
    { name: 'band_output', transform: [{ filter: 'isValid(datum.p05)' }], mark: { type: 'errorbar', ticks: true, color: '#222' },
      encoding: { y: { field: 'name', type: 'nominal', sort: osort, title: null },
        x: { field: 'p05', type: 'quantitative', title: '%' }, x2: { field: 'p95' } } }] } : { ...ohead, ...obar });
  fillTable('output-table', otop.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.sector = r.sector;
    td(tr, r.name);
    td(tr, fmtBn(r.before), r.before);
    td(tr, fmtBn(r.after), r.after);
    td(tr, fmtPct(r.pct), r.pct);
    if (oband) tdBand(tr, r.pctBand, fmtPct);
    return tr;
  }));
  $('output-table').classList.toggle('with-band', oband);
}

// ---------------------------------------------------------------------- start up ---

async function start() {
  try {
    const r = await fetch('/api/dataset');
    S.ds = await r.json();
  } catch (e) {
    setStatus('error', 'could not reach the server');
    return;
  }
  S.ds.regions.forEach((r, k) => { S.regionIndex[r.code] = k; });
  S.ds.sectors.forEach((s, k) => { S.sectorIndex[s.code] = k; });
  $('dataset-line').textContent = `Data: ${S.ds.name}, ${S.ds.year}, ${S.ds.regions.length} regions × ${S.ds.sectors.length} sectors. ${S.ds.source}`;
  setupControls();
  let loaded = false;
  if (location.hash.length > 1) {
    try {
      loadScenario(decodeLink(location.hash.slice(1)));
      loaded = true;
    } catch (e) {
      showError(`the link does not hold a scenario this page can show: ${e.message}`);
    }
  }
  if (!loaded) {
    // the default question's pair and sector, at zero points: move the slider to ask it
    S.shocks = [{ kind: 'tariff', importer: 'USA', exporter: 'JPN', sectors: 'autos', mode: 'add', value: 0 }];
    if (S.regionIndex.USA === undefined || S.regionIndex.JPN === undefined) {
      const a = S.ds.regions[0].code, b = S.ds.regions[1].code;
      S.shocks = [{ kind: 'tariff', importer: a, exporter: b, sectors: 'all', mode: 'add', value: 0 }];
    }
    S.pair = { importer: S.shocks[0].importer, exporter: S.shocks[0].exporter };
    renderControls();
  }
  schedule(0);
}

// exported for the console and tests
window.tradeq = { state: S, scenarioObject, loadScenario, solve, fmtPct, fmtBn, signWord };
start();
