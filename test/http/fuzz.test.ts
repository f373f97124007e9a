import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_YAML, testApp, type TestApp } from './app-support.ts';

/** Every code this part of the API may answer hostile input with (docs: README "API"). */
const DOCUMENTED = new Set([
  'VALIDATION_FAILED', 'MALFORMED_JSON', 'INVALID_ENCODING', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE',
  'UNKNOWN_CLASS', 'COUNTRY_NOT_IN_CLASS', 'MEMBER_EXISTS', 'NOT_FOUND', 'BAD_REQUEST',
  'YAML_SYNTAX', 'YAML_TOO_COMPLEX', 'SCHEMA_INVALID', 'REGISTRY_TOO_LARGE', 'DUPLICATE_ID', 'UNKNOWN_REFERENCE', 'EMPTY_DECLARATION',
]);

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 180_000);
afterAll(() => app?.close());

const check = (res: { statusCode: number; json: () => unknown }) => {
  expect(res.statusCode).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const code = (res.json() as { code: string }).code;
    expect(DOCUMENTED.has(code), code).toBe(true);
    return code;
  }
  return undefined;
};

it('hostile member registrations: never a 5xx, always a problem with a code, nothing half-stored', async () => {
  const before = app.ctx.members.size;
  let created = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.record({ class: fc.oneof(fc.constant('cn_sellers'), fc.string()), name: fc.string(), country: fc.oneof(fc.constantFrom('CN', 'HK', 'KR'), fc.string()), id: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      ),
      fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'),
      async (payload, type) => {
        const res = await app.server.inject({ method: 'POST', url: '/v1/members', headers: { ...app.auth(), 'content-type': type }, payload });
        check(res);
        if (res.statusCode === 201) created++;
      },
    ),
    { numRuns: 400 },
  );
  expect(app.ctx.members.size).toBe(before + created);
  expect((await app.ctx.members.list({ limit: 1000 })).length).toBe(before + created);
}, 300_000);

it('hostile registries: never a 5xx, never stored', async () => {
  const [{ n: before }] = (await app.ctx.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM registry_versions')) as [{ n: number }];
  const lines = DEMO_YAML.split('\n');
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 500 }),
        // Mutations of the real registry: drop, duplicate or corrupt a line.
        fc.tuple(fc.nat({ max: lines.length - 1 }), fc.constantFrom('drop', 'dup', 'garble')).map(([i, op]) => {
          const l = [...lines];
          if (op === 'drop') l.splice(i, 1);
          else if (op === 'dup') l.splice(i, 0, l[i]!);
          else l[i] = l[i]!.replace(/[a-z]/g, 'q') + ': [';
          return l.join('\n');
        }),
      ),
      async (yaml) => {
        const res = await app.server.inject({ method: 'POST', url: '/v1/registry/validate', headers: { ...app.auth(), 'content-type': 'text/yaml' }, payload: yaml });
        check(res);
      },
    ),
    { numRuns: 300 },
  );
  const [{ n: after }] = (await app.ctx.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM registry_versions')) as [{ n: number }];
  expect(after).toBe(before);
}, 300_000);
