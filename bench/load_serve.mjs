// Load test of `tradeq serve` on loopback (not a ctest: it prints timings).
//   node bench/load_serve.mjs [TRADEQ_BINARY] [--clients 8] [--solves 200] [--workers 1] [--threads 0]
// Starts the server on a free port (or uses --url http://127.0.0.1:PORT/ of a running one),
// then C clients each POST /api/solve back to back until S solves are done, every one a
// different tariff (the US on Japanese motor vehicles, +0.1 .. +20 points, so that nothing
// is answered from a cache), and prints throughput, latency percentiles and the machine.
// Any failed request (a status other than 200, a refused or dropped connection, a result
// that did not converge) is counted and makes the exit status 1. Node 18+ (fetch), no packages.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : dflt;
};
const tradeq = args[0] && !args[0].startsWith('--') ? args[0] : 'build/tradeq';
const clients = Number(opt('--clients', 8)), total = Number(opt('--solves', 200));
let url = opt('--url', null);
let server = null;
if (!url) {
  const sargs = ['serve', '--port', '0', '--quiet', '--queue', String(Math.max(32, clients)), '--workers', opt('--workers', '1')];
  if (opt('--threads', null)) sargs.push('--threads', opt('--threads', null));
  server = spawn(tradeq, sargs, { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) resolve(m[1]);
    });
    server.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

let next = 0, failed = 0;
const lat = [], solveSec = [];
const failures = [];
async function client() {
  for (;;) {
    const k = next++;
    if (k >= total) return;
    const points = (0.1 * (k + 1)).toFixed(1);
    const body = JSON.stringify({ scenario: { name: `load${k}`, tariffs: [{ importer: 'USA', exporter: 'JPN', sectors: 'autos', add: `${points}pp` }] } });
    const t0 = performance.now();
    try {
      const r = await fetch(url + 'api/solve', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      const d = await r.json();
      lat.push(performance.now() - t0);
      if (r.status !== 200 || !d.ok || !d.converged) {
        failed++;
        failures.push(`${r.status} ${d.error || d.message}`);
      } else {
        solveSec.push(d.results.solver.seconds);
      }
    } catch (e) {
      failed++;
      failures.push(String(e));
    }
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, client));
const wall = (performance.now() - t0) / 1000;
if (server) server.kill('SIGTERM');

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] : NaN; };
const cpu = (() => { try { return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))[1]; } catch { return os.cpus()[0].model; } })();
console.log(`machine: ${cpu}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; node ${process.version}`);
console.log(`tradeq serve on ${url}: ${clients} concurrent clients, ${total} solves (wiod2014, 44 regions x 47 sectors)`);
console.log(`wall ${wall.toFixed(2)} s, throughput ${(total / wall).toFixed(2)} solves/s; failed requests: ${failed}`);
console.log(`latency ms (request to answer, queue included): p50 ${pct(lat, 50).toFixed(0)}, p90 ${pct(lat, 90).toFixed(0)}, p99 ${pct(lat, 99).toFixed(0)}, max ${Math.max(...lat).toFixed(0)}`);
console.log(`solver seconds per solve: p50 ${pct(solveSec, 50).toFixed(3)}, max ${Math.max(...solveSec).toFixed(3)}`);
if (failures.length) console.log('failures:', failures.slice(0, 5).join('; '));
process.exit(failed ? 1 : 0);
