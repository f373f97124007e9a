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
});
