// Preloaded into the bench server by bench/release-heap.ts (CG_BENCH_SERVER_IMPORT): V8's sampling heap
// profiler with objects collected by minor and major GCs included, started after CG_HEAP_WARM
// releases and written with the count of releases it covers to CG_HEAP_OUT on SIGTERM.
import dc from 'node:diagnostics_channel';
import inspector from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const out = process.env.CG_HEAP_OUT;
const WARM = Number(process.env.CG_HEAP_WARM ?? 3000);
let n = 0, started = false, startAt = 0;
const session = new inspector.Session();
session.connect();
dc.subscribe('http.server.response.finish', ({ request }) => {
  if (request.url !== '/v1/releases') return;
  n++;
  if (!started && n >= WARM) {
    started = true; startAt = n;
    session.post('HeapProfiler.startSampling', { samplingInterval: Number(process.env.CG_HEAP_INTERVAL ?? 512), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
});
process.prependListener('SIGTERM', async () => {
  if (!started) return;
  const { profile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(out, JSON.stringify({ releases: n - startAt, profile }));
  process.exit(0);
});
