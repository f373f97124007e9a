import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, holderAlive, lockDataDir, processStart } from '../../src/store/dir-lock.ts';
import { openPGlite } from '../../src/store/pglite.ts';

/**
 * One writer per data directory (src/store/dir-lock.ts): the lock itself, stale locks of dead or
 * recycled processes, and several processes racing to take over one stale lock.
 */
const root = mkdtempSync(join(tmpdir(), 'cg-dirlock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
};
const CHILD = fileURLToPath(new URL('./dir-lock-child.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** A PID that certainly belongs to no running process: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const stale = (d: string, pid: number, start: number | null) =>
  writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid, start, host: hostname(), token: 'old', since: '2026-01-01T00:00:00.000Z' }));

describe('lockDataDir', () => {
  it('a second opener is refused with DATA_DIR_LOCKED naming the holder PID; release frees it', () => {
    const d = dir();
    const lock = lockDataDir(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    let err: unknown;
    try {
      lockDataDir(d);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'DATA_DIR_LOCKED', extra: { pid: process.pid } });
    expect((err as Error).message).toContain(`process ${process.pid}`);
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    lockDataDir(d).release();
  });

  it('takes over the lock of a dead process', () => {
    const d = dir();
    stale(d, deadPid(), null);
    const lock = lockDataDir(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it.skipIf(processStart(process.pid) === null)('a recycled PID (same number, other start time) is not the holder', () => {
    const d = dir();
    stale(d, process.pid, (processStart(process.pid) as number) - 1);
    expect(holderAlive({ pid: process.pid, start: (processStart(process.pid) as number) - 1, host: hostname(), token: 'x', since: '' })).toBe(false);
    lockDataDir(d).release();
  });

  it('a lock from another host counts as live', () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: deadPid(), start: 1, host: `not-${hostname()}`, token: 't', since: '' }));
    expect(() => lockDataDir(d)).toThrow(/on host not-/);
  });

  it('releasing does not remove a lock that another opener took over since', () => {
    const d = dir();
    const lock = lockDataDir(d);
    stale(d, deadPid(), null); // as if our lock had been taken over and the new holder died
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });

  it('three processes racing for one stale lock: exactly one wins, every round', async () => {
    for (let round = 0; round < 4; round++) {
      const d = dir();
      stale(d, deadPid(), null);
      const at = Date.now() + 2500; // usually after every racer has booted; a late one still meets the held lock
      const children = [0, 1, 2].map(() => spawn(process.execPath, [TSX, CHILD, d, String(at)], { stdio: ['pipe', 'pipe', 'pipe'] }));
      const answers = children.map(
        (c) =>
          new Promise<string>((resolve, reject) => {
            let out = '';
            c.stdout!.on('data', (b: Buffer) => {
              out += b.toString();
              if (out.includes('\n')) resolve(out.trim());
            });
            c.stderr!.on('data', (b: Buffer) => (out += b.toString()));
            c.on('exit', () => reject(new Error(`racer exited without answering: ${out}`)));
          }),
      );
      const exited = children.map((c) => new Promise((r) => c.on('exit', r)));
      const outcomes = await Promise.all(answers);
      const winner = outcomes.find((o) => o.startsWith('won'));
      if (winner) expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(Number(winner.slice(4)));
      for (const c of children) c.stdin!.end(); // every racer has answered: the winner may release
      await Promise.all(exited);
      expect(outcomes.filter((o) => o.startsWith('won')), `round ${round}: ${outcomes.join(' | ')}`).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'locked DATA_DIR_LOCKED'), `round ${round}: ${outcomes.join(' | ')}`).toHaveLength(2);
      expect(existsSync(join(d, LOCK_FILE))).toBe(false); // the winner released it on exit
    }
  }, 60_000);
});

describe('openPGlite on a data directory', () => {
  it('holds the lock while open: a second PGlite on the same directory is refused', async () => {
    const d = dir();
    const db = await openPGlite({ dataDir: d });
    await expect(openPGlite({ dataDir: d })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    await db.close();
    const again = await openPGlite({ dataDir: d, mustExist: true });
    expect(await again.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await again.close();
  }, 60_000);

  it('mustExist: a missing or empty directory is DATA_DIR_NOT_FOUND and nothing is created', async () => {
    const missing = join(root, 'typo');
    await expect(openPGlite({ dataDir: missing, mustExist: true })).rejects.toMatchObject({ code: 'DATA_DIR_NOT_FOUND' });
    expect(existsSync(missing)).toBe(false);
    const empty = dir();
    await expect(openPGlite({ dataDir: empty, mustExist: true })).rejects.toMatchObject({ code: 'DATA_DIR_NOT_FOUND' });
    expect(existsSync(join(empty, 'PG_VERSION'))).toBe(false);
  });
});
