import { afterAll, beforeAll, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';
import { parseKey } from '../../src/app/api-keys.ts';
import { DEMO_YAML } from './app-support.ts';

/**
 * Issue 17 item 10: docs/security.md promises that logs carry the API key id, so an incident
 * traces to a key — they carried `"key":"[redacted]"`. The pino output itself is captured here.
 */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const logs = new Capture();
let app: App;
let admin: string;
beforeAll(async () => {
  app = await createApp(testConfig({ logLevel: 'info' }), { logStream: logs });
  admin = (await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' })).key;
  const stored = await app.ctx.registry.store(DEMO_YAML, 'test');
  await app.ctx.registry.activate(stored.row.version, 'test');
}, 180_000);
afterAll(() => app?.close());

const get = (url: string, headers: Record<string, string> = {}) => app.server.inject({ method: 'GET', url, headers });
const accessLine = (reqId: string) => logs.records().find((r) => r.msg === 'request' && r.reqId === reqId);

it('the access log names the key id of every kind of key, never the secret', async () => {
  const subject = await app.server.inject({ method: 'POST', url: '/v1/subjects', headers: { authorization: `Bearer ${admin}` }, payload: { id: 'cust-log-1', jurisdiction: 'KR' } });
  expect(subject.statusCode).toBe(201);
  const token = subject.json().token as string;
  const recipient = (await app.ctx.members.issueKey('hanbit_express', 'test')).key;
  const cases: [string, string, string][] = [
    [admin, '/v1/registry/versions', 'x-api-key'],
    [token, '/v1/subjects/cust-log-1/consents', 'authorization'],
    [recipient, '/v1/recipients/deletions', 'authorization'],
  ];
  for (const [key, url, header] of cases) {
    const res = await get(url, header === 'x-api-key' ? { 'x-api-key': key } : { authorization: `Bearer ${key}` });
    expect(res.statusCode, url).toBe(200);
    const line = accessLine(res.headers['x-request-id'] as string);
    expect(line, url).toMatchObject({ keyId: parseKey(key)!.id, status: 200 });
  }
  const text = logs.lines.join('\n');
  for (const [key] of cases) expect(text).not.toContain(parseKey(key)!.secret);
  expect(text).not.toContain('"key":"[redacted]"');
});

it('a refused key logs why and the key id it claimed; a malformed one logs no part of itself', async () => {
  const good = parseKey(admin)!;
  const wrongSecret = `cg_admin_${good.id}_${'B'.repeat(43)}`;
  const refused = await get('/v1/registry/versions', { authorization: `Bearer ${wrongSecret}` });
  expect(refused.statusCode).toBe(401);
  expect(accessLine(refused.headers['x-request-id'] as string)).toMatchObject({ status: 401, authFailure: 'unknown', claimedKeyId: good.id });
  expect(accessLine(refused.headers['x-request-id'] as string)).not.toHaveProperty('keyId');

  const garbage = 'not-a-key-but-maybe-a-pasted-password';
  const malformed = await get('/v1/registry/versions', { authorization: `Bearer ${garbage}` });
  const line = accessLine(malformed.headers['x-request-id'] as string)!;
  expect(line).toMatchObject({ status: 401, authFailure: 'malformed' });
  expect(line).not.toHaveProperty('claimedKeyId');
  expect(logs.lines.join('\n')).not.toContain(garbage);
  expect(logs.lines.join('\n')).not.toContain('B'.repeat(43));
});
