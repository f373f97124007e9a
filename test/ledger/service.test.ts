import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerService } from '../../src/app/ledger-service.ts';
import { parseVerifierKey, verifyCheckpoint, generateSigner, leafHash } from '../../src/ledger/index.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { until } from '../support/wait.ts';


describe.each(engines())('ledger service on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  const append = (k: number) => journal.append('svc', { k }, { k, subject: 'sp_x' });

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    journal = new Journal(db, sqlLedgerAppender);
    journal.register('svc', async () => {});
  });
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  it('issues a checkpoint at start, then every N entries; keeps every checkpoint; the key survives restarts', async () => {
    const svc = new LedgerService(db, journal, { origin: 'svc.test/log', checkpointEvery: 10, checkpointIntervalMs: 3_600_000 });
    await svc.start();
    const key = parseVerifierKey(svc.verifierKey);
    expect(key.name).toBe('svc.test/log');
    expect((await svc.latestCheckpoint()).size).toBe(0);

    for (let i = 0; i < 25; i++) await append(i);
    // 25 entries with N = 10: checkpoints at (at least) sizes ≥ 10 and ≥ 20, none skipped.
    await until(async () => (await svc.latestCheckpoint()).size >= 20, 'a checkpoint after 20 entries');
    const all = await svc.checkpoints.list();
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const cp of all) {
      const v = verifyCheckpoint(cp.note, key);
      expect(v.size).toBe(cp.size);
      expect(Buffer.from(v.root).equals(Buffer.from(await svc.reader.root(cp.size)))).toBe(true);
    }
    await svc.stop();
    // stop() signs a final checkpoint covering everything acknowledged.
    expect((await svc.checkpoints.latest())!.size).toBe(25);

    const again = new LedgerService(db, journal, { origin: 'svc.test/log' });
    await again.start();
    expect(again.verifierKey).toBe(key.text);
    await again.stop();
  });

  it('issues a checkpoint after T ms when fewer than N entries arrive', async () => {
    const svc = new LedgerService(db, journal, { origin: 'svc.test/log', checkpointEvery: 1_000_000, checkpointIntervalMs: 20 });
    await svc.start();
    const before = (await svc.latestCheckpoint()).size;
    await append(100);
    await until(async () => (await svc.latestCheckpoint()).size === before + 1, 'the timed checkpoint');
    await svc.stop();
  });

  it('an operator-held key is used, listed without its secret, and must match the origin', async () => {
    const held = generateSigner('held.test/log');
    const svc = new LedgerService(db, journal, { signerKey: held.secretText });
    await svc.start();
    expect(svc.verifierKey).toBe(held.text);
    const keys = await svc.keys();
    expect(keys.keys.find((k) => k.name === 'held.test/log')?.verifier).toBe(held.text);
    const [row] = await db.query<{ seed: unknown }>(`SELECT seed FROM ledger_keys WHERE name = 'held.test/log'`);
    expect(row!.seed).toBeNull();
    await svc.stop();
    expect(() => new LedgerService(db, journal, { signerKey: held.secretText, origin: 'other.test/log' })).toThrow(/origin/);
  });

  it('refuses to start on a rewritten history, a gap, or a frontier that disagrees with storage', async () => {
    const svc = () => new LedgerService(db, journal, { origin: 'svc.test/log', checkpointEvery: 1_000_000, checkpointIntervalMs: 3_600_000 });
    const s = svc();
    await s.start();
    await s.checkpoint();
    await s.stop();
    await expect(s.recover()).resolves.toMatchObject({ size: expect.any(Number) });

    // Rewrite a stored subtree under the newest checkpoint: caught at start (O(log n) check).
    const size = (await s.checkpoints.latest())!.size;
    const [node] = await db.query<{ level: number; idx: number; hash: Uint8Array }>(
      'SELECT level, idx, hash FROM ledger_nodes WHERE level = (SELECT max(level) FROM ledger_nodes) AND idx = 0',
    );
    expect(2 ** node!.level).toBeLessThanOrEqual(size);
    const bent = Buffer.from(node!.hash);
    bent[5]! ^= 4;
    await db.query('UPDATE ledger_nodes SET hash = $1 WHERE level = $2 AND idx = 0', [bent, node!.level]);
    await expect(svc().start()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await expect(s.audit()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await db.query('UPDATE ledger_nodes SET hash = $1 WHERE level = $2 AND idx = 0', [Buffer.from(node!.hash), node!.level]);

    // Rewrite one entry (and its leaf hash) deep inside the tree: only the full audit can see it.
    const [orig] = await db.query<{ entry: Uint8Array; leaf_hash: Uint8Array }>('SELECT entry, leaf_hash FROM ledger_entries WHERE idx = 3');
    const forged = Buffer.from('{"forged":true}');
    await db.query('UPDATE ledger_entries SET entry = $1, leaf_hash = $2 WHERE idx = 3', [forged, Buffer.from(leafHash(forged))]);
    await expect(s.audit()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    const fooled = svc(); // consistent hashes: only the O(n) audit can tell
    await expect(fooled.start()).resolves.toBeUndefined();
    await fooled.stop();
    await db.query('UPDATE ledger_entries SET entry = $1 WHERE idx = 3', [forged]);
    await db.query('UPDATE ledger_entries SET leaf_hash = $1 WHERE idx = 3', [Buffer.from(orig!.leaf_hash)]);
    await expect(s.audit()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringContaining('does not hash') });
    await db.query('UPDATE ledger_entries SET entry = $1 WHERE idx = 3', [Buffer.from(orig!.entry)]);
    const audited = await s.audit({ pageSize: 7 });
    expect(audited.size).toBe(size);
    expect(audited.checkpoints).toBeGreaterThanOrEqual(3);

    // A lost entry (gap).
    const [row] = await db.query<{ idx: number; entry: Uint8Array; leaf_hash: Uint8Array; subject: string | null }>(
      'SELECT idx, entry, leaf_hash, subject FROM ledger_entries WHERE idx = 5',
    );
    await db.query('DELETE FROM ledger_entries WHERE idx = 5');
    await expect(svc().start()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await db.query('INSERT INTO ledger_entries (idx, entry, leaf_hash, subject) VALUES ($1, $2, $3, $4)', [row!.idx, Buffer.from(row!.entry), Buffer.from(row!.leaf_hash), row!.subject]);

    // A head frontier that is not the stored tree's.
    const [head] = await db.query<{ frontier: Uint8Array }>('SELECT frontier FROM ledger_head');
    const broken = Buffer.from(head!.frontier);
    broken[0]! ^= 1;
    await db.query('UPDATE ledger_head SET frontier = $1', [broken]);
    await expect(svc().start()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await db.query('UPDATE ledger_head SET frontier = $1', [Buffer.from(head!.frontier)]);

    const ok = svc();
    await ok.start();
    await ok.stop();
  });

  it('serves every entry about a subject pseudonym', async () => {
    const svc = new LedgerService(db, journal, { origin: 'svc.test/log' });
    const rows = await svc.entriesBySubject('sp_x', { limit: 1000 });
    expect(rows.length).toBeGreaterThanOrEqual(26);
    expect(rows.every((r) => JSON.parse(Buffer.from(r.entry).toString()).subject === 'sp_x')).toBe(true);
    const page = await svc.entriesBySubject('sp_x', { after: rows[9]!.index, limit: 5 });
    expect(page.map((r) => r.index)).toEqual(rows.slice(10, 15).map((r) => r.index));
  });
});
