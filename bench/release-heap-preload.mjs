// Preloaded into the bench server by bench/release-heap.ts (CG_BENCH_SERVER_IMPORT): V8's sampling heap
// profiler, started after CG_HEAP_WARM releases and written with the count of releases it covers to
// CG_HEAP_OUT on SIGTERM. By default it keeps objects collected by minor and major GCs (all that a
// release allocates). With CG_HEAP_SURVIVORS=1 it leaves out those collected by scavenges, so what it
// reports survived at least one scavenge (copied or promoted: the scavenge's copying work), by the
// function that allocated it; two minor GCs before the profile is read then drop what the last
// scavenge had not yet looked at.
import v8 from 'node:v8';
import vm from 'node:vm';
import dc from 'node:diagnostics_channel';
import inspector from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const out = process.env.CG_HEAP_OUT;
const WARM = Number(process.env.CG_HEAP_WARM ?? 3000);
const survivors = Boolean(process.env.CG_HEAP_SURVIVORS);
const PATH = process.env.CG_HEAP_SIDE === 'bare' ? '/bare' : '/v1/releases';
let n = 0, started = false, startAt = 0;
const session = new inspector.Session();
session.connect();
dc.subscribe('http.server.response.finish', ({ request }) => {
  if (request.url !== PATH) return;
  n++;
  if (!started && n >= WARM) {
    started = true; startAt = n;
    session.post('HeapProfiler.startSampling', { samplingInterval: Number(process.env.CG_HEAP_INTERVAL ?? 512), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
  }
});
process.prependListener('SIGTERM', async () => {
  if (!started) return;
  if (survivors) {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    gc({ type: 'minor' });
    gc({ type: 'minor' });
  }
  const { profile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(out, JSON.stringify({ releases: n - startAt, profile }));
  process.exit(0);
});
