// End-to-end test of `tradeq serve` in headless Chromium (Debian's chromium, driven by
// playwright-core from npm: tests/web/package-lock.json).
//   node tests/web/e2e.mjs TRADEQ_BINARY SOURCE_DIR OUT_DIR
// Loads the page, raises the US tariff on Japanese motor vehicles by 25 points with the
// slider, and checks that every welfare number on the page equals the CLI's for the same
// scenario (tradeq run scenarios/us-japan-autos.yaml --format json), exactly, as shown
// and as data; then that the scenario saved as YAML and the shareable link give the same
// numbers; then turns the uncertainty control on (20 draws of theta) and checks the error
// bars, the band in the caption and the table against the API's p05 / p95, and that the
// saved YAML and the link keep it. Screenshots go to OUT_DIR. Exit 77 (skipped) without chromium or without
// tests/web/node_modules (scripts/test.sh installs both).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [tradeq, srcDir, outDir] = process.argv.slice(2);
if (!tradeq || !srcDir || !outDir) {
  console.error('usage: node e2e.mjs TRADEQ SOURCE_DIR OUT_DIR');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath} (apt install chromium)`);
  process.exit(77);
}
let chromium;
try {
  ({ chromium } = createRequire(path.join(here, 'package.json'))('playwright-core'));
} catch {
  console.log('SKIP: tests/web/node_modules has no playwright-core (cd tests/web && npm ci)');
  process.exit(77);
}
const help = spawn(tradeq, ['serve', '--help']);
if ((await new Promise((r) => help.on('close', r))) !== 0) {
  console.log('SKIP: this tradeq is built without the server');
  process.exit(77);
}
mkdirSync(outDir, { recursive: true });
const env = { ...process.env, OMP_NUM_THREADS: '2' };
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// The CLI's answer to the same question.
function cliWelfare(file) {
  const out = execFileSync(tradeq, ['run', file, '--format', 'json'], { env, maxBuffer: 64 << 20 });
  return Object.fromEntries(JSON.parse(out).regions.map((r) => [r.code, r]));
}
const cli = cliWelfare(path.join(srcDir, 'scenarios/us-japan-autos.yaml'));
check(cli.JPN.welfare_pct < -0.05 && cli.JPN.welfare_pct > -0.2, `CLI: Japan's welfare ${cli.JPN.welfare_pct}%`);

// The server on a free port.
const server = spawn(tradeq, ['serve', '--port', '0', '--quiet'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let text = '';
  const t = setTimeout(() => reject(new Error('the server did not start in 120 s')), 120000);
  server.stdout.on('data', (d) => {
    text += d;
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) { clearTimeout(t); resolve(m[1]); }
  });
  server.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
});

// Independent of the page's own formatter: the documented rule (3 decimals below 0.1,
// 2 below 10, 1 above, a sign on non-zero values, "%").
function expectedPct(v) {
  const a = Math.abs(v);
  const d = a >= 10 ? 1 : a >= 0.1 ? 2 : 3;
  const s = v.toFixed(d);
  return (Number(s) === 0 ? (0).toFixed(d) : (v > 0 ? '+' : '') + s) + '%';
}

async function waitSolved(page, needle) {
  await page.waitForFunction((n) => {
    const st = document.getElementById('status');
    return st.dataset.state === 'done' && st.dataset.pending === '0' && (st.dataset.scenario || '').includes(n);
  }, needle, { timeout: 120000 });
}

async function pageWelfare(page) {
  return page.$$eval('#welfare-table tbody tr', (rows) => rows.map((tr) => {
    const c = tr.querySelector('td.welfare'), e = tr.querySelector('td.ev');
    return { code: tr.dataset.region, text: c.textContent, value: c.dataset.value, ev: e.dataset.value };
  }));
}

function compare(rows, label) {
  check(rows.length >= 2, `${label}: ${rows.length} regions in the welfare table`);
  check(rows.some((r) => r.code === 'JPN') && rows.some((r) => r.code === 'USA'), `${label}: Japan and the US shown`);
  for (const r of rows) {
    const c = cli[r.code];
    const same = c && Number(r.value) === c.welfare_pct && Number(r.ev) === c.ev_musd && r.text === expectedPct(c.welfare_pct);
    check(same, `${label}: ${r.code} welfare ${r.text} (${r.value}) EV ${r.ev} = CLI ${c && c.welfare_pct} / ${c && c.ev_musd}`);
  }
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'], headless: true });
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  // nothing may be fetched from anywhere but the program serving the page
  const external = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(url)) return route.continue();
    external.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await waitSolved(page, '"add":"0pp"');
  await page.screenshot({ path: path.join(outDir, 'serve-0-start.png'), fullPage: true });
  const before = await pageWelfare(page);
  check(before.every((r) => Number(r.value) === 0 || Math.abs(Number(r.value)) < 1e-9),
    'no shock yet: welfare changes are zero');

  // the question: row 0 is US importer, Japan exporter, autos; move the slider to +25 points
  const row = page.locator('#shocks tbody tr').first();
  check(await row.locator('select.importer').inputValue() === 'USA' && await row.locator('select.exporter').inputValue() === 'JPN' &&
    await row.locator('select.sectors').inputValue() === 'autos' && await row.locator('select.mode').inputValue() === 'add',
  'the first row is US tariffs on Japanese motor vehicles, add points');
  await row.locator('input.slider').fill('25');
  check(await row.locator('input.value').inputValue() === '25', 'the slider moved the number to 25');
  await waitSolved(page, '"add":"25pp"');
  const after = await pageWelfare(page);
  compare(after, 'page');
  const caption = await page.textContent('#welfare-caption');
  const jp = Math.abs(cli.JPN.welfare_pct);
  check(caption.includes(`Japan loses ${jp.toFixed(jp >= 0.1 ? 2 : jp >= 0.01 ? 3 : 4)}% of real income`) &&
    caption.includes(`about ${(Math.abs(cli.JPN.ev_musd) / 1000).toFixed(1)} bn USD a year`), `caption: ${caption}`);
  for (const id of ['welfare-chart', 'bilateral-chart', 'heatmap-chart', 'output-chart'])
    check(await page.locator(`#${id} svg`).count() > 0, `${id} drawn`);
  for (const id of ['bilateral-table', 'heatmap-table', 'output-table'])
    check(await page.locator(`#${id} tbody tr`).count() > 0, `${id} filled`);
  await page.screenshot({ path: path.join(outDir, 'serve-1-usa-jpn-autos-25pp.png'), fullPage: true });

  // the scenario saved as YAML is one the CLI runs to the same numbers
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-yaml')]);
  const yamlPath = path.join(outDir, 'serve-saved.yaml');
  await dl.saveAs(yamlPath);
  const saved = readFileSync(yamlPath, 'utf8');
  check(/add: 25pp/.test(saved) && /importer: USA/.test(saved), 'saved YAML holds the shock');
  const fromYaml = cliWelfare(yamlPath);
  check(['JPN', 'USA', 'DEU', 'CHN'].every((c) => fromYaml[c].welfare_pct === cli[c].welfare_pct),
    'tradeq run on the saved YAML gives the same welfare');

  // CSV download: the regions table of the same run
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-regions')]);
  const csvPath = path.join(outDir, 'serve-regions.csv');
  await csv.saveAs(csvPath);
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
  const head = lines[0].split(','), wcol = head.indexOf('welfare_pct'), rcol = head.indexOf('region');
  const jpn = lines.map((l) => l.split(',')).find((f) => f[rcol] === 'JPN');
  check(jpn && Number(jpn[wcol]) === cli.JPN.welfare_pct, 'CSV download: Japan\'s welfare equals the CLI\'s');

  // xlsx download: a workbook (a zip) named after the scenario
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-xlsx')]);
  const xlPath = path.join(outDir, 'serve-results.xlsx');
  await xl.saveAs(xlPath);
  check(xl.suggestedFilename() === 'tradeq-whatif.xlsx' && readFileSync(xlPath).subarray(0, 2).toString() === 'PK',
    `xlsx download: ${xl.suggestedFilename()}`);

  // the shareable link opens the same scenario and the same numbers
  await page.click('#copy-link');
  const link = page.url();
  check(link.includes('#s='), `link: ${link.slice(0, 80)}…`);
  const page2 = await context.newPage();
  await page2.goto(link);
  await waitSolved(page2, '"add":"25pp"');
  compare(await pageWelfare(page2), 'link');
  await page2.screenshot({ path: path.join(outDir, 'serve-2-from-link.png'), fullPage: true });
  // loading the CLI's own scenario file sets the controls and gives the same numbers
  const page3 = await context.newPage();
  await page3.goto(url);
  await waitSolved(page3, '"add":"0pp"');
  await page3.setInputFiles('#load-yaml', path.join(srcDir, 'scenarios/us-japan-autos.yaml'));
  await waitSolved(page3, '"name":"us-japan-autos"');
  check(await page3.locator('#shocks tbody tr input.value').first().inputValue() === '25',
    'loading scenarios/us-japan-autos.yaml sets the slider to 25');
  compare(await pageWelfare(page3), 'loaded YAML');

  // ---- uncertainty: the 90% band from 20 draws of theta (docs/web.md). N first (with no
  // band asked for, that solves nothing), then the control on.
  await page.bringToFront();
  await page.fill('#draws', '20');
  await page.dispatchEvent('#draws', 'change');
  await page.selectOption('#uncertainty', 'draws');
  const uncNeedle = '"uncertainty":{"draws":20,"seed":1}';
  await waitSolved(page, uncNeedle);
  // the API's answer to the page's scenario, asked directly
  const scen = JSON.parse(await page.getAttribute('#status', 'data-scenario'));
  check(scen.uncertainty && scen.uncertainty.draws === 20 && scen.tariffs[0].add === '25pp', 'the page asks for 20 draws');
  const api = await (await fetch(`${url}api/solve`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: scen, pair: { importer: 'USA', exporter: 'JPN' } }) })).json();
  check(api.ok && api.uncertainty && api.uncertainty.used === 20, `API: ${JSON.stringify(api.uncertainty)}`);
  const apiReg = Object.fromEntries(api.results.regions.map((r) => [r.code, r]));
  const jb = apiReg.JPN.welfare_pct_band;
  check(jb.p05 < jb.p95 && jb.p95 < 0, `API: Japan's band ${jb.p05} .. ${jb.p95}`);
  // error bars: one 5th-95th percentile rule per region in each welfare panel
  const nrows = await page.locator('#welfare-table tbody tr').count();
  for (const f of ['pct', 'bn']) {
    const bars = await page.locator(`#welfare-chart g.mark-rule.role-mark[class*="band_${f}"] line`).count();
    check(bars === nrows, `welfare chart (${f}): ${bars} error bars for ${nrows} regions`);
  }
  check(await page.locator('#bilateral-chart g.mark-rule.role-mark[class*="band_balance"] line').count() > 0,
    'bilateral chart: error bars on the balance after');
  // the caption's band, rounded as the caption rounds (the central value's decimals)
  const jc = Math.abs(apiReg.JPN.welfare_pct);
  const dec = jc >= 10 ? 1 : jc >= 0.1 ? 2 : jc >= 0.01 ? 3 : 4;
  const lo = Math.min(-jb.p05, -jb.p95), hi = Math.max(-jb.p05, -jb.p95);
  const want = `Japan loses ${jc.toFixed(dec)}% of real income (90% band ${lo.toFixed(dec)}-${hi.toFixed(dec)}%, 20 draws of theta)`;
  const ucap = await page.textContent('#welfare-caption');
  check(ucap.includes(want), `band caption: "${want}" in "${ucap}"`);
  // the table's band cells: the API's numbers as data, "median [p05, p95]" as text
  const cells = await page.$$eval('#welfare-table tbody tr', (rows) => rows.map((tr) => {
    const c = tr.querySelector('td.welfare-band');
    return { code: tr.dataset.region, text: c && c.textContent, p05: c && c.dataset.p05, median: c && c.dataset.median, p95: c && c.dataset.p95 };
  }));
  for (const c of cells) {
    const b = apiReg[c.code].welfare_pct_band;
    check(Number(c.p05) === b.p05 && Number(c.median) === b.median && Number(c.p95) === b.p95 &&
      c.text === `${expectedPct(b.median)} [${expectedPct(b.p05)}, ${expectedPct(b.p95)}]`, `table band ${c.code}: ${c.text}`);
  }
  await page.screenshot({ path: path.join(outDir, 'serve-3-bands.png'), fullPage: true });
  // saved YAML keeps the setting, and the CLI gives the same bands from it
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#save-yaml')]);
  const yamlBands = path.join(outDir, 'serve-saved-bands.yaml');
  await dl2.saveAs(yamlBands);
  check(/uncertainty:\s*\n\s+draws: 20\s*\n\s+seed: 1/.test(readFileSync(yamlBands, 'utf8')), 'saved YAML holds uncertainty: draws 20, seed 1');
  const cliBands = cliWelfare(yamlBands);
  check(['JPN', 'USA'].every((c) => JSON.stringify(cliBands[c].welfare_pct_band) === JSON.stringify(apiReg[c].welfare_pct_band)),
    'tradeq run on the saved YAML gives the same bands');
  // the link keeps it too
  await page.click('#copy-link');
  const page4 = await context.newPage();
  await page4.goto(page.url());
  await waitSolved(page4, uncNeedle);
  check(await page4.inputValue('#uncertainty') === 'draws' && await page4.inputValue('#draws') === '20' &&
    (await page4.textContent('#welfare-caption')).includes(want), 'the link opens with the band on, the same caption');
  await page4.close();
  // and off again: one solve, no bands
  await page.selectOption('#uncertainty', 'none');
  await page.waitForFunction(() => {
    const st = document.getElementById('status');
    return st.dataset.state === 'done' && st.dataset.pending === '0' && !(st.dataset.scenario || '').includes('uncertainty');
  }, null, { timeout: 120000 });
  check(!(await page.textContent('#welfare-caption')).includes('90% band') &&
    await page.locator('#welfare-table td.welfare-band').count() === 0 &&
    await page.locator('#welfare-chart g[class*="band_"]').count() === 0, 'uncertainty none: no bands, no error bars');

  check(external.length === 0, `nothing fetched from elsewhere${external.length ? ': ' + external.join(', ') : ''}`);
  check(errors.length === 0, `no errors in the page${errors.length ? ': ' + errors.join('; ') : ''}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
writeFileSync(path.join(outDir, 'serve-e2e.txt'), `${failures} failures\n`);
console.log(failures ? `${failures} checks failed` : `all checks passed; screenshots in ${outDir}`);
process.exit(failures ? 1 : 0);
