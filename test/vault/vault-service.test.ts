import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STORED, VaultService } from '../../src/app/vault-service.ts';
import type { Database } from '../../src/store/sql.ts';
import { itemAad, newDataKey, open } from '../../src/vault/envelope.ts';
import { LocalKeyProvider } from '../../src/vault/key-provider.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

const CATEGORIES = new Set(['name', 'phone', 'address', 'customs_code']);
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe.each(engines())('vault service on %s', (engine) => {
  let db: Database;
  let vault: VaultService;
  const master = newDataKey();
  const keys = new LocalKeyProvider('test', [master]);
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    vault = await VaultService.open(db, { keys, categories: () => CATEGORIES, limits: { maxValueBytes: 64, maxTotalBytes: 100 } });
  });
  afterAll(async () => {
    await vault?.close();
    await db?.close();
  });

  const sealedRow = async (subject: string, category: string) =>
    (await db.query<{ sealed: Uint8Array; key_version: number }>('SELECT sealed, key_version FROM vault_items WHERE subject = $1 AND category = $2', [subject, category]))[0];

  it('stores items sealed and reads them back; no plaintext in any column', async () => {
    await vault.put('cust-1', { name: '홍길동', phone: '010-1234-5678' }, T0);
    expect(Object.fromEntries(await vault.read('cust-1', ['name', 'phone', 'address']))).toEqual({ name: '홍길동', phone: '010-1234-5678' });
    const dump = JSON.stringify(await db.query('SELECT * FROM vault_items')) + JSON.stringify(await db.query('SELECT * FROM vault_keys'));
    const raw = Buffer.concat((await db.query<{ sealed: Uint8Array }>('SELECT sealed FROM vault_items')).map((r) => Buffer.from(r.sealed)));
    for (const secret of ['홍길동', '010-1234-5678']) {
      expect(dump).not.toContain(secret);
      expect(raw.includes(Buffer.from(secret))).toBe(false);
    }
  });

  it('describes stored categories without values, and removes a category given null', async () => {
    await vault.put('cust-2', { name: 'Jane Roe', address: '1 Fake St' }, T0);
    await vault.put('cust-2', { address: null }, T0 + 1);
    const d = await vault.describe('cust-2');
    expect(d.erased).toBe(false);
    expect(d.items.map((i) => i.category)).toEqual(['name']);
    expect(JSON.stringify(d)).not.toContain('Jane');
    expect(Object.fromEntries(await vault.read('cust-2', ['name', 'address']))).toEqual({ name: 'Jane Roe' });
  });

  it("fails to decrypt a ciphertext moved to another subject's row (AAD binds subject and category)", async () => {
    await vault.put('cust-3', { name: 'Alice Example' }, T0);
    await vault.put('cust-4', { name: 'Bob Example' }, T0);
    const a = (await sealedRow('cust-3', 'name'))!;
    await db.query('UPDATE vault_items SET sealed = $1 WHERE subject = $2 AND category = $3', [Buffer.from(a.sealed), 'cust-4', 'name']);
    // Another server's write: drop caches the way a NOTIFY would.
    const fresh = await VaultService.open(db, { keys, categories: () => CATEGORIES });
    await expect(fresh.read('cust-4', ['name'])).rejects.toMatchObject({ code: 'VAULT_DECRYPT_FAILED' });
    await db.query('UPDATE vault_items SET sealed = $1, category = $2 WHERE subject = $3 AND category = $4', [Buffer.from(a.sealed), 'phone', 'cust-3', 'name']);
    const fresh2 = await VaultService.open(db, { keys, categories: () => CATEGORIES });
    await expect(fresh2.read('cust-3', ['phone'])).rejects.toMatchObject({ code: 'VAULT_DECRYPT_FAILED' });
    await fresh.close();
    await fresh2.close();
  });

  it('fails to decrypt a tampered ciphertext', async () => {
    await vault.put('cust-5', { phone: '010-9999-0000' }, T0);
    const row = (await sealedRow('cust-5', 'phone'))!;
    const t = Buffer.from(row.sealed);
    t[t.length - 20]! ^= 0x40;
    await db.query('UPDATE vault_items SET sealed = $1 WHERE subject = $2', [t, 'cust-5']);
    const fresh = await VaultService.open(db, { keys, categories: () => CATEGORIES });
    await expect(fresh.read('cust-5', ['phone'])).rejects.toMatchObject({ code: 'VAULT_DECRYPT_FAILED' });
    await fresh.close();
  });

  it('a read for a release decrypts only the categories it is told to; of the others it says only that a value is stored', async () => {
    await vault.put('cust-5b', { name: 'Pre Sence', phone: '010-9999-0001' }, T0);
    // The phone's ciphertext is broken: a read that decrypted it would fail.
    const row = (await sealedRow('cust-5b', 'phone'))!;
    const t = Buffer.from(row.sealed);
    t[t.length - 20]! ^= 0x40;
    await db.query('UPDATE vault_items SET sealed = $1 WHERE subject = $2 AND category = $3', [t, 'cust-5b', 'phone']);
    const fresh = await VaultService.open(db, { keys, categories: () => CATEGORIES });
    const got = await fresh.read('cust-5b', ['name', 'phone', 'address'], (c) => c === 'name' || c === 'address');
    expect([...got]).toEqual([['name', 'Pre Sence'], ['phone', STORED]]);
    await expect(fresh.read('cust-5b', ['phone'], () => true)).rejects.toMatchObject({ code: 'VAULT_DECRYPT_FAILED' });
    await fresh.close();
  });

  it('erasure destroys the data key: the stored ciphertext can no longer be opened by anyone', async () => {
    await vault.put('cust-6', { name: 'Erin Example', customs_code: 'P000000000001' }, T0);
    const before = await db.query<{ wrapped_key: Uint8Array; master_key_id: string; key_version: number }>(
      'SELECT wrapped_key, master_key_id, key_version FROM vault_keys WHERE subject = $1',
      ['cust-6'],
    );
    expect(before[0]!.wrapped_key).toBeTruthy();
    const seen: string[] = [];
    vault.onErased((s) => void seen.push(s));
    await vault.erase('cust-6', T0 + 10);
    expect(seen).toEqual(['cust-6']);
    expect(vault.isErased('cust-6')).toBe(true);
    await expect(vault.read('cust-6', ['name'])).rejects.toMatchObject({ code: 'SUBJECT_ERASED' });
    await expect(vault.put('cust-6', { name: 'again' }, T0 + 11)).rejects.toMatchObject({ code: 'SUBJECT_ERASED' });
    const [key] = await db.query<{ wrapped_key: Uint8Array | null; destroyed_at: Date | null }>('SELECT wrapped_key, destroyed_at FROM vault_keys WHERE subject = $1', ['cust-6']);
    expect(key!.wrapped_key).toBeNull();
    expect(key!.destroyed_at).toBeInstanceOf(Date);
    // The ciphertext is still stored (as in any backup); the master key opens no data key for it.
    const row = (await sealedRow('cust-6', 'name'))!;
    const fresh = await VaultService.open(db, { keys, categories: () => CATEGORIES });
    expect(fresh.isErased('cust-6')).toBe(true);
    await expect(fresh.read('cust-6', ['name'])).rejects.toMatchObject({ code: 'SUBJECT_ERASED' });
    expect(() => open(newDataKey(), itemAad('cust-6', 'name', row.key_version), row.sealed)).toThrow();
    await fresh.close();
    expect((await vault.describe('cust-6')).items).toEqual([]);
  });

  it('records erasure of a subject that never stored data', async () => {
    await vault.erase('cust-never', T0);
    expect(vault.isErased('cust-never')).toBe(true);
    expect((await vault.describe('cust-never')).erased).toBe(true);
  });

  it('refuses unknown categories, oversized values and bad subject ids with a path', async () => {
    await expect(vault.put('cust-7', { passport: 'X' }, T0)).rejects.toMatchObject({ code: 'UNKNOWN_CATEGORY', status: 400, path: 'passport' });
    await expect(vault.put('cust-7', { name: 'x'.repeat(65) }, T0)).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE', status: 413, path: 'name' });
    await expect(vault.put('cust-7', { name: 'x'.repeat(60), phone: 'y'.repeat(60) }, T0)).rejects.toMatchObject({ code: 'ITEMS_TOO_LARGE' });
    await expect(vault.put('bad id', { name: 'x' }, T0)).rejects.toMatchObject({ code: 'INVALID_SUBJECT' });
    await expect(vault.put('cust-7', {}, T0)).rejects.toMatchObject({ code: 'EMPTY_ITEMS' });
    expect((await vault.describe('cust-7')).items).toEqual([]);
  });

  it('re-wraps data keys under a new master key, after which the old key is not needed', async () => {
    await vault.put('cust-8', { name: 'Rota Tion' }, T0);
    const k2 = newDataKey();
    const rotating = new LocalKeyProvider('rotating', [master, k2]);
    const v2 = await VaultService.open(db, { keys: rotating, categories: () => CATEGORIES });
    expect(await v2.rewrapAll(rotating.currentKeyId)).toBeGreaterThan(0);
    expect(await v2.rewrapAll(rotating.currentKeyId)).toBe(0);
    const onlyNew = await VaultService.open(db, { keys: new LocalKeyProvider('new', [k2]), categories: () => CATEGORIES });
    expect(Object.fromEntries(await onlyNew.read('cust-8', ['name']))).toEqual({ name: 'Rota Tion' });
    await v2.close();
    await onlyNew.close();
  });

  it("readCached answers a cached subject's read in the caller's turn, as read would; a subject not cached is left to read", async () => {
    await vault.put('cust-cached', { name: '김민지', phone: '010-2222-3333' }, T0);
    // A write drops the subject's cache entry: nothing to answer from until a read loads it.
    expect(vault.readCached('cust-cached', ['name'])).toBeUndefined();
    const decrypt = (c: string) => c !== 'phone';
    const viaRead = await vault.read('cust-cached', ['name', 'phone', 'address'], decrypt);
    // On PostgreSQL the write's own NOTIFY may arrive after that read and drop the entry again:
    // read until it stays.
    await vi.waitFor(async () => {
      await vault.read('cust-cached', ['name'], decrypt);
      expect(vault.readCached('cust-cached', ['name'], decrypt)).toBeInstanceOf(Map);
    });
    const cached = vault.readCached('cust-cached', ['name', 'phone', 'address'], decrypt);
    expect(cached).toEqual(viaRead);
    expect(cached!.get('phone')).toBe(STORED);
    expect(Object.fromEntries(vault.readCached('cust-cached', ['name', 'phone'])!)).toEqual({ name: '김민지', phone: '010-2222-3333' });
    await vault.erase('cust-cached', T0 + 1);
    expect(() => vault.readCached('cust-cached', ['name'])).toThrow(expect.objectContaining({ code: 'SUBJECT_ERASED' }));
  });
  it('keeps the most recently read subjects: a full cache drops the least recently read, not the least recently loaded', async () => {
    // Written before the second vault listens: no NOTIFY of these writes drops its entries.
    for (const s of ['lru-a', 'lru-b', 'lru-c']) await vault.put(s, { name: s }, T0);
    const small = await VaultService.open(db, { keys, categories: () => CATEGORIES, cacheSize: 2 });
    try {
      // Loaded in the order a, b; then a is read again, so b is the least recently read.
      await small.read('lru-a', ['name']);
      await small.read('lru-b', ['name']);
      expect(small.readCached('lru-a', ['name'])?.get('name')).toBe('lru-a');
      await small.read('lru-c', ['name']);
      expect(small.readCached('lru-b', ['name'])).toBeUndefined();
      expect(small.readCached('lru-a', ['name'])?.get('name')).toBe('lru-a');
      expect(small.readCached('lru-c', ['name'])?.get('name')).toBe('lru-c');
    } finally {
      await small.close();
    }
  });
  it('keeps no subject with a cache size of 0', async () => {
    await vault.put('lru-none', { name: 'n' }, T0);
    const none = await VaultService.open(db, { keys, categories: () => CATEGORIES, cacheSize: 0 });
    try {
      expect((await none.read('lru-none', ['name'])).get('name')).toBe('n');
      expect(none.readCached('lru-none', ['name'])).toBeUndefined();
    } finally {
      await none.close();
    }
  });
});
