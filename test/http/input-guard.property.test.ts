import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateTextInstant, inDateRange } from '../../src/core/time/date-range.ts';
import { POSTGRES_URL, engines } from '../support/engines.ts';
import { arbitraryFor, dateFields, formatPath, setAt, stringPaths, validDay, validInstant, type Components, type JsonSchema } from '../support/schema-arbitrary.ts';
import { tableCounts } from '../hardening/fuzz-support.ts';
import { testApp, type TestApp } from './app-support.ts';

// Written by timers, not by requests.
const BACKGROUND_TABLES = ['ledger_checkpoints', 'outbox', 'outbox_dead', 'ledger_nodes'];

/**
 * Issue 17 items 5 and 6, for every route at once. The routes and their fields come from the
 * route schemas (/openapi.json), not from a list in this file, so a route added later is covered
 * without touching the test:
 *
 * - every date field (body or query) of every route: no value gives a 5xx, and a date-shaped
 *   value outside 1900-01-01 .. 9999-12-31 is refused naming the field (was: POST /v1/subjects
 *   with birthDate 0000-01-01 → 500, PostgreSQL 22008);
 * - every text field of every JSON body: a lone surrogate is refused with 400 INVALID_ENCODING
 *   and the field's path, and nothing is created (was: POST /v1/members with "A\u202eB\ud800"
 *   → 409 MEMBER_EXISTS while the member and its ledger leaf were created).
 *
 * Bodies are generated from each route's schema; properties whose valid values the schema cannot
 * say (the subject, the notice hash) come from `context`, by name.
 */
interface Op {
  readonly method: string;
  readonly path: string;
  readonly body: JsonSchema | undefined;
  readonly query: ReadonlyArray<{ name: string; required: boolean; schema: JsonSchema }>;
}

const SUBJECT = 'ig-subject';
const MEMBER = 'ig-seller';

describe.each(engines())('route input on %s', (engine) => {
  let app: TestApp;
  let ops: Op[];
  let components: Components;
  let context: Record<string, fc.Arbitrary<unknown>>;
  const keys: Record<string, string> = {};
  /** Route → the key it answers to (none: it needs a browser session, e.g. /console/api). */
  const keyFor = new Map<string, string | undefined>();
  let adminKeyId = '';
  let rightsId = '';

  beforeAll(async () => {
    const schema = `cg_t_ig_${process.pid}_${randomBytes(3).toString('hex')}`;
    app = await testApp(engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema, dataDir: mkdtempSync(join(tmpdir(), 'cg-ig-')) } : {});
    const ctx = app.ctx;
    await ctx.members.register({ id: MEMBER, classId: 'cn_sellers', name: 'IG Seller', country: 'CN' }, 'test');
    keys.admin = app.adminKey;
    keys.recipient = (await ctx.members.issueKey(MEMBER, 'test')).key;
    keys.subject = (await ctx.subjects.create({ id: SUBJECT, jurisdiction: 'KR', issueToken: true }, 'test')).token!;
    adminKeyId = (await ctx.keys.create({ kind: 'admin', principal: 'ig', scopes: ['registry:read'], actor: 'test' })).view.id;
    const notice = await ctx.consents.notice('checkout');
    rightsId = (await ctx.rights.receive(SUBJECT, { type: 'access' }, 'test')).id;
    context = {
      noticeHash: fc.constant(notice.hash),
      subject: fc.constant(SUBJECT),
      recipient: fc.constant(MEMBER),
      declarationId: fc.constantFrom('sellers_fulfilment', 'marketing_email'),
      purpose: fc.constant('order_fulfilment'),
      principal: fc.constantFrom(SUBJECT, MEMBER, 'ig-op'),
      // Report periods: a window the hostile bound usually fits (from ≤ to, at most 20 years).
      from: fc.constant('2016-01-01'),
      to: fc.constant('2034-12-31'),
    };
    const doc = (await app.server.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; parameters?: Array<{ in: string; name: string; required?: boolean; schema: JsonSchema }> }>>;
      components: Components;
    };
    components = doc.components;
    ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        body: op.requestBody?.content?.['application/json']?.schema,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required === true, schema: p.schema })),
      })),
    );
    // Which key each write route answers to: the first whose probe is not a 401/403.
    for (const op of ops.filter((o) => o.body)) {
      let chosen: string | undefined;
      for (const k of ['admin', 'recipient', 'subject']) {
        const r = await send(op, {}, '', k);
        if (r.statusCode !== 401 && r.statusCode !== 403) {
          chosen = k;
          break;
        }
      }
      keyFor.set(`${op.method} ${op.path}`, chosen);
    }
  }, 240_000);
  afterAll(async () => {
    await app?.close();
  });

  function url(op: Op): string {
    return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      if (op.path.startsWith('/v1/subjects/')) return name === 'receiptId' ? 'cr_none' : SUBJECT;
      if (op.path.startsWith('/v1/recipients/') && name === 'id') return op.path.includes('deletions') ? 'dr_none' : MEMBER;
      if (op.path.startsWith('/v1/api-keys/')) return adminKeyId;
      if (name === 'rid') return rightsId;
      return 'x';
    });
  }

  function send(op: Op, body: unknown, query: string, key: string | undefined) {
    return app.server.inject({
      method: op.method as 'POST',
      url: url(op) + query,
      headers: { ...(key ? { authorization: `Bearer ${keys[key]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }

  const queryOf = (o: Record<string, unknown>) => {
    const q = Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
    return q.length > 0 ? `?${q.join('&')}` : '';
  };

  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  /** Date-shaped text in and out of range, edge cases with offsets, and junk. */
  const recentDay = fc.tuple(fc.integer({ min: 2017, max: 2034 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${y}-${pad(m)}-${pad(d)}`);
  const hostileDate = fc.oneof(
    validDay,
    recentDay,
    validInstant,
    fc.constantFrom(
      '0000-01-01', '0000-02-29', '0001-01-01', '1899-12-31', '1900-01-01', '9999-12-31', '0000-01-01T00:00:00Z',
      '1900-01-01T00:00:00+01:00', '1900-01-01T00:00:00-01:00', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-14:00',
      '0001-01-01T00:00:00.000000001Z', '2024-02-29', '2023-02-29', '10000-01-01', '+275760-09-13T00:00:00Z', '1e5', '',
    ),
    fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`),
    fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: -14, max: 14 })).map(([y, m, o]) => `${pad(y, 4)}-${pad(m)}-01T00:00:00${o < 0 ? '-' : '+'}${pad(Math.abs(o))}:00`),
    fc.string({ maxLength: 30 }),
  );

  it('every date field of every route: no value gives a 5xx; out of range is refused with the field path', async () => {
    const fields = ops.flatMap((op) => [
      ...(op.body ? dateFields(op.body, components).map((p) => ({ op, where: 'body' as const, path: p })) : []),
      ...op.query.filter((q) => dateFields(q.schema, components).length > 0).map((q) => ({ op, where: 'query' as const, path: [q.name] })),
    ]);
    // The routes of today have these; a route added later only adds to them.
    expect(fields.map((f) => `${f.op.method} ${f.op.path} ${formatPath(f.path)}`)).toEqual(
      expect.arrayContaining(['POST /v1/subjects birthDate', 'POST /v1/api-keys expires_at', 'GET /v1/reports from', 'POST /v1/subjects/{id}/consents decisions[0].expiresAt']),
    );
    const stored = new Map<string, number>();
    for (const f of fields) {
      const name = `${f.op.method} ${f.op.path} ${formatPath(f.path)}`;
      const key = f.where === 'query' ? 'admin' : keyFor.get(`${f.op.method} ${f.op.path}`);
      const rest = f.where === 'body' ? arbitraryFor(f.op.body!, components, context) : fc.record(Object.fromEntries(f.op.query.map((q) => [q.name, context[q.name] ?? arbitraryFor(q.schema, components, context)])));
      await fc.assert(
        fc.asyncProperty(rest, hostileDate, async (base, date) => {
          const res = f.where === 'body'
            ? await send(f.op, setAt(base, f.path, date), '', key)
            : await send(f.op, undefined, queryOf({ ...(base as object), [f.path[0]!]: date }), key);
          expect(res.statusCode, `${name} = ${JSON.stringify(date)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
          const at = dateTextInstant(date);
          if (at !== undefined && !inDateRange(at)) {
            expect(res.statusCode, `${name} = ${date} accepted`).toBeGreaterThanOrEqual(400);
            const problem = res.json() as { path?: string; code: string };
            // Refused for this field (or, in a body also wrong elsewhere, for another field first).
            if (['INVALID_DATE', 'VALIDATION_FAILED'].includes(problem.code) && problem.path?.endsWith(String(f.path[f.path.length - 1]))) {
              expect(problem.path.replace(/^query\./, '')).toBe(formatPath(f.path));
            }
          }
          if (res.statusCode < 300) stored.set(name, (stored.get(name) ?? 0) + 1);
        }),
        // A valid recent day runs first: a route with a low limit of its own (reports: 20 a minute
        // per key) answers 429 to the later runs, so random runs alone sometimes never reached
        // storage there (seen once in CI: 0 of 40 stored, 20 of them 429).
        { numRuns: 40, examples: [[fc.sample(rest, { numRuns: 1, seed: 20261206 })[0], '2024-02-29']] },
      );
    }
    // The values reached storage for the fields that store them (not only early refusals).
    for (const f of ['POST /v1/subjects birthDate', 'POST /v1/recipients/{id}/keys expires_at', 'GET /v1/reports from']) expect(stored.get(f) ?? 0, f).toBeGreaterThan(0);
  }, 600_000);

  it('every text field of every JSON body: a lone surrogate is 400 INVALID_ENCODING with its path, nothing stored', async () => {
    const refusedAt = new Map<string, number>();
    const targets = ops.filter((o) => o.body && keyFor.get(`${o.method} ${o.path}`) !== undefined);
    expect(targets.length).toBeGreaterThan(15);
    const lone = fc.constantFrom('\ud800', '\udfff', '\udc00', '\ud83d');
    const before = await tableCounts(app.ctx.db, BACKGROUND_TABLES);
    for (const op of targets) {
      const name = `${op.method} ${op.path}`;
      // Bodies the schema accepts, so the surrogate check is what refuses them: ids that fit the id
      // refinement and a contact with known keys (free-form generation rarely hits either).
      const valid = { ...context, id: fc.constantFrom('ig-new-1', 'ig-new-2'), contact: fc.constant({ email: 'desk@example.com' }) };
      const bodies = arbitraryFor(op.body!, components, valid).filter((b) => stringPaths(b).length > 0);
      await fc.assert(
        fc.asyncProperty(bodies, fc.nat(), lone, fc.nat(), async (body, pick, bad, at) => {
          const paths = stringPaths(body);
          const path = paths[pick % paths.length]!;
          const text = String(path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], body));
          const i = at % (text.length + 1);
          const res = await send(op, setAt(body, path, text.slice(0, i) + bad + text.slice(i)), '', keyFor.get(name));
          expect(res.statusCode, `${name} ${formatPath(path)} → ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          const problem = res.json() as { code: string; path?: string };
          if (problem.code === 'INVALID_ENCODING') {
            expect(res.statusCode).toBe(400);
            expect(problem.path).toBe(formatPath(path));
            refusedAt.set(name, (refusedAt.get(name) ?? 0) + 1);
          }
        }),
        { numRuns: 25 },
      );
    }
    // Every request was refused before its handler ran: no table gained or lost a row.
    expect(await tableCounts(app.ctx.db, BACKGROUND_TABLES)).toEqual(before);
    // Every route whose generated bodies its schema accepts met the check (the others were
    // refused by the schema first, which is also no write).
    const reached = targets.map((o) => `${o.method} ${o.path}`).filter((n) => refusedAt.has(n));
    expect(reached).toEqual(expect.arrayContaining(['POST /v1/members', 'POST /v1/subjects', 'POST /v1/api-keys', 'PUT /v1/recipients/{id}/webhook', 'POST /v1/subjects/{id}/consents']));
  }, 600_000);
});
