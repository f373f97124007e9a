// Preloaded into the bench server by bench/release-trace.ts (CG_BENCH_SERVER_IMPORT): per release,
// when it arrived, was submitted to the journal and was acknowledged; every journal batch; every
// GC pause (perf_hooks); the event loop's delay. Written as JSON to CG_TRACE_OUT on SIGTERM.
// Diagnosis only: AsyncLocalStorage and the wrappers cost CPU of their own.
import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const out = process.env.CG_TRACE_OUT;
const reqs = [];
const batches = [];
const gcs = [];
// The journal's batch statements as the server's pg client sees them (PostgreSQL): [sent, reply read].
const dbs = [];
let monoOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
const als = new AsyncLocalStorage();
const recOf = new WeakMap();
dc.subscribe('http.server.request.start', ({ request }) => {
  if (request.url !== '/v1/releases') return;
  const rec = { a: performance.now() };
  recOf.set(request, rec);
  // The release handler runs in this call's continuation: the journal submit finds its record.
  als.enterWith(rec);
});
dc.subscribe('http.server.response.finish', ({ request }) => {
  const rec = recOf.get(request);
  if (!rec) return;
  rec.b = performance.now();
  reqs.push(rec);
});
const { GroupCommit } = await import(new URL('../src/store/group-commit.ts', import.meta.url).href);
const submit = GroupCommit.prototype.submit;
GroupCommit.prototype.submit = function (item) {
  const rec = als.getStore();
  const p = submit.call(this, item);
  if (rec) {
    rec.s = performance.now();
    p.then(() => (rec.r = performance.now()), () => {});
  }
  return p;
};
// The release path submits through a callback (submitTo, h-cpu6): the same two times from it.
const submitTo = GroupCommit.prototype.submitTo;
GroupCommit.prototype.submitTo = function (item, settle) {
  const rec = als.getStore();
  if (!rec) return submitTo.call(this, item, settle);
  rec.s = performance.now();
  return submitTo.call(this, item, (e, r) => {
    rec.r = performance.now();
    settle(e, r);
  });
};
const run = GroupCommit.prototype.run;
const batchRec = new WeakMap();
GroupCommit.prototype.run = function (batch) {
  const b = { st: performance.now(), size: batch.length };
  batches.push(b);
  batchRec.set(batch, b);
  return run.call(this, batch).finally(() => (b.en = performance.now()));
};
// observe() runs once flush settled, just before the callers are resumed: `fl` is when the batch's
// flush (statement, reply, listeners) was done, so en - fl is the callers' own turn.
const observe = GroupCommit.prototype.observe;
GroupCommit.prototype.observe = function (batch, started, ok) {
  const b = batchRec.get(batch);
  if (b) b.fl = performance.now();
  return observe.call(this, batch, started, ok);
};
try {
  const pg = (await import('pg')).default;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (q, ...rest) {
    if (q instanceof pg.Query && typeof q.text === 'string' && q.text.startsWith('WITH u AS') && typeof q.callback === 'function') {
      const d = [performance.now(), NaN];
      dbs.push(d);
      const cb = q.callback;
      q.callback = function (...args) {
        d[1] = performance.now();
        return cb.apply(this, args);
      };
    }
    return query.call(this, q, ...rest);
  };
} catch {
  // no pg (PGlite only): no statement times
}
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration, e.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
process.on('message', (m) => {
  if (m !== 'trace-reset') return;
  reqs.length = batches.length = gcs.length = dbs.length = 0;
  delay.reset();
  // performance.now() + monoOffset = CLOCK_MONOTONIC in ms (process.hrtime), the clock `perf
  // record -k mono` stamps events with: lets a batch be matched with its backend's events.
  monoOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
});
process.prependListener('SIGTERM', () => {
  if (!out) return;
  const ms = (ns) => Math.round(ns / 1e3) / 1e3;
  writeFileSync(out, JSON.stringify({ reqs, batches, gcs, dbs, monoOffset, loopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) } }));
});
