import { getHeapStatistics } from 'node:v8';

/**
 * Bytes the V8 heap grows by per call of `fn`, measured without flags: `fn(0..batch-1)` between
 * two readings of the used heap size, repeated, keeping the median of the batches no garbage
 * collection interrupted (a collection shrinks the heap; those batches are dropped). New objects
 * are bump-allocated in the young generation, so the growth of a batch that fits in it is what
 * the calls allocated. The reading itself allocates a few hundred bytes per batch: measured with
 * an empty function and subtracted. Used by the allocation test of the gate and by
 * bench/gate-profile.ts.
 */
export function allocatedBytesPerCall(fn: (i: number) => unknown, batch = 2_000, rounds = 41): number {
  const grow = (f: (i: number) => unknown): number => {
    const samples: number[] = [];
    for (let attempt = 0; samples.length < rounds && attempt < rounds * 10; attempt++) {
      const before = getHeapStatistics().used_heap_size;
      for (let i = 0; i < batch; i++) f(i);
      const after = getHeapStatistics().used_heap_size;
      if (after >= before) samples.push(after - before);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
  };
  const floor = grow(() => undefined);
  return Math.max(0, Math.round((grow(fn) - floor) / batch));
}
