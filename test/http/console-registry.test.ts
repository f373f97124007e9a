import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { RegistryRepo } from '../../src/store/registry-repo.ts';
import { startHarness, type Harness } from '../release/harness.ts';
import { signedIn } from '../support/web-session.ts';

/**
 * The console's registry editor API over HTTP, on the real app (PGlite, demo registry, two
 * sellers, a customer who consented): scopes and CSRF are enforced server-side; lint answers
 * parse errors and findings with their line; the dry run names what activation changes and the
 * consents that go stale; activation needs the dry run's confirmation (409 when stale) and is
 * recorded in the transparency log with the session's key id as the actor.
 */
let h: Harness;
const YAML = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');
const HOST = { host: 'cg.test' };

interface Session {
  cookie: string;
  csrf: string;
  keyId: string;
}

async function signIn(key: string): Promise<Session> {
  const s = await signedIn(h.app.server, { key });
  return { cookie: s.cookie, csrf: s.csrf, keyId: (s.res.json() as { principal: { key_id: string } }).principal.key_id };
}

async function call(s: Session, method: 'GET' | 'POST', url: string, payload?: unknown, opts: { csrf?: boolean } = {}) {
  const headers: Record<string, string> = { cookie: s.cookie, ...HOST };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    if (opts.csrf ?? true) headers['x-csrf-token'] = s.csrf;
  }
  const res = await h.app.server.inject({ method, url: `/console/api/registry${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.json() as any, type: String(res.headers['content-type']) };
}

/** `fn`'s result and how many times the registry service parsed and linted a document meanwhile. */
async function validations<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const spy = vi.spyOn(h.app.ctx.registry, 'validate');
  try {
    const result = await fn();
    return { result, calls: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

let officer: Session;
let reader: Session;

/** The demo registry with sellers_fulfilment also releasing the e-mail address to the sellers. */
function withEmailToSellers(): string {
  const doc = parse(YAML);
  doc.declarations.find((d: any) => d.id === 'sellers_fulfilment').items.push({ category: 'email', form: 'plain' });
  const purpose = doc.purposes.find((p: any) => p.id === doc.declarations.find((d: any) => d.id === 'sellers_fulfilment').purpose);
  if (!purpose.items.includes('email')) purpose.items.push('email');
  return stringify(doc);
}

beforeAll(async () => {
  h = await startHarness();
  await h.customer('cust-editor');
  await h.grant('cust-editor', 'checkout', ['sellers_fulfilment']);
  officer = await signIn(h.admin);
  const { key } = await h.app.ctx.keys.create({ kind: 'admin', principal: 'auditor', scopes: ['registry:read'], actor: 'test' });
  reader = await signIn(key);
});
afterAll(async () => {
  await h?.close();
});

describe('console registry editor API', () => {
  it('loads the active source and lints text: findings and parse errors carry their line', async () => {
    const active = await call(reader, 'GET', '/active');
    expect(active.status).toBe(200);
    expect(active.body.active.source).toBe(YAML);

    const ok = await call(reader, 'POST', '/lint', { yaml: YAML });
    expect(ok.body).toMatchObject({ parsed: true, valid: true, counts: { errors: 0 } });

    // A YAML syntax error on line 3.
    const broken = await call(reader, 'POST', '/lint', { yaml: 'version: 1\noperator:\n  legal_name: [unclosed\n' });
    expect(broken.status).toBe(200);
    expect(broken.body.parsed).toBe(false);
    expect(broken.body.findings[0]).toMatchObject({ code: 'YAML_SYNTAX', severity: 'error' });
    expect(broken.body.findings[0].line).toBeGreaterThanOrEqual(3);

    // A schema error: the line of the offending key.
    const lines = YAML.split('\n');
    const at = lines.findIndex((l) => l.includes('kr_age: 14'));
    const bad = await call(reader, 'POST', '/lint', { yaml: YAML.replace('kr_age: 14', 'kr_age: fourteen') });
    expect(bad.body.parsed).toBe(false);
    expect(bad.body.findings).toContainEqual(expect.objectContaining({ code: 'SCHEMA_INVALID', path: 'operator.children.kr_age', line: at + 1 }));

    // A statutory finding (an overseas transfer without a ground), at the declaration's `transfer:` line.
    const doc = parse(YAML);
    const i = doc.declarations.findIndex((d: any) => d.transfer?.ground === 'consent');
    delete doc.declarations[i].transfer;
    const text = stringify(doc);
    const linted = await call(reader, 'POST', '/lint', { yaml: text });
    expect(linted.body.parsed).toBe(true);
    expect(linted.body.valid).toBe(false);
    const f = linted.body.findings.find((x: any) => x.severity === 'error' && x.path.startsWith(`declarations[${i}]`));
    expect(f).toBeDefined();
    expect(f.articles.length).toBeGreaterThan(0);
    expect(f.message_ko).toBeTruthy();
    // The line is inside that declaration's block.
    const startLine = text.split('\n').findIndex((l) => l.includes(`- id: ${doc.declarations[i].id}`)) + 1;
    expect(f.line).toBeGreaterThanOrEqual(startLine);
  });

  it('refuses oversized YAML with 413 and a missing candidate with a stable code and path', async () => {
    const huge = await call(reader, 'POST', '/lint', { yaml: '#'.repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(huge.type).toContain('application/problem+json');
    expect(huge.body.code).toBe('REGISTRY_TOO_LARGE');
    const none = await call(reader, 'POST', '/dry-run', {});
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ code: 'CANDIDATE_REQUIRED', path: 'yaml' });
    const both = await call(reader, 'POST', '/dry-run', { yaml: YAML, version: 1 });
    expect(both.body.code).toBe('CANDIDATE_REQUIRED');
    const unknown = await call(reader, 'POST', '/dry-run', { version: 9999 });
    expect(unknown.body).toMatchObject({ status: 404, code: 'REGISTRY_VERSION_NOT_FOUND', path: 'version' });
  });

  it('diffs the editor text against the active version, by line and by meaning', async () => {
    const d = await call(reader, 'POST', '/diff', { yaml: withEmailToSellers() });
    expect(d.status).toBe(200);
    expect(d.body.added).toBeGreaterThan(0);
    expect(d.body.lines.some((l: any) => l.op === 'add' && l.text.includes('email'))).toBe(true);
    expect(d.body.summary.declarations.changed).toContainEqual(expect.objectContaining({ id: 'sellers_fulfilment', items_added: ['email'], terms: ['items'] }));
    expect(d.body.summary.parties).toContainEqual(expect.objectContaining({ id: 'cn_sellers', items_gained: ['email'] }));
  });

  it('dry-runs: the sellers gain the e-mail address and the customer\'s consent goes stale', async () => {
    const r = await call(reader, 'POST', '/dry-run', { yaml: withEmailToSellers() });
    expect(r.status).toBe(200);
    expect(r.body.activatable).toBe(true);
    expect(r.body.from.version).toBe(h.app.ctx.registry.active!.version);
    expect(r.body.to.version).toBeNull();
    expect(r.body.consents.newly_stale).toBeGreaterThanOrEqual(1);
    expect(r.body.consents.by_declaration.sellers_fulfilment).toBeGreaterThanOrEqual(1);
    expect(r.body.members_by_class.cn_sellers).toBe(2);
    expect(r.body.confirmation).toMatch(/^[0-9a-f]{64}$/);
    // Same input, same confirmation.
    expect((await call(reader, 'POST', '/dry-run', { yaml: withEmailToSellers() })).body.confirmation).toBe(r.body.confirmation);
  });

  it('needs registry:write to store or activate, and the CSRF token on every POST', async () => {
    const r = await call(reader, 'POST', '/dry-run', { yaml: withEmailToSellers() });
    const store = await call(reader, 'POST', '/versions', { yaml: withEmailToSellers() });
    expect(store.status).toBe(403);
    expect(store.body.code).toBe('FORBIDDEN_SCOPE');
    const act = await call(reader, 'POST', '/activate', { yaml: withEmailToSellers(), confirmation: r.body.confirmation });
    expect(act.status).toBe(403);
    const noCsrf = await call(officer, 'POST', '/activate', { yaml: withEmailToSellers(), confirmation: r.body.confirmation }, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('CSRF_FAILED');
    const lintNoCsrf = await call(reader, 'POST', '/lint', { yaml: YAML }, { csrf: false });
    expect(lintNoCsrf.body.code).toBe('CSRF_FAILED');
    // Nothing was activated.
    expect(h.app.ctx.registry.active!.hash).toBe(r.body.from.hash);
  });

  it('refuses a registry with lint errors (nothing stored) and a stale confirmation (409)', async () => {
    const versionsBefore = (await call(reader, 'GET', '/versions')).body.versions.length;
    const doc = parse(YAML);
    delete doc.declarations.find((d: any) => d.transfer?.ground === 'consent').transfer;
    const bad = stringify(doc);
    const dr = await call(officer, 'POST', '/dry-run', { yaml: bad });
    expect(dr.body.activatable).toBe(false);
    const refused = await call(officer, 'POST', '/activate', { yaml: bad, confirmation: dr.body.confirmation });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('REGISTRY_HAS_ERRORS');
    // The registry service's refusal, as /v1 activation answers it: every error a detail, the
    // first one's path, and all findings.
    const errorCodes = dr.body.findings.map((f: { code: string }) => f.code);
    expect(refused.body.errors.map((e: { code: string }) => e.code)).toEqual(errorCodes);
    expect(refused.body.path).toBe(refused.body.errors[0].path);
    expect(refused.body.findings.filter((f: { severity: string }) => f.severity === 'error').map((f: { code: string }) => f.code)).toEqual(errorCodes);
    expect((await call(reader, 'GET', '/versions')).body.versions.length).toBe(versionsBefore);

    // A confirmation of another change (here: the dry run of a different text) is stale.
    const other = await call(officer, 'POST', '/dry-run', { yaml: YAML.replace('kr_age: 14', 'kr_age: 15') });
    const stale = await call(officer, 'POST', '/activate', { yaml: withEmailToSellers(), confirmation: other.body.confirmation });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'CONFIRMATION_STALE', path: 'confirmation' });
  });

  it('refuses when the database has another active registry than the dry run replaced (another server activated)', async () => {
    const active = h.app.ctx.registry.active!;
    const other = await h.app.ctx.registry.store(YAML.replace('kr_age: 14', 'kr_age: 15'), 'other-server');
    // As another server would: the row changes, this server has not heard of it yet.
    await RegistryRepo.activate(h.app.ctx.db, other.row.version, 'other-server', new Date());
    try {
      const text = withEmailToSellers();
      const dr = await call(officer, 'POST', '/dry-run', { yaml: text });
      expect(dr.body.from.hash).toBe(active.hash);
      const res = await call(officer, 'POST', '/activate', { yaml: text, confirmation: dr.body.confirmation });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'CONFIRMATION_STALE', path: 'confirmation' });
    } finally {
      await RegistryRepo.activate(h.app.ctx.db, active.version, 'test', new Date());
    }
    expect(h.app.ctx.registry.active!.version).toBe(active.version);
  });

  it('activates with the confirmation, logs the officer as actor, and shows it in the history', async () => {
    const before = h.app.ctx.registry.active!.version;
    const text = withEmailToSellers();
    const dr = await call(officer, 'POST', '/dry-run', { yaml: text });
    // The text is parsed and linted once for the whole activation (candidate, store, activate).
    const { result: act, calls } = await validations(() => call(officer, 'POST', '/activate', { yaml: text, confirmation: dr.body.confirmation }));
    expect(calls).toBe(1);
    expect(act.status).toBe(200);
    expect(act.body).toMatchObject({ changed: true, activated_by: officer.keyId });
    expect(act.body.version).toBeGreaterThan(before);
    expect(act.body.stale_consents).toBeGreaterThanOrEqual(1);
    expect(h.app.ctx.registry.active!.version).toBe(act.body.version);

    const [leaf] = await h.app.ctx.db.query<{ entry: Uint8Array }>(
      `SELECT e.entry FROM ledger_entries e JOIN admin_actions a ON a.leaf_index = e.idx WHERE a.action = 'registry.activate' ORDER BY a.leaf_index DESC LIMIT 1`,
    );
    expect(JSON.parse(Buffer.from(leaf!.entry).toString('utf8'))).toMatchObject({ action: 'registry.activate', actor: officer.keyId, target: String(act.body.version) });

    // The same confirmation again: the change it confirmed is no longer the one a dry run shows.
    const replay = await call(officer, 'POST', '/activate', { version: before, confirmation: dr.body.confirmation });
    expect(replay.status).toBe(409);

    const hist = await call(reader, 'GET', '/versions');
    expect(hist.body.active).toBe(act.body.version);
    const top = hist.body.versions[0];
    expect(top).toMatchObject({ version: act.body.version, active: true, created_by: officer.keyId });
    expect(top.activations[0].by).toBe(officer.keyId);
    const one = await call(reader, 'GET', `/versions/${act.body.version}`);
    expect(one.body.source).toBe(text);

    // Diff any two stored versions, and roll back through a dry run of the old version.
    const diff = await call(reader, 'POST', '/diff', { from: before, to: act.body.version });
    expect(diff.body.summary.declarations.changed[0].id).toBe('sellers_fulfilment');
    const back = await call(officer, 'POST', '/dry-run', { version: before });
    expect(back.body.to.version).toBe(before);
    expect(back.body.consents.no_longer_stale).toBeGreaterThanOrEqual(1);
    const { result: rolled, calls: rollbackCalls } = await validations(() => call(officer, 'POST', '/activate', { version: before, confirmation: back.body.confirmation }));
    expect(rollbackCalls).toBe(1);
    expect(rolled.status).toBe(200);
    expect(h.app.ctx.registry.active!.version).toBe(before);
  });
});
