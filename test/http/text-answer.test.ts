import { afterAll, beforeAll, expect, it } from 'vitest';
import { testApp, type TestApp } from './app-support.ts';

/**
 * Issue 17 item 6: POST /v1/members with the name "A\u202eB\ud800" answered 409 MEMBER_EXISTS
 * while the member and its ledger entry were created. The cause: after the write the service
 * compared the stored row with the request, and the driver had stored the lone surrogate as
 * U+FFFD — so "the row differs" was read as "another registration won the race". The answer now
 * follows whether this registration's insert made the row; and the boundary refuses such text.
 */
let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 180_000);
afterAll(() => app?.close());

/** Ledger leaves recording the registration of `id`. */
const leaves = async (id: string) =>
  Number((await app.ctx.db.query<{ n: number }>("SELECT count(*)::int8 AS n FROM admin_actions WHERE action = 'recipient.register' AND target = $1", [id]))[0]!.n);

it('refuses a lone surrogate at the boundary with 400 and the path: no member, no ledger leaf', async () => {
  const res = await app.server.inject({ method: 'POST', url: '/v1/members', headers: { ...app.auth(), 'content-type': 'application/json' }, payload: '{"id":"m-rtl","class":"cn_sellers","name":"A\\u202eB\\ud800","country":"CN"}' });
  expect(res.json()).toMatchObject({ status: 400, code: 'INVALID_ENCODING', path: 'name' });
  expect(await app.ctx.members.find('m-rtl')).toBeUndefined();
  expect(await leaves('m-rtl')).toBe(0);
  // Right-to-left overrides are text like any other: stored and answered as sent.
  const ok = await app.server.inject({ method: 'POST', url: '/v1/members', headers: app.auth(), payload: { id: 'm-rtl', class: 'cn_sellers', name: 'A\u202eB', country: 'CN' } });
  expect(ok.statusCode).toBe(201);
  expect(ok.json()).toMatchObject({ id: 'm-rtl', name: 'A\u202eB' });
  expect((await app.ctx.members.find('m-rtl'))?.name).toBe('A\u202eB');
});

it('answers a registration from what the database did, even when storage normalises the text', async () => {
  // Past the HTTP boundary (a script, a seed): the driver stores U+FFFD for the lone surrogate.
  const row = await app.ctx.members.register({ id: 'm-norm', classId: 'cn_sellers', name: 'A\ud800', country: 'CN' }, 'test');
  expect(await leaves('m-norm')).toBe(1);
  const stored = await app.ctx.members.find('m-norm');
  expect(stored).toBeDefined();
  // The answer is the stored row, not a conflict.
  expect(row).toEqual(stored);
  // A real duplicate is still 409, with nothing written.
  await expect(app.ctx.members.register({ id: 'm-norm', classId: 'cn_sellers', name: 'Other', country: 'CN' }, 'test')).rejects.toMatchObject({ code: 'MEMBER_EXISTS' });
  expect(await leaves('m-norm')).toBe(1);
});

it('refuses YAML escapes that spell unstorable text in a registry, with the field and its line', async () => {
  const { DEMO_YAML } = await import('./app-support.ts');
  for (const [escape, kind] of [['\\ud800', 'surrogate'], ['\\0', 'NUL']] as const) {
    const yaml = DEMO_YAML.replace(/legal_name: .*/, `legal_name: "Harbor ${escape} Bazaar"`);
    for (const url of ['/v1/registry/validate', '/v1/registry/versions']) {
      const res = await app.server.inject({ method: 'POST', url, headers: { ...app.auth(), 'content-type': 'text/yaml' }, payload: yaml });
      expect(res.statusCode, `${kind} ${url} ${res.body}`).toBe(400);
      const problem = res.json() as { code: string; path: string; errors: Array<{ line?: number }> };
      expect(problem).toMatchObject({ code: 'INVALID_ENCODING', path: 'operator.legal_name' });
      expect(problem.errors[0]!.line).toBe(DEMO_YAML.split('\n').findIndex((l) => l.includes('legal_name:')) + 1);
    }
  }
});
