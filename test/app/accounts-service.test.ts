import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountsService } from '../../src/app/accounts-service.ts';
import { AdminActions } from '../../src/app/admin-actions.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

/**
 * Console accounts on each storage engine (PGlite; PostgreSQL under CI): concurrent creations of
 * one login and concurrent bindings of one OpenID subject end with one winner and no failed batch
 * (the journal's writes must not fail), and the principal follows the stored role.
 */
describe.each(engines())('accounts on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  let accounts: AccountsService;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    journal = new Journal(db, sqlLedgerAppender);
    accounts = new AccountsService(db, new AdminActions(journal));
  });
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  it('one login, created twice at once: one account, one 409, the journal unharmed', async () => {
    const results = await Promise.allSettled(
      ['Race@Shop.example', 'race@shop.example', 'RACE@shop.example'].map((login) => accounts.create({ login, displayName: 'Race', role: 'auditor' }, 'test')),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('ACCOUNT_EXISTS');
    expect((await accounts.list()).filter((a) => a.login === 'race@shop.example')).toHaveLength(1);
    // The journal still writes.
    const next = await accounts.create({ login: 'after-race', displayName: 'After', role: 'support' }, 'test');
    expect((await accounts.get(next.id))?.role).toBe('support');
  });

  it('one OpenID subject, bound to two accounts at once: only one holds it', async () => {
    const a = await accounts.create({ login: 'bind-a', displayName: 'A', role: 'support' }, 'test');
    const b = await accounts.create({ login: 'bind-b', displayName: 'B', role: 'support' }, 'test');
    await Promise.allSettled([a, b].map((x) => accounts.bindOidc(x.id, 'https://id.example', 'same-sub', 'test')));
    const holders = (await accounts.list()).filter((x) => x.oidc?.subject === 'same-sub');
    expect(holders).toHaveLength(1);
    expect((await accounts.findByOidc('https://id.example', 'same-sub'))?.id).toBe(holders[0]!.id);
  });

  it('the principal follows the stored role and ends with the account', async () => {
    const a = await accounts.create({ login: 'principal', displayName: 'P', role: 'auditor', password: 'principal password' }, 'test');
    const p1 = await accounts.principalOf(a.id);
    expect(p1).toMatchObject({ ok: true, principal: { kind: 'admin', id: a.id, keyId: `account:${a.id}`, scopes: expect.arrayContaining(['ledger:read']) } });
    await accounts.setRole(a.id, 'officer', 'test');
    expect(await accounts.principalOf(a.id)).toMatchObject({ ok: true, principal: { scopes: ['*'] } });
    expect((await accounts.checkPassword('PRINCIPAL', 'principal password'))?.id).toBe(a.id);
    await accounts.create({ login: 'principal-backup', displayName: 'Backup officer', role: 'officer' }, 'test'); // not the last officer
    await accounts.disable(a.id, 'test');
    expect(await accounts.principalOf(a.id)).toEqual({ ok: false, reason: 'disabled' });
    expect(await accounts.checkPassword('principal', 'principal password')).toBeUndefined();
    expect(await accounts.principalOf('acct_doesnotexist')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('keeps one enabled officer: the last cannot be disabled or demoted, even by two officers at once', async () => {
    for (const o of (await accounts.list()).filter((x) => x.role === 'officer' && !x.disabledAt)) await accounts.setRole(o.id, 'auditor', 'test').catch(() => {});
    const [last] = (await accounts.list()).filter((x) => x.role === 'officer' && !x.disabledAt);
    const only = last ?? (await accounts.create({ login: 'only-officer', displayName: 'Only', role: 'officer' }, 'test'));
    await expect(accounts.disable(only.id, 'test')).rejects.toMatchObject({ code: 'LAST_OFFICER', status: 409, path: 'params.id' });
    await expect(accounts.setRole(only.id, 'support', 'test')).rejects.toMatchObject({ code: 'LAST_OFFICER', status: 409, path: 'role' });
    expect(await accounts.get(only.id)).toMatchObject({ role: 'officer', disabledAt: null });
    // Two officers, each demoting the other at the same moment: one of them stays an officer.
    const second = await accounts.create({ login: 'second-officer', displayName: 'Second', role: 'officer' }, 'test');
    const results = await Promise.allSettled([accounts.setRole(only.id, 'auditor', 'test'), accounts.disable(second.id, 'test')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('LAST_OFFICER');
    expect((await accounts.list()).filter((x) => x.role === 'officer' && !x.disabledAt)).toHaveLength(1);
  });
});
