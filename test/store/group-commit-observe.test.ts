import { describe, expect, it } from 'vitest';
import { GroupCommit, type BatchStats } from '../../src/store/group-commit.ts';

/** GroupCommit tells its observer about every settled batch: size, wait, commit time, success. */
describe('GroupCommit onBatch', () => {
  it('reports each batch once it settled, committed or failed', async () => {
    const seen: BatchStats[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let fail = false;
    const gc = new GroupCommit<number, number>({
      flush: async (items) => {
        await gate;
        if (fail) throw new Error('disk full');
        return items.map((i) => i * 2);
      },
      onBatch: (s) => seen.push(s),
    });
    // Submitted in one turn: one batch of three.
    const done = [gc.submit(1), gc.submit(2), gc.submit(3)];
    expect(seen).toEqual([]);
    release();
    expect(await Promise.all(done)).toEqual([2, 4, 6]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ size: 3, ok: true });
    expect(seen[0]!.commitMs).toBeGreaterThanOrEqual(0);
    // The oldest item waited at least as long as the commit took.
    expect(seen[0]!.waitMs).toBeGreaterThanOrEqual(seen[0]!.commitMs);

    fail = true;
    await expect(Promise.all([gc.submit(4), gc.submit(5)])).rejects.toThrow('disk full');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ size: 2, ok: false });
  });

  it('an observer that throws changes nothing for the callers', async () => {
    const gc = new GroupCommit<number, number>({
      flush: async (items) => items.map((i) => i + 1),
      onBatch: () => {
        throw new Error('observer bug');
      },
    });
    expect(await gc.submit(41)).toBe(42);
  });
});
