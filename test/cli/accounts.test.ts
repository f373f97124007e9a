import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { createApp } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';

/**
 * `consentgate accounts …` on the embedded database of a stopped ConsentGate: the accounts it
 * adds sign in to the console once the server runs; every change is in the transparency log
 * (actor `cli`); bad input exits 2.
 */
async function cli(args: string[], stdin = '') {
  const io = captureIO(stdin);
  const code = await main(['node', 'consentgate', 'accounts', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('consentgate accounts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cg-accounts-'));
  const db = ['--data-dir', dataDir];

  it('adds, lists, changes and disables accounts; the server signs them in and logs every change', async () => {
    const add = await cli(['add', ...db, '--login', 'Officer@Shop.example', '--name', 'Olivia Officer', '--role', 'officer', '--password-stdin', '--json'], 'officer password 123\n');
    expect(add.err).toBe('');
    expect(add.code).toBe(0);
    const officer = JSON.parse(add.out);
    expect(officer).toMatchObject({ login: 'officer@shop.example', role: 'officer', password: true, created_by: 'cli', disabled_at: null });
    expect(add.out).not.toContain('officer password');
    const sup = await cli(['add', ...db, '--login', 'sam', '--name', 'Sam Support', '--role', 'support']);
    expect(sup.code).toBe(0);
    const samId = /^added (acct_\S+) \(support\) sam$/.exec(sup.out.trim())![1]!;

    expect((await cli(['set-role', ...db, samId, 'auditor'])).out).toBe(`${samId} is now auditor\n`);
    expect((await cli(['set-password', ...db, samId, '--password-stdin'], 'sam password 1234')).out).toBe(`${samId}: password set\n`);
    const list = await cli(['list', ...db]);
    expect(list.code).toBe(0);
    expect(list.out.trim().split('\n')).toEqual([
      `${officer.id}\tofficer\tactive\tpassword\tofficer@shop.example\tOlivia Officer`,
      `${samId}\tauditor\tactive\tpassword\tsam\tSam Support`,
    ]);

    // The server on the same data: both sign in with their passwords, with their roles.
    const app = await createApp(testConfig({ dataDir }));
    try {
      const signIn = (login: string, password: string) =>
        app.server.inject({ method: 'POST', url: '/console/api/session', headers: { 'content-type': 'application/json' }, payload: { login, password } });
      expect((await signIn('officer@shop.example', 'officer password 123')).json().account.role).toBe('officer');
      expect((await signIn('sam', 'sam password 1234')).json().principal.scopes).toContain('ledger:read');
      const actions = await app.ctx.db.query<{ action: string; actor: string; target: string }>("SELECT action, actor, target FROM admin_actions WHERE action LIKE 'account.%' ORDER BY leaf_index");
      expect(actions).toEqual([
        { action: 'account.create', actor: 'cli', target: officer.id },
        { action: 'account.create', actor: 'cli', target: samId },
        { action: 'account.set_role', actor: 'cli', target: samId },
        { action: 'account.set_password', actor: 'cli', target: samId },
      ]);
    } finally {
      await app.close();
    }

    expect((await cli(['disable', ...db, samId])).out).toBe(`disabled ${samId} (sam)\n`);
    expect((await cli(['list', ...db])).out).toContain(`${samId}\tauditor\tdisabled\tpassword`);
  }, 120_000);

  it('exits 2 on bad input, naming what is wrong', async () => {
    const cases: Array<[string[], string, RegExp]> = [
      [['add', ...db, '--login', 'x@y.example', '--name', 'X', '--role', 'admin'], '', /UNKNOWN_ROLE: role must be one of officer, auditor, support/],
      [['add', ...db, '--login', 'x@y.example', '--name', 'X', '--role', 'auditor', '--password-stdin'], 'short\n', /WEAK_PASSWORD: password: at least 12 characters/],
      [['add', ...db, '--login', 'OFFICER@shop.example', '--name', 'X', '--role', 'auditor'], '', /ACCOUNT_EXISTS/],
      [['add', ...db, '--login', 'has space', '--name', 'X', '--role', 'auditor'], '', /VALIDATION_FAILED: login/],
      [['add', ...db, '--login', 'x@y.example', '--name', 'X', '--role', 'auditor', '--oidc-issuer', 'https://id.example'], '', /give --oidc-issuer and --oidc-subject together/],
      [['set-role', ...db, 'acct_nonexistent00', 'officer'], '', /UNKNOWN_ACCOUNT/],
      [['set-password', ...db, 'acct_nonexistent00'], '', /exactly one of --password-stdin and --remove/],
      [['disable', ...db, 'acct_nonexistent00'], '', /UNKNOWN_ACCOUNT/],
      [['add', ...db, '--name', 'X', '--role', 'auditor'], '', /required option '--login <login>'/],
    ];
    for (const [args, stdin, err] of cases) {
      const r = await cli(args, stdin);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(err);
    }
  }, 120_000);
});
