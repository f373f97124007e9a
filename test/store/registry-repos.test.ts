import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminActions } from '../../src/app/admin-actions.ts';
import { ApiKeys, parseKey } from '../../src/app/api-keys.ts';
import { MembersService } from '../../src/app/members-service.ts';
import { RegistryService } from '../../src/app/registry-service.ts';
import { KeysRepo } from '../../src/store/keys-repo.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { MembersRepo } from '../../src/store/members-repo.ts';
import { openDatabase } from '../../src/store/open.ts';
import { RegistryRepo } from '../../src/store/registry-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase, POSTGRES_URL } from '../support/engines.ts';
import { pollUntil, until } from '../support/wait.ts';
import { idKey } from '../../src/core/gate/intern.ts';

const DEMO_YAML = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');

/** The services one server runs, on a given connection. */
function server(db: Database) {
  const journal = new Journal(db, sqlLedgerAppender);
  const admin = new AdminActions(journal);
  const keys = new ApiKeys(db, admin);
  const registry = new RegistryService(db, admin);
  const members = new MembersService(db, admin, registry, keys);
  return {
    journal, keys, registry, members,
    start: async () => { await keys.start(); await registry.start(); await members.start(); },
    stop: async () => { await members.stop(); await registry.stop(); await keys.stop(); await journal.close(); },
  };
}


describe.each(engines())('registry, keys and members storage on %s', (engine) => {
  let db: Database;
  let second: Database;
  let a: ReturnType<typeof server>;
  let b: ReturnType<typeof server>;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    // A second server: its own connection on PostgreSQL; the same embedded database on PGlite.
    second = engine === 'postgres' ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: db.schema }) : db;
    a = server(db);
    b = server(second);
    await a.start();
    await b.start();
  }, 180_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (second && second !== db) await second.close();
    await db?.close();
  });

  it('stores a version once per content hash and numbers versions densely', async () => {
    const repo = new RegistryRepo(db);
    const doc = { x: 1 };
    const s1 = await repo.store({ hash: 'h1', source: 's', document: doc, createdBy: 't' });
    const s2 = await repo.store({ hash: 'h1', source: 's', document: doc, createdBy: 't' });
    expect(s1.created).toBe(true);
    expect(s2).toEqual({ row: s1.row, created: false });
    // Concurrent stores of different content never collide on a version number.
    const many = await Promise.all(['h2', 'h3', 'h4', 'h5'].map((h) => repo.store({ hash: h, source: h, document: doc, createdBy: 't' })));
    const versions = [s1.row.version, ...many.map((m) => m.row.version)].sort((x, y) => x - y);
    expect(versions).toEqual([1, 2, 3, 4, 5]);
    expect((await repo.get(3))?.document).toEqual(doc);
    expect((await repo.list(2)).map((r) => r.version)).toEqual([5, 4]);
    expect((await repo.list(10, 3)).map((r) => r.version)).toEqual([2, 1]);
  });

  it('activation on one server reaches the other through NOTIFY', async () => {
    const seen: number[] = [];
    b.registry.onActivated((x) => seen.push(x.version));
    const stored = await a.registry.store(DEMO_YAML, 'k1');
    await a.registry.activate(stored.row.version, 'k1');
    expect(a.registry.active?.version).toBe(stored.row.version);
    await until(() => b.registry.active?.version === stored.row.version, 'the activation on server b', 3_000);
    expect(b.registry.model?.hash).toBe(a.registry.model?.hash);
    expect(seen).toEqual([stored.row.version]);
    const active = await new RegistryRepo(db).active();
    expect(active).toMatchObject({ version: stored.row.version, activatedBy: 'k1' });
  });

  it('a member registered on one server is in the other’s memory index', async () => {
    await a.members.register({ id: 'seller-a', classId: 'cn_sellers', name: 'A', country: 'CN' }, 'k1');
    await until(() => b.members.get('seller-a') !== undefined, 'the member on server b', 3_000);
    expect(b.members.get('seller-a')).toEqual({ id: 'seller-a', key: idKey('seller-a'), classId: 'cn_sellers', country: 'CN', disabled: false, agreementVersion: null });
    const repo = new MembersRepo(db);
    expect((await repo.list({ classId: 'cn_sellers', country: 'CN' })).map((m) => m.id)).toContain('seller-a');
    expect(await repo.list({ country: 'HK' })).toEqual([]);
  });

  it('keys: only the salted hash is stored; revocation on one server is seen by the other at once', async () => {
    const { key, view } = await a.keys.create({ kind: 'recipient', principal: 'seller-a', scopes: ['release'], actor: 'k1' });
    const row = await new KeysRepo(db).get(view.id);
    const secret = parseKey(key)!.secret;
    expect(row?.salt).toBeInstanceOf(Uint8Array);
    expect(row?.salt).toHaveLength(16);
    expect(Buffer.from(row!.secretHash).toString('base64url')).not.toBe(secret);
    const raw = JSON.stringify(await db.query('SELECT * FROM api_keys WHERE id = $1', [view.id]));
    expect(raw).not.toContain(secret);

    expect((await b.keys.verify(key)).ok).toBe(true); // now cached on b
    await a.keys.revoke(view.id, 'k1');
    const result = await pollUntil(() => b.keys.verify(key), (r) => !r.ok, 2_000, 20);
    expect(result).toEqual({ ok: false, reason: 'revoked' });
  });

  it('every admin action is one ledger leaf written with its effect', async () => {
    const rows = await db.query<{ action: string; leaf_index: number }>('SELECT action, leaf_index FROM admin_actions ORDER BY leaf_index');
    const [head] = await db.query<{ size: number }>('SELECT size FROM ledger_head');
    expect(rows.map((r) => r.action)).toEqual(['registry.activate', 'recipient.register', 'key.create', 'key.revoke']);
    const idx = rows.map((r) => r.leaf_index);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(new Set(idx).size).toBe(4);
    expect(Math.max(...idx)).toBeLessThan(head!.size);
  });
});
