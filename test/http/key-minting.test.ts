import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { testApp, type TestApp } from './app-support.ts';
import { ADMIN_SCOPES } from '../../src/http/principal.ts';
import { KIND_REACH, missingToMint } from '../../src/core/keys/mint-authority.ts';

/**
 * Issue 17 item 1: a key may only mint keys whose kind and scopes lie within its own. Every
 * admin scope a minting key may hold, against every scope and kind it may try to mint, through
 * every route that mints (create, rotate, recipient keys, subject tokens).
 */
let app: TestApp;
beforeAll(async () => {
  app = await testApp({ rateLimit: { max: 100_000, timeWindowMs: 60_000 } });
}, 180_000);
afterAll(() => app?.close());

const post = (url: string, key: string, payload: object = {}) => app.server.inject({ method: 'POST', url, headers: app.auth(key), payload });
const holderKey = async (scopes: string[]) => (await app.ctx.keys.create({ kind: 'admin', principal: 'ops', scopes, actor: 'test' })).key;
const covers = (held: readonly string[], need: readonly string[]) => held.includes('*') || need.every((s) => held.includes(s));

describe('minting stays within the acting key (a generated matrix)', () => {
  it('POST /v1/api-keys: every held scope against every admin scope, subject token and recipient key', async () => {
    const outcomes: string[] = [];
    for (const held of ADMIN_SCOPES) {
      const scopes = [...new Set(['keys:write', held])];
      const key = await holderKey(scopes);
      for (const wanted of ADMIN_SCOPES) {
        const res = await post('/v1/api-keys', key, { kind: 'admin', scopes: [wanted] });
        const allowed = covers(scopes, [wanted]);
        outcomes.push(`${held} → ${wanted}: ${res.statusCode}`);
        expect(res.statusCode, `${scopes.join('+')} minting admin [${wanted}]`).toBe(allowed ? 201 : 403);
        if (!allowed) expect(res.json()).toMatchObject({ code: 'FORBIDDEN_SCOPE', required_scopes: [wanted] });
      }
      const subject = await post('/v1/api-keys', key, { kind: 'subject', principal: 'cust-any' });
      expect(subject.statusCode, `${scopes.join('+')} minting a subject token`).toBe(covers(scopes, KIND_REACH.subject) ? 201 : 403);
      const recipient = await post('/v1/api-keys', key, { kind: 'recipient', principal: 'hanbit_express' });
      expect(recipient.statusCode, `${scopes.join('+')} minting a recipient key`).toBe(covers(scopes, KIND_REACH.recipient) ? 201 : 403);
    }
    // The escalation the probe found: keys:write alone minted `*` (201).
    expect(outcomes).toContain('keys:write → *: 403');
    expect(outcomes).toContain('* → *: 201');
  }, 120_000);

  it('a key holding exactly a kind\'s reach mints that kind; one scope less does not', async () => {
    for (const [kind, reach] of Object.entries(KIND_REACH)) {
      const body = kind === 'subject' ? { kind, principal: 'cust-reach' } : { kind, principal: 'hanbit_express' };
      expect((await post('/v1/api-keys', await holderKey(['keys:write', ...reach]), body)).statusCode).toBe(201);
      for (const drop of reach) {
        const res = await post('/v1/api-keys', await holderKey(['keys:write', ...reach.filter((s) => s !== drop)]), body);
        expect(res.statusCode, `${kind} without ${drop}`).toBe(403);
        expect(res.json().required_scopes).toContain(drop);
      }
    }
  }, 60_000);

  it('rotating is minting: every held scope against every scope of the rotated key', async () => {
    for (const held of ADMIN_SCOPES) {
      const scopes = [...new Set(['keys:write', held])];
      const key = await holderKey(scopes);
      for (const theirs of ADMIN_SCOPES) {
        const target = (await app.ctx.keys.create({ kind: 'admin', principal: 'victim', scopes: [theirs], actor: 'test' })).view.id;
        const res = await post(`/v1/api-keys/${target}/rotate`, key, { grace_seconds: 60 });
        expect(res.statusCode, `${scopes.join('+')} rotating [${theirs}]`).toBe(covers(scopes, [theirs]) ? 201 : 403);
      }
    }
  }, 120_000);

  it('recipient keys (POST /v1/recipients/{id}/keys) and subject tokens (POST /v1/subjects) too', async () => {
    let n = 0;
    for (const held of ADMIN_SCOPES) {
      const rw = [...new Set(['recipients:write', held])];
      const r = await post('/v1/recipients/hanbit_express/keys', await holderKey(rw), {});
      expect(r.statusCode, `${rw.join('+')} issuing a recipient key`).toBe(covers(rw, KIND_REACH.recipient) ? 201 : 403);
      // An unknown recipient answers the same 403 to a key that may not mint: no probing of ids.
      if (!covers(rw, KIND_REACH.recipient)) expect((await post('/v1/recipients/nobody/keys', await holderKey(rw), {})).statusCode).toBe(403);

      const cw = [...new Set(['consents:write', held])];
      const ck = await holderKey(cw);
      const made = await post('/v1/subjects', ck, { id: `mint-${n++}`, jurisdiction: 'KR' });
      const mayToken = covers(cw, KIND_REACH.subject);
      expect(made.statusCode, `${cw.join('+')} creating a subject with its token`).toBe(mayToken ? 201 : 403);
      if (mayToken) expect(made.json().token).toMatch(/^cg_subject_/);
      else {
        // Nothing was written: the subject does not exist, and without a token it can be created.
        const plain = await post('/v1/subjects', ck, { id: `mint-${n - 1}`, jurisdiction: 'KR', issueToken: false });
        expect(plain.statusCode).toBe(201);
        expect(plain.json().token).toBeUndefined();
      }
    }
  }, 120_000);
});

describe('missingToMint', () => {
  const scope = fc.constantFrom(...ADMIN_SCOPES);
  it('allows exactly the targets whose reach the holder covers; non-admin keys never mint', () => {
    fc.assert(
      fc.property(fc.uniqueArray(scope, { maxLength: 6 }), fc.uniqueArray(scope, { minLength: 1, maxLength: 4 }), fc.constantFrom('admin', 'recipient', 'subject'), (held, wanted, kind) => {
        const target = { kind, scopes: kind === 'admin' ? wanted : [kind === 'recipient' ? 'release' : 'subject'] } as const;
        const need = kind === 'admin' ? wanted : KIND_REACH[kind];
        const missing = missingToMint({ kind: 'admin', scopes: held }, target);
        expect(missing.length === 0).toBe(covers(held, need));
        for (const s of missing) expect(held).not.toContain(s);
        expect(missingToMint({ kind: 'recipient', scopes: ['release'] }, target).length).toBeGreaterThan(0);
        expect(missingToMint({ kind: 'subject', scopes: ['subject'] }, target).length).toBeGreaterThan(0);
      }),
    );
  });
});
