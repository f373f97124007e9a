import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.ts';

/** A flush that records its batches and answers each item with its batch number. */
function recorder(opts: { maxDelayMs?: number; maxBatch?: number } = {}) {
  const batches: number[][] = [];
  const gc = new GroupCommit<number, number>({
    ...opts,
    flush: async (items) => {
      batches.push([...items]);
      return items.map(() => batches.length);
    },
  });
  return { gc, batches };
}

describe('group commit', () => {
  it('with no delay, everything submitted in one turn of the event loop shares one batch, and the batch goes right after it', async () => {
    // Timers frozen: the batch must go without one (even setTimeout(…, 0) waits ≥ 1 ms).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { gc, batches } = recorder();
      await Promise.all(Array.from({ length: 50 }, (_, i) => gc.submit(i)));
      expect(batches).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
      await gc.submit(99);
      expect(batches[1]).toEqual([99]);
      await gc.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('with a delay, submissions across turns within it share a batch; maxBatch still cuts', async () => {
    const { gc, batches } = recorder({ maxDelayMs: 20, maxBatch: 3 });
    const a = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    const b = gc.submit(2);
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    expect(batches).toEqual([[1, 2]]);
    const many = await Promise.all([3, 4, 5, 6].map((v) => gc.submit(v)));
    expect(batches.slice(1)).toEqual([[3, 4, 5], [6]]);
    expect(many).toEqual([2, 2, 2, 3]);
    await gc.close();
  });

  describe('pipelining (maxInFlight 2) and its threshold (pipelineMinItems)', () => {
    /** A flush each of whose batches stays in flight until the test lets it commit. */
    function held(opts: { maxInFlight: number; pipelineMinItems?: number; pipelineAfterMs?: number }) {
      const batches: number[][] = [];
      /** Per batch: whether another was in flight when it started. */
      const beside: boolean[] = [];
      const open: Array<() => void> = [];
      let inFlight = 0;
      let maxSeen = 0;
      const gc = new GroupCommit<number, number>({
        ...opts,
        flush: async (items) => {
          batches.push([...items]);
          beside.push(inFlight > 0);
          const n = batches.length;
          inFlight++;
          maxSeen = Math.max(maxSeen, inFlight);
          await new Promise<void>((r) => open.push(r));
          inFlight--;
          return items.map(() => n);
        },
      });
      /** Lets the oldest batch in flight commit and the event loop run its consequences. */
      const commitOldest = async () => {
        open.shift()?.();
        await turns();
      };
      return { gc, batches, beside, commitOldest, running: () => inFlight, maxSeen: () => maxSeen };
    }
    const turns = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };

    it('by default a second batch goes as soon as one item waits beside a running batch', async () => {
      const h = held({ maxInFlight: 2 });
      const a = h.gc.submit(1);
      await turns();
      const b = h.gc.submit(2);
      await turns();
      expect(h.batches).toEqual([[1], [2]]);
      expect(h.running()).toBe(2);
      await h.commitOldest();
      await h.commitOldest();
      expect(await Promise.all([a, b])).toEqual([1, 2]);
    });

    it('below the threshold the queue waits for the running batch, then goes as one batch; at it, a second batch goes beside', async () => {
      const h = held({ maxInFlight: 2, pipelineMinItems: 3 });
      const first = h.gc.submit(1);
      await turns();
      const waiting = [h.gc.submit(2), h.gc.submit(3)];
      await turns();
      // Two waiting, threshold three: no second batch while the first is in flight.
      expect(h.batches).toEqual([[1]]);
      await h.commitOldest();
      expect(await first).toBe(1);
      expect(h.batches).toEqual([[1], [2, 3]]);
      // Three waiting beside the running batch: pipelined.
      const more = [4, 5, 6].map((v) => h.gc.submit(v));
      await turns();
      expect(h.batches).toEqual([[1], [2, 3], [4, 5, 6]]);
      expect(h.running()).toBe(2);
      await h.commitOldest();
      await h.commitOldest();
      expect(await Promise.all(waiting)).toEqual([2, 2]);
      expect(await Promise.all(more)).toEqual([3, 3, 3]);
      await h.gc.close();
    });

    it('below the threshold, items that waited pipelineAfterMs beside a slow batch go beside it; a batch that ends in time takes them as before', async () => {
      const h = held({ maxInFlight: 2, pipelineMinItems: 32, pipelineAfterMs: 30 });
      const first = h.gc.submit(1);
      await turns();
      const waiting = [h.gc.submit(2), h.gc.submit(3)];
      await turns();
      expect(h.batches).toEqual([[1]]);
      // Not before their time…
      await new Promise((r) => setTimeout(r, 10));
      expect(h.batches).toEqual([[1]]);
      // …then beside the running batch, which has not ended.
      await new Promise((r) => setTimeout(r, 40));
      expect(h.batches).toEqual([[1], [2, 3]]);
      expect(h.beside).toEqual([false, true]);
      expect(h.running()).toBe(2);
      // Both slots taken: the next waits for one to free, then again for its time or that batch's end.
      const late = h.gc.submit(4);
      await new Promise((r) => setTimeout(r, 50));
      expect(h.batches.length).toBe(2);
      await h.commitOldest();
      expect(await first).toBe(1);
      expect(h.batches.length).toBe(2);
      await new Promise((r) => setTimeout(r, 50));
      expect(h.batches).toEqual([[1], [2, 3], [4]]);
      await h.commitOldest();
      await h.commitOldest();
      expect(await Promise.all(waiting)).toEqual([2, 2]);
      expect(await late).toBe(3);
      // A batch that commits before the items' time is up: they go after it, as one batch, and
      // the timer does not start another.
      const fast = h.gc.submit(5);
      await turns();
      const after = [h.gc.submit(6), h.gc.submit(7)];
      await turns();
      await h.commitOldest();
      expect(await fast).toBe(4);
      expect(h.batches.slice(4)).toEqual([[6, 7]]);
      await new Promise((r) => setTimeout(r, 50));
      expect(h.batches.length).toBe(5);
      await h.commitOldest();
      expect(await Promise.all(after)).toEqual([5, 5]);
      await h.gc.close();
    });

    it('whatever the arrivals: every item is answered once by the batch that holds it, in order, never more batches in flight than allowed', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 6 }),
          // Each step: submit that many items (0 = let the oldest batch commit instead).
          fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 25 }),
          async (maxInFlight, pipelineMinItems, steps) => {
            const h = held({ maxInFlight, pipelineMinItems });
            const submitted: Array<{ v: number; p: Promise<number> }> = [];
            let next = 0;
            for (const k of steps) {
              if (k === 0) await h.commitOldest();
              else for (let i = 0; i < k; i++, next++) submitted.push({ v: next, p: h.gc.submit(next) });
              await turns();
              // A batch started beside a running one only with enough items waiting.
              h.batches.forEach((b, i) => {
                if (h.beside[i]) expect(b.length).toBeGreaterThanOrEqual(pipelineMinItems);
              });
              expect(h.running()).toBeLessThanOrEqual(maxInFlight);
            }
            const drained = h.gc.drain();
            while (h.running() > 0 || h.gc.pending > 0) await h.commitOldest();
            await drained;
            expect(h.maxSeen()).toBeLessThanOrEqual(maxInFlight);
            h.batches.forEach((b, i) => {
              if (h.beside[i]) expect(b.length).toBeGreaterThanOrEqual(pipelineMinItems);
            });
            // Batches hold the items in submission order, each exactly once.
            expect(h.batches.flat()).toEqual(submitted.map((s) => s.v));
            const batchOf = new Map(h.batches.flatMap((b, i) => b.map((v) => [v, i + 1] as const)));
            for (const s of submitted) expect(await s.p).toBe(batchOf.get(s.v));
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  describe('submitTo: the callback form', () => {
    it('answers after the batch commits, never in the caller\'s turn, in submission order beside promise submitters', async () => {
      const order: string[] = [];
      let committed = false;
      const gc = new GroupCommit<number, number>({
        flush: async (items) => {
          await new Promise((r) => setImmediate(r));
          committed = true;
          return items.map((i) => i * 10);
        },
      });
      const got: Array<[unknown, number | undefined]> = [];
      gc.submitTo(1, (e, r) => {
        expect(committed).toBe(true);
        got.push([e, r]);
        order.push('cb1');
      });
      const p = gc.submit(2).then((r) => order.push(`p2:${r}`));
      gc.submitTo(3, (e, r) => {
        got.push([e, r]);
        order.push('cb3');
      });
      expect(got).toEqual([]);
      await p;
      await gc.close();
      expect(got).toEqual([[null, 10], [null, 30]]);
      // Callbacks run as the batch answers; a promise's continuation on the microtask after.
      expect(order).toEqual(['cb1', 'cb3', 'p2:20']);
    });

    it('gives every callback of a failed batch its error, and nothing is told "stored"', async () => {
      const boom = new Error('batch failed');
      const gc = new GroupCommit<number, number>({ flush: async () => Promise.reject(boom) });
      const got: unknown[][] = [];
      gc.submitTo(1, (...a) => got.push(a));
      gc.submitTo(2, (...a) => got.push(a));
      await expect(gc.submit(3)).rejects.toBe(boom);
      expect(got).toEqual([[boom, undefined], [boom, undefined]]);
      await gc.close();
    });

    it('a callback that throws does not stop the rest of its batch; its error is thrown on a turn of its own', async () => {
      const later: unknown[] = [];
      const bug = new Error('a caller bug');
      const original = process.nextTick.bind(process);
      // The bug's re-throw is held; every other nextTick (the test runner's own) goes through.
      const nextTick = vi.spyOn(process, 'nextTick').mockImplementation(((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
        if (args[0] === bug) later.push(bug);
        else original(fn, ...args);
      }) as typeof process.nextTick);
      try {
        const gc = new GroupCommit<number, number>({ flush: async (items) => items.map((i) => i) });
        const got: number[] = [];
        gc.submitTo(1, () => {
          throw bug;
        });
        gc.submitTo(2, (_e, r) => got.push(r!));
        await gc.submit(3);
        expect(got).toEqual([2]);
        expect(later).toEqual([bug]);
        nextTick.mockRestore();
        await gc.close();
      } finally {
        nextTick.mockRestore();
      }
    });

    it('after close, an error, not in the caller\'s turn', async () => {
      const gc = new GroupCommit<number, number>({ flush: async (items) => items });
      await gc.close();
      let got: unknown;
      gc.submitTo(1, (e) => (got = e));
      expect(got).toBeUndefined();
      await Promise.resolve();
      expect((got as Error).message).toBe('group commit is closed');
    });
  });
});
