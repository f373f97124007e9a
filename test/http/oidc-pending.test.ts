import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingSignIns, type PendingSignIn } from '../../src/http/oidc.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

/**
 * The OpenID sign-ins under way, in the database (migration 220) so the provider's redirect back
 * may land on any server: single use, expiry enforced, expired rows purged, only digests of the
 * cookie ids stored. Both engines run the same SQL.
 */
describe.each(engines())('OpenID sign-ins under way on %s', (engine) => {
  let db: Database;
  let store: PendingSignIns;
  const T = Date.parse('2026-12-06T12:00:00Z');
  const id = () => randomBytes(32).toString('base64url');
  const pending = (expiresAt: number): PendingSignIn => ({ state: id(), nonce: id(), verifier: id(), expiresAt });

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    store = new PendingSignIns(db);
  }, 180_000);
  afterAll(async () => {
    await db?.close();
  });

  it('gives back what was started, once; a second take (a replay, another server) finds nothing', async () => {
    const k = id();
    const p = pending(T + 600_000);
    await store.put(k, p, T);
    expect(await store.take(k, T + 1_000)).toEqual(p);
    expect(await store.take(k, T + 1_000)).toBeUndefined();
  });

  it('of concurrent takes of one sign-in, exactly one gets it', async () => {
    const k = id();
    await store.put(k, pending(T + 600_000), T);
    const got = await Promise.all([store.take(k, T), store.take(k, T), store.take(k, T), store.take(k, T)]);
    expect(got.filter((g) => g !== undefined)).toHaveLength(1);
  });

  it('refuses a sign-in at or past its expiry, and consumes it all the same', async () => {
    const k = id();
    await store.put(k, pending(T + 600_000), T);
    expect(await store.take(k, T + 600_000)).toBeUndefined();
    expect(await store.take(k, T)).toBeUndefined();
  });

  it('purges expired sign-ins as new ones start, and keeps live ones', async () => {
    const old = id();
    const live = id();
    await store.put(old, pending(T + 1_000), T);
    await store.put(live, pending(T + 600_000), T);
    await store.put(id(), pending(T + 700_000), T + 2_000); // purges `old`
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM oidc_pending WHERE expires_at <= $1', [new Date(T + 2_000)]);
    expect(row!.n).toBe(0);
    expect(await store.take(live, T + 2_000)).toBeDefined();
  });

  it('keeps at most its cap of sign-ins under way, dropping those that expire first', async () => {
    await db.query('DELETE FROM oidc_pending');
    const capped = new PendingSignIns(db, 3);
    const ids = [id(), id(), id(), id(), id()];
    // Expiring in order 5, 1, 4, 2, 3 minutes from T: the two soonest (ids[0], ids[2]) go.
    const minutes = [5, 1, 4, 2, 3];
    for (let i = 0; i < ids.length; i++) await capped.put(ids[i]!, pending(T + minutes[i]! * 60_000), T);
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM oidc_pending');
    expect(row!.n).toBe(3);
    expect(await capped.take(ids[1]!, T)).toBeUndefined();
    expect(await capped.take(ids[3]!, T)).toBeUndefined();
    for (const k of [ids[0]!, ids[2]!, ids[4]!]) expect(await capped.take(k, T)).toBeDefined();
  });

  it('stores digests of the cookie ids, never the ids', async () => {
    const k = id();
    await store.put(k, pending(T + 600_000), T);
    const rows = await db.query<{ id_digest: string }>('SELECT id_digest FROM oidc_pending');
    expect(rows.some((r) => r.id_digest === k)).toBe(false);
    expect(await store.take(k, T)).toBeDefined();
  });

  it('refuses malformed cookie ids', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }).filter((s) => !/^[A-Za-z0-9_-]{43}$/.test(s)), async (s) => {
        expect(await store.take(s, T)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
    expect(await store.take(undefined, T)).toBeUndefined();
  });
});
