import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintRegistry } from '../../src/core/lint/index.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { DEMO_YAML, testApp, type TestApp } from './app-support.ts';

const VIOLATIONS_YAML = readFileSync(new URL('../../examples/marketplace/registry-violations.yaml', import.meta.url), 'utf8');

/** The demo registry with one harmless change, so it hashes differently and lints clean. */
function variant(label: string): string {
  const doc = parseYaml(DEMO_YAML) as { purposes: Array<{ labels: { en: string } }> };
  doc.purposes[0]!.labels.en = label;
  return stringify(doc);
}

let app: TestApp;
beforeAll(async () => {
  app = await testApp({}, { activate: false });
}, 180_000);
afterAll(() => app?.close());

const yamlPost = (url: string, payload: string | Buffer, type = 'text/yaml') =>
  app.server.inject({ method: 'POST', url, headers: { ...app.auth(), 'content-type': type }, payload });
const versionCount = async () => (await app.ctx.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM registry_versions'))[0]!.n;
// Other features append their own leaves (e.g. notices on activation), so count this feature's.
const activations = async () => (await app.ctx.db.query<{ n: number }>("SELECT count(*)::int8 AS n FROM admin_actions WHERE action = 'registry.activate'"))[0]!.n;

describe('registry API', () => {
  it('no active registry: GET /v1/registry is 404 and /readyz is 503', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth() })).json()).toMatchObject({ code: 'NO_ACTIVE_REGISTRY' });
    const ready = await app.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ code: 'NOT_READY' });
  });

  it('validates YAML sent as text/yaml or as JSON {yaml}, returning the content hash and findings', async () => {
    const expected = new RegistryModel(parseRegistry(DEMO_YAML).registry).hash;
    const a = await yamlPost('/v1/registry/validate', DEMO_YAML);
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ hash: expected, valid: true, counts: { errors: 0 } });
    const b = await app.server.inject({ method: 'POST', url: '/v1/registry/validate', headers: app.auth(), payload: { yaml: DEMO_YAML } });
    expect(b.json()).toEqual(a.json());
    const bad = (await yamlPost('/v1/registry/validate', VIOLATIONS_YAML)).json() as { valid: boolean; findings: Array<{ code: string }> };
    expect(bad.valid).toBe(false);
    const p = parseRegistry(VIOLATIONS_YAML);
    expect(bad.findings.map((f) => f.code)).toEqual(lintRegistry(new RegistryModel(p.registry), p.locate).map((f) => f.code));
  });

  it('bad YAML, schema errors, oversized and non-UTF-8 input are 4xx with code and path — and nothing is stored', async () => {
    const before = await versionCount();
    const syntax = (await yamlPost('/v1/registry/versions', 'operator: [unclosed\n')).json() as { status: number; code: string; errors: Array<{ line?: number }> };
    expect(syntax).toMatchObject({ status: 400, code: 'YAML_SYNTAX' });
    expect(syntax.errors[0]!.line).toBeGreaterThan(0);

    const wrongType = DEMO_YAML.replace(/^(\s*)countries: \[CN, HK\]/m, '$1countries: 42');
    expect(wrongType).not.toBe(DEMO_YAML);
    const schema = (await yamlPost('/v1/registry/versions', wrongType)).json() as { status: number; code: string; path: string; errors: Array<{ line?: number }> };
    expect(schema).toMatchObject({ status: 422, code: 'SCHEMA_INVALID', path: 'recipient_classes[0].countries' });
    expect(schema.errors[0]!.line).toBeGreaterThan(0);

    const dangling = DEMO_YAML.replace(/recipient: cn_sellers/, 'recipient: nobody_at_all');
    expect((await yamlPost('/v1/registry/versions', dangling)).statusCode).toBe(422);

    const huge = DEMO_YAML + '\n# ' + 'x'.repeat(1024 * 1024) + '\n';
    expect((await yamlPost('/v1/registry/versions', huge)).json()).toMatchObject({ status: 413, code: 'REGISTRY_TOO_LARGE' });
    const wayTooHuge = 'x'.repeat(4 * 1024 * 1024);
    expect((await yamlPost('/v1/registry/versions', wayTooHuge)).json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });

    const latin1 = Buffer.concat([Buffer.from(DEMO_YAML), Buffer.from('\n# caf\xe9\n', 'latin1')]);
    expect((await yamlPost('/v1/registry/versions', latin1)).json()).toMatchObject({ status: 400, code: 'INVALID_ENCODING' });
    expect(await versionCount()).toBe(before);
  });

  it('stores immutably by content hash: the same content returns the existing version', async () => {
    const first = await yamlPost('/v1/registry/versions', DEMO_YAML);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ created: true });
    const again = await app.server.inject({ method: 'POST', url: '/v1/registry/versions', headers: app.auth(), payload: { yaml: DEMO_YAML } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, version: first.json().version, hash: first.json().hash });
  });

  it('activation is refused with ALL findings while errors remain, and changes nothing', async () => {
    const clean = (await yamlPost('/v1/registry/versions', DEMO_YAML)).json() as { version: number };
    const ok = await app.server.inject({ method: 'POST', url: `/v1/registry/versions/${clean.version}/activate`, headers: app.auth() });
    expect(ok.statusCode).toBe(200);
    const activationsBefore = await activations();

    const draft = await yamlPost('/v1/registry/versions', VIOLATIONS_YAML);
    expect(draft.statusCode).toBe(201);
    expect(draft.json().counts.errors).toBeGreaterThan(0);
    const res = await app.server.inject({ method: 'POST', url: `/v1/registry/versions/${draft.json().version}/activate`, headers: app.auth() });
    expect(res.statusCode).toBe(422);
    const body = res.json() as { code: string; findings: Array<{ code: string; severity: string }>; errors: Array<{ code: string; path: string }>; path: string };
    expect(body.code).toBe('REGISTRY_HAS_ERRORS');
    const p = parseRegistry(VIOLATIONS_YAML);
    const expected = lintRegistry(new RegistryModel(p.registry), p.locate);
    expect(body.findings.map((f) => f.code)).toEqual(expected.map((f) => f.code));
    expect(body.errors.map((e) => e.code)).toEqual(expected.filter((f) => f.severity === 'error').map((f) => f.code));
    expect(body.path).toBe(body.errors[0]!.path);

    expect(app.ctx.registry.active!.version).toBe(clean.version);
    const active = (await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth() })).json();
    expect(active.version).toBe(clean.version);
    expect(await activations()).toBe(activationsBefore);
  });

  it('activating a new version switches the in-memory model, tells listeners, and logs the admin action', async () => {
    const seen: number[] = [];
    const off = app.ctx.registry.onActivated((a) => seen.push(a.version));
    const stored = (await yamlPost('/v1/registry/versions', variant('Order fulfilment (v2)'))).json() as { version: number; hash: string };
    const activationsBefore = await activations();
    const res = await app.server.inject({ method: 'POST', url: `/v1/registry/versions/${stored.version}/activate`, headers: app.auth() });
    expect(res.json()).toMatchObject({ version: stored.version, hash: stored.hash, changed: true });
    expect(seen).toEqual([stored.version]);
    expect(app.ctx.registry.model!.hash).toBe(stored.hash);
    expect(app.ctx.registry.model!.doc.purposes[0]!.labels.en).toBe('Order fulfilment (v2)');
    expect(await activations()).toBe(activationsBefore + 1);
    const [action] = await app.ctx.db.query<{ action: string; target: string }>('SELECT action, target FROM admin_actions ORDER BY leaf_index DESC LIMIT 1');
    expect(action).toEqual({ action: 'registry.activate', target: String(stored.version) });
    // …and the same leaf in the transparency log names the version and its content hash.
    const [leaf] = await app.ctx.db.query<{ entry: Uint8Array }>(
      `SELECT e.entry FROM ledger_entries e JOIN admin_actions a ON a.leaf_index = e.idx WHERE a.action = 'registry.activate' ORDER BY a.leaf_index DESC LIMIT 1`,
    );
    expect(JSON.parse(Buffer.from(leaf!.entry).toString('utf8'))).toMatchObject({
      kind: 'admin_action', action: 'registry.activate', target: String(stored.version), facts: { hash: stored.hash },
    });
    // Activating the active version again is a no-op.
    const again = await app.server.inject({ method: 'POST', url: `/v1/registry/versions/${stored.version}/activate`, headers: app.auth() });
    expect(again.json()).toMatchObject({ changed: false });
    expect(await activations()).toBe(activationsBefore + 1);
    off();
  });

  it('lists versions newest first, marks the active one, and shows one with its source', async () => {
    const list = (await app.server.inject({ method: 'GET', url: '/v1/registry/versions', headers: app.auth() })).json() as { versions: Array<{ version: number; active: boolean }> };
    const nums = list.versions.map((v) => v.version);
    expect(nums).toEqual([...nums].sort((a, b) => b - a));
    expect(list.versions.filter((v) => v.active).map((v) => v.version)).toEqual([app.ctx.registry.active!.version]);
    const one = (await app.server.inject({ method: 'GET', url: `/v1/registry/versions/${nums.at(-1)}`, headers: app.auth() })).json();
    expect(one.source).toBe(DEMO_YAML);
    const missing = await app.server.inject({ method: 'POST', url: '/v1/registry/versions/9999/activate', headers: app.auth() });
    expect(missing.json()).toMatchObject({ status: 404, code: 'REGISTRY_VERSION_NOT_FOUND' });
  });
});
