/**
 * Same-run A/B of one batch-shaped message to a worker thread and its reply (issue 20: the PGlite
 * worker's messaging, src/store/pglite-proxy.ts): a 1,067-character statement and ten parameters,
 * seven of them bytes of a batch's sizes, posted (1) with a buffer of its own per byte parameter,
 * (2) with all of them in one transferred buffer, (3) as (2) with the text sent once and then by
 * number. Prints the process's CPU (both threads) per round trip, medians of 8 alternated rounds.
 * The worker only echoes: this isolates what the messages cost, not PGlite. Not part of `npm run bench`.
 *
 *   node bench/worker-message-ab.mjs
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
if (!isMainThread) {
  const m0 = new Map();
  parentPort.on('message', (m) => {
    let t = m.text ?? m0.get(m.sid); if (m.text && m.sid) m0.set(m.sid, m.text);
    const x = new Map([[t, 1]]).get(t);
    parentPort.postMessage({ id: m.id, rows: [{ first: 5, moved: true }] });
  });
} else {
  const w = new Worker(new URL(import.meta.url));
  const text = 'x'.repeat(1067);
  const sizes = [32, 128, 44, 2050, 92, 78, 1286];
  const mk = (mode, id) => {
    const params = [1, ...sizes.map((n) => new Uint8Array(n)), 's'.repeat(98)];
    let transfer = [];
    if (mode === 'sep') { params.forEach((v, i) => { if (v instanceof Uint8Array) { const o = new Uint8Array(v.length); o.set(v); params[i] = o; transfer.push(o.buffer); } }); }
    else { let tot = 0; for (const v of params) if (v instanceof Uint8Array) tot += v.length; const b = new ArrayBuffer(tot); let at = 0; params.forEach((v, i) => { if (v instanceof Uint8Array) { const o = new Uint8Array(b, at, v.length); o.set(v); at += v.length; params[i] = o; } }); transfer = [b]; }
    const m = { op: 'query', id, params };
    if (mode === 'sid') { m.sid = 1; if (id === 0) m.text = text; } else m.text = text;
    return [m, transfer];
  };
  const run = async (mode, n) => {
    let id = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) { const [m, tr] = mk(mode, id++); await new Promise((r) => { w.once('message', r); w.postMessage(m, tr); }); }
    const c = process.cpuUsage(c0); return (c.user + c.system) / n;
  };
  for (const mode of ['sep', 'pack', 'sid']) await run(mode, 2000);
  const res = { sep: [], pack: [], sid: [] };
  for (let r = 0; r < 8; r++) for (const mode of r % 2 ? ['sid', 'pack', 'sep'] : ['sep', 'pack', 'sid']) res[mode].push(await run(mode, 5000));
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const k in res) console.log(k, med(res[k]).toFixed(1), 'µs process CPU per round trip', res[k].map((x) => x.toFixed(0)).join(' '));
  await w.terminate();
}
