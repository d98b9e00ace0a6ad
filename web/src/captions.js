// Plain-language captions generated from the numbers of a solve (docs/web.md).

// "-0.094%": three decimals below 0.1, two below 10, one above; no "-0.000".
export function fmtPct(v) {
  if (!Number.isFinite(v)) return '';
  const a = Math.abs(v);
  const d = a >= 10 ? 1 : a >= 0.1 ? 2 : 3;
  const s = v.toFixed(d);
  return (Number(s) === 0 ? (0).toFixed(d) : (v > 0 ? '+' : '') + s) + '%';
}

// M USD as bn USD: "4.32" bn.
export function fmtBn(musd) {
  if (!Number.isFinite(musd)) return '';
  const b = musd / 1000, a = Math.abs(b);
  const s = b.toFixed(a >= 10 ? 1 : a >= 0.1 ? 2 : 3);
  return Number(s) === 0 ? s.replace('-', '') : s;
}

// M USD as signed bn USD with one decimal ("-22.0"), two below 1 bn.
function bnWords(musd) {
  const b = musd / 1000;
  const t = b.toFixed(Math.abs(b) >= 1 ? 1 : 2);
  return Number(t) === 0 ? t.replace('-', '') : t;
}

// "about 4.3 bn USD" / "about 250 M USD"
function about(musd) {
  const a = Math.abs(musd);
  if (a >= 1000) return `about ${(a / 1000).toFixed(a >= 10000 ? 0 : 1)} bn USD`;
  if (a >= 1) return `about ${a.toFixed(0)} M USD`;
  return 'less than 1 M USD';
}

// Decimals of a percentage in a caption: 1 from 10%, 2 from 0.1%, 3 from 0.01%, else 4.
function pctDecimals(v) {
  const a = Math.abs(v);
  return a >= 10 ? 1 : a >= 0.1 ? 2 : a >= 0.01 ? 3 : 4;
}

function pctWords(v) {
  return `${Math.abs(v).toFixed(pctDecimals(v))}%`;
}

// Who the band is over, in words: "200 draws of theta", "the 9 published sets of theta".
export function bandSource(unc) {
  if (!unc) return '';
  return unc.theta === 'sets' ? `across ${unc.used} published sets of theta` : `${unc.used} draws of theta`;
}

// The 90% band of a percentage v (band {p05, p95}) as a caption says it, with the
// central value's decimals: a loss or gain whose band keeps its sign is told as the
// range of its size ("0.046-0.108%"), any other as the signed range ("-0.012% to +0.002%").
export function pctBandWords(v, band) {
  const d = pctDecimals(v);
  const lo = band.p05, hi = band.p95;
  const sameSign = (v < 0 && hi <= 0) || (v > 0 && lo >= 0);
  if (sameSign) {
    const a = Math.min(Math.abs(lo), Math.abs(hi)), b = Math.max(Math.abs(lo), Math.abs(hi));
    return `${a.toFixed(d)}-${b.toFixed(d)}%`;
  }
  const sg = (x) => (Number(x.toFixed(d)) === 0 ? (0).toFixed(d) : (x > 0 ? '+' : '') + x.toFixed(d)) + '%';
  return `${sg(lo)} to ${sg(hi)}`;
}

export function signWord(v, up, down, none = 'does not change') {
  return v > 0 ? up : v < 0 ? down : none;
}

function the(name) {
  return /^(United|Netherlands|Czech|Slovak|Rest|Philippines)/.test(name) ? `the ${name}` : name;
}

function cap(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// unc: the answer's "uncertainty" object ({theta, draws, used, seed}) or null; with it,
// each named region's sentence gives its 90% band (welfare_pct_band).
export function welfareCaption(regions, named, unc = null) {
  const parts = [];
  const byCode = Object.fromEntries(regions.map((r) => [r.code, r]));
  const list = named.filter((c) => byCode[c]);
  if (!list.length) {
    const top = [...regions].sort((a, b) => Math.abs(b.ev_musd) - Math.abs(a.ev_musd))[0];
    if (top) list.push(top.code);
  }
  for (const c of list.slice(0, 4)) {
    const r = byCode[c];
    const v = r.welfare_pct;
    const b = unc && r.welfare_pct_band && Number.isFinite(r.welfare_pct_band.p05) && Number.isFinite(r.welfare_pct_band.p95)
      ? ` (90% band ${pctBandWords(v, r.welfare_pct_band)}, ${bandSource(unc)})` : '';
    if (Math.abs(v) < 5e-5) {
      // a band as flat as the central value is not worth a parenthesis
      const flat = !b || Math.max(Math.abs(r.welfare_pct_band.p05), Math.abs(r.welfare_pct_band.p95)) < 5e-5;
      parts.push(`${cap(the(r.name))}'s real income hardly changes${flat ? '' : b}.`);
      continue;
    }
    parts.push(`${cap(the(r.name))} ${v > 0 ? 'gains' : 'loses'} ${pctWords(v)} of real income${b}, ${about(r.ev_musd)} a year.`);
  }
  const world = regions.reduce((s, r) => s + r.ev_musd, 0);
  const others = regions.filter((r) => !list.includes(r.code));
  const gainers = others.filter((r) => r.ev_musd >= 1).sort((a, b) => b.ev_musd - a.ev_musd);
  if (gainers.length)
    parts.push(`Of the others, ${the(gainers[0].name)} gains most (${about(gainers[0].ev_musd)}).`);
  parts.push(Math.abs(world) < 1 ? 'The world as a whole is about as well off as before.'
    : `The world as a whole is ${about(world)} a year ${world > 0 ? 'better' : 'worse'} off.`);
  return parts.join(' ');
}

// With bands (unc, and balance_after_musd_band on the rows), the sector that moves most
// gets its balance after with the 90% band.
export function bilateralCaption(rows, pair, byCode, unc = null) {
  const sum = (f) => rows.reduce((s, r) => s + f(r), 0);
  const b0 = sum((r) => r.balance_musd.before), b1 = sum((r) => r.balance_musd.after);
  const imp = byCode[pair.importer], exp = byCode[pair.exporter];
  const imName = imp ? the(imp.name) : pair.importer, exName = exp ? the(exp.name) : pair.exporter;
  const state = (b) => b < 0 ? `a deficit of ${about(b)}` : `a surplus of ${about(b)}`;
  let s = `${cap(imName)} has ${state(b0)} with ${exName} before and ${state(b1)} after`;
  const moved = [...rows].sort((a, b) => Math.abs(b.balance_musd.after - b.balance_musd.before) -
    Math.abs(a.balance_musd.after - a.balance_musd.before))[0];
  if (moved && Math.abs(moved.balance_musd.after - moved.balance_musd.before) >= 1) {
    const m0 = moved.imports_musd.before, m1 = moved.imports_musd.after;
    s += `; the largest move is in ${moved.sector_name.toLowerCase()}, where imports from ${exName} ` +
      `${signWord(m1 - m0, 'rise', 'fall')} from ${about(m0).replace('about ', '')} to ${about(m1).replace('about ', '')}`;
  }
  s += '. Balances are exports minus imports at pre-tariff prices.';
  const bb = moved && moved.balance_after_musd_band;
  if (unc && bb && Number.isFinite(bb.p05) && Number.isFinite(bb.p95)) {
    s += ` The balance in ${moved.sector_name.toLowerCase()} after: ${bnWords(moved.balance_musd.after)} bn USD ` +
      `(90% band ${bnWords(bb.p05)} to ${bnWords(bb.p95)} bn USD, ${bandSource(unc)}).`;
  }
  return s;
}

export function heatmapCaption(cells, byCode) {
  const valid = cells.filter((c) => c.pct !== null && c.before >= 100);
  if (!valid.length) return 'No trade between the regions shown.';
  const down = [...valid].sort((a, b) => a.pct - b.pct)[0];
  const up = [...valid].sort((a, b) => b.pct - a.pct)[0];
  const name = (c) => (byCode[c] ? the(byCode[c].name) : c);
  const parts = [];
  if (down.pct < -0.0005)
    parts.push(`${cap(name(down.importer))}'s imports from ${name(down.exporter)} fall most, by ${pctWords(down.pct)}`);
  if (up.pct > 0.0005)
    parts.push(`${name(up.importer)}'s imports from ${name(up.exporter)} rise most, by ${pctWords(up.pct)}`);
  if (!parts.length) return 'Trade between the regions shown hardly changes.';
  return cap(parts.join('; ')) + ' (all sectors together, among the regions shown).';
}

export function outputCaption(rows, region) {
  if (!rows.length || !region) return '';
  const up = [...rows].sort((a, b) => b.pct - a.pct)[0];
  const down = [...rows].sort((a, b) => a.pct - b.pct)[0];
  const nm = the(region.name);
  const parts = [];
  if (down.pct < -0.0005)
    parts.push(`in ${nm}, ${down.name.toLowerCase()} shrinks most: output falls ${pctWords(down.pct)}, ${about(down.after - down.before)} a year`);
  if (up.pct > 0.0005)
    parts.push(`${up.name.toLowerCase()} grows most, by ${pctWords(up.pct)}`);
  if (!parts.length) return `Output in ${nm} hardly changes in any sector.`;
  return cap(parts.join('; ')) + '. Workers move between sectors; the model has full employment.';
}
