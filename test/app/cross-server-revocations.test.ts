import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminActions } from '../../src/app/admin-actions.ts';
import { ApiKeys } from '../../src/app/api-keys.ts';
import { ClientCertBindings } from '../../src/app/client-certs.ts';
import { Issuers } from '../../src/app/issuers.ts';
import { VaultService } from '../../src/app/vault-service.ts';
import { newDataKey } from '../../src/vault/envelope.ts';
import { LocalKeyProvider } from '../../src/vault/key-provider.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { notifyOnCommit } from '../../src/store/notify-on-commit.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database } from '../../src/store/sql.ts';
import { POSTGRES_URL, dropTestSchema, postgresReachable } from '../support/engines.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Two servers (two connections, two sets of services) on one PostgreSQL schema. What server A
 * revokes — an API key, a client-certificate binding, a subject's relays — server B stops serving
 * at once, although B's caches would trust what they hold for ten minutes: the NOTIFY is sent by
 * the revoking transaction itself (src/store/notify-on-commit.ts), so it cannot be lost between
 * the COMMIT and a later call. Mandatory under CI=true; locally it runs whenever PostgreSQL is reachable.
 */
const NOTIFY_BOUND_MS = 2_000;
const LONG_TTL_MS = 600_000;

const reachable = await postgresReachable('the cross-server revocation test');

interface Server {
  db: Database;
  journal: Journal;
  keys: ApiKeys;
  certs: ClientCertBindings;
  vault: VaultService;
  issuers: Issuers;
}

describe.skipIf(!reachable)('a revocation on server A reaches server B before any cache TTL', () => {
  const schema = `cg_t_xrev_${process.pid}_${randomBytes(3).toString('hex')}`;
  const masterKey = newDataKey();
  let a: Server;
  let b: Server;

  const open = async (): Promise<Server> => {
    const db = await openDatabase({ databaseUrl: POSTGRES_URL, schema });
    const journal = new Journal(db, sqlLedgerAppender);
    const admin = new AdminActions(journal);
    const keys = new ApiKeys(db, admin, { cacheTtlMs: LONG_TTL_MS });
    const certs = new ClientCertBindings(db, admin, LONG_TTL_MS);
    await keys.start();
    await certs.start();
    const vault = await VaultService.open(db, { keys: new LocalKeyProvider('test', [masterKey]), categories: () => new Set(['phone']) });
    const issuers = await Issuers.open(db, vault, { operatorDomain: () => 'relay.example' });
    return { db, journal, keys, certs, vault, issuers };
  };
  const close = async (s: Server | undefined) => {
    if (!s) return;
    await s.issuers.close();
    await s.vault.close();
    await s.certs.stop();
    await s.keys.stop();
    await s.journal.close();
    await s.db.close();
  };

  beforeAll(async () => {
    a = await open(); // migrates the schema first
    b = await open();
  }, 180_000);
  afterAll(async () => {
    await close(b);
    await close(a);
    await dropTestSchema('postgres', schema);
  });

  it('an API key revoked on A is refused on B at once, though B had it cached', async () => {
    const { key, view } = await a.keys.create({ kind: 'recipient', principal: 'seller-x', scopes: ['release'], actor: 't' });
    expect((await b.keys.verify(key)).ok).toBe(true); // now cached on B for ten minutes
    await a.keys.revoke(view.id, 't');
    expect(await waitFor(async () => !(await b.keys.verify(key)).ok, NOTIFY_BOUND_MS)).toBe(true);
    expect(await b.keys.verify(key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('a key rotated on A expires on B at the end of its grace, not at the end of B’s cache TTL', async () => {
    const { key, view } = await a.keys.create({ kind: 'recipient', principal: 'seller-y', scopes: ['release'], actor: 't' });
    expect((await b.keys.verify(key)).ok).toBe(true);
    const { key: successor } = await a.keys.rotate(view.id, 't', { graceMs: 0 });
    expect(await waitFor(async () => !(await b.keys.verify(key)).ok, NOTIFY_BOUND_MS)).toBe(true);
    expect((await b.keys.verify(successor)).ok).toBe(true);
  });

  it('a client certificate unbound (or rebound) on A is no longer required (or the new one is) on B', async () => {
    const fp1 = 'ab'.repeat(32);
    const fp2 = 'cd'.repeat(32);
    await a.certs.bind('seller-z', fp1, 't');
    expect(await b.certs.fingerprintOf('seller-z')).toBe(fp1); // cached on B
    await a.certs.bind('seller-z', fp2, 't');
    expect(await waitFor(async () => (await b.certs.fingerprintOf('seller-z')) === fp2, NOTIFY_BOUND_MS)).toBe(true);
    await a.certs.unbind('seller-z', 't');
    expect(await waitFor(async () => (await b.certs.fingerprintOf('seller-z')) === undefined, NOTIFY_BOUND_MS)).toBe(true);
  });

  it('a relay revoked on A is not handed out again by B, which had it cached', async () => {
    const binding = { recipientId: 'seller-r', subject: 'cust-r', category: 'phone' };
    const t = Date.now();
    const relay = await b.issuers.relay(binding, 'phone', t, null);
    expect(await b.issuers.relay(binding, 'phone', t, null)).toBe(relay); // from B's cache
    await a.issuers.revoke('cust-r', 'seller-r', t + 1);
    expect(await waitFor(async () => (await b.issuers.relay(binding, 'phone', t + 2, null)) !== relay, NOTIFY_BOUND_MS)).toBe(true);
  });

  it('a transaction that rolls back notifies nobody', async () => {
    const heard: string[] = [];
    const unlisten = await b.db.listen(`cg_t_probe_${schema}`, (p) => heard.push(p));
    try {
      await expect(
        a.db.transaction(async (tx) => {
          await notifyOnCommit(tx, 'cg_t_probe_', 'rolled-back');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      await a.db.transaction((tx) => notifyOnCommit(tx, 'cg_t_probe_', 'committed'));
      expect(await waitFor(() => heard.length > 0, NOTIFY_BOUND_MS)).toBe(true);
      // One connection hears notifications in commit order: had the rolled-back one been sent,
      // it would have arrived before 'committed'.
      expect(heard).toEqual(['committed']);
    } finally {
      await unlisten();
    }
  });
});
