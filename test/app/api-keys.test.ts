import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminActions } from '../../src/app/admin-actions.ts';
import { ApiKeys, formatKey, parseKey } from '../../src/app/api-keys.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { Journal } from '../../src/store/journal.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database } from '../../src/store/sql.ts';

describe('key format', () => {
  const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 43, maxLength: 100 });
  const hex16 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 });

  it('format and parse are inverse for every well-formed key', () => {
    fc.assert(
      fc.property(fc.constantFrom('admin', 'recipient', 'subject' as const), hex16, b64url, (kind, id, secret) => {
        const k = { kind, id, secret } as const;
        expect(parseKey(formatKey(k))).toEqual(k);
      }),
    );
  });

  it('arbitrary strings never throw and never parse into a short secret', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const p = parseKey(s);
        if (p) expect(p.secret.length).toBeGreaterThanOrEqual(43);
      }),
      { numRuns: 5000 },
    );
    expect(parseKey(`cg_root_${'0'.repeat(16)}_${'A'.repeat(43)}`)).toBeUndefined();
    expect(parseKey(`cg_admin_${'0'.repeat(16)}_${'A'.repeat(42)}`)).toBeUndefined();
  });
});

describe('ApiKeys', () => {
  let db: Database;
  let journal: Journal;
  let clock = new Date('2026-01-01T00:00:00Z');
  let keys: ApiKeys;
  let admin: AdminActions;

  beforeAll(async () => {
    db = await openDatabase({});
    journal = new Journal(db, sqlLedgerAppender);
    admin = new AdminActions(journal);
    keys = new ApiKeys(db, admin, { now: () => clock, cacheTtlMs: 0 });
  }, 180_000);
  afterAll(async () => {
    await journal.close();
    await db.close();
  });

  it('verifies a fresh key, rejects any changed character, and honours expiry by the injected clock', async () => {
    const { key, view } = await keys.create({ kind: 'subject', principal: 'cust-1', scopes: ['subject'], expiresAt: new Date('2026-02-01T00:00:00Z'), actor: 't' });
    expect(await keys.verify(key)).toEqual({ ok: true, principal: { kind: 'subject', id: 'cust-1', keyId: view.id, scopes: ['subject'] } });
    const secretStart = key.lastIndexOf('_') + 1;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: secretStart, max: key.length - 1 }), fc.constantFrom(...'ABCxyz019-_'), async (i, ch) => {
        fc.pre(key[i] !== ch);
        const changed = key.slice(0, i) + ch + key.slice(i + 1);
        expect((await keys.verify(changed)).ok).toBe(false);
      }),
      { numRuns: 50 },
    );
    // The server remembers a digest of the last secret that matched: failed attempts never replace it.
    expect((await keys.verify(key)).ok).toBe(true);
    clock = new Date('2026-02-01T00:00:00Z');
    expect(await keys.verify(key)).toEqual({ ok: false, reason: 'expired' });
  });

  it('installs an operator-chosen key once (CONSENTGATE_ADMIN_KEY) and refuses a different secret under the same id', async () => {
    const chosen = `cg_admin_00000000000000aa_${'S'.repeat(43)}`;
    expect(await keys.ensure(chosen, { principal: 'operator', scopes: ['*'], actor: 'system' })).toBe(true);
    expect(await keys.ensure(chosen, { principal: 'operator', scopes: ['*'], actor: 'system' })).toBe(true);
    expect(await keys.ensure(`cg_admin_00000000000000aa_${'T'.repeat(43)}`, { principal: 'operator', scopes: ['*'], actor: 'system' })).toBe(false);
    expect((await keys.verify(chosen)).ok).toBe(true);
    await expect(keys.ensure('not-a-key', { principal: 'operator', scopes: ['*'], actor: 'system' })).rejects.toMatchObject({ code: 'INVALID_KEY_FORMAT' });
  });

  it('verifyCached answers from a fresh cache entry exactly as verify does, and defers to verify otherwise', async () => {
    const cachedKeys = new ApiKeys(db, admin, { now: () => new Date('2026-01-15T00:00:00Z'), cacheTtlMs: 60_000 });
    const { key, view } = await cachedKeys.create({ kind: 'recipient', principal: 'r-cache', scopes: ['release'], actor: 't' });
    // Not loaded yet: no answer without the database.
    expect(cachedKeys.verifyCached(key)).toBeUndefined();
    expect(cachedKeys.verifyCached('not-a-key')).toEqual({ ok: false, reason: 'malformed' });
    const loaded = await cachedKeys.verify(key);
    expect(loaded).toEqual({ ok: true, principal: { kind: 'recipient', id: 'r-cache', keyId: view.id, scopes: ['release'] } });
    expect(cachedKeys.verifyCached(key)).toEqual(loaded);
    // One shared answer per entry, frozen so that no request can change another's principal.
    const again = cachedKeys.verifyCached(key)!;
    expect(cachedKeys.verifyCached(key)).toBe(again);
    expect(again.ok && Object.isFrozen(again) && Object.isFrozen(again.principal)).toBe(true);
    // A wrong secret under the cached id is refused in this turn too, and does not spoil the entry.
    const wrong = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(cachedKeys.verifyCached(wrong)).toEqual({ ok: false, reason: 'unknown' });
    expect(cachedKeys.verifyCached(key)).toEqual(loaded);
    // Revocation drops the entry: the next request loads the row again.
    await cachedKeys.revoke(view.id, 't');
    expect(cachedKeys.verifyCached(key)).toBeUndefined();
    expect(await cachedKeys.verify(key)).toEqual({ ok: false, reason: 'revoked' });
    expect(cachedKeys.verifyCached(key)).toEqual({ ok: false, reason: 'revoked' });
  });
});
