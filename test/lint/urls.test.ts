import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CgError } from '../../src/core/errors.ts';
import { httpsUrl, registrySchema, type Registry } from '../../src/core/registry/schema.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { stringify } from 'yaml';
import { byId, cleanRegistry, decl } from './fixtures.ts';

/** Issue 17 item 9: every URL in the registry is https (http only for localhost), checked by the schema. */
function refusal(mutate: (r: Registry) => void): { code: string; paths: string[] } {
  const r = cleanRegistry();
  mutate(r);
  try {
    parseRegistry(stringify(r));
  } catch (e) {
    const err = e as CgError;
    return { code: err.code, paths: err.details.map((d) => d.path ?? '') };
  }
  return { code: 'ACCEPTED', paths: [] };
}

describe('registry URLs', () => {
  it('javascript:alert(3) is refused with a schema error at its path', () => {
    expect(refusal((r) => (r.operator.privacy_policy_url = 'javascript:alert(3)'))).toEqual({ code: 'SCHEMA_INVALID', paths: ['operator.privacy_policy_url'] });
  });

  it('every URL field is checked: contact.url, transfer.disclosed_in, entrustment.disclosed_in, safeguards.dpf.entry_url', () => {
    expect(refusal((r) => (byId(r.recipients, 'adreach').contact.url = 'http://adreach.example/privacy'))).toEqual({
      code: 'SCHEMA_INVALID',
      paths: ['recipients[4].contact.url'],
    });
    expect(refusal((r) => (decl(r, 'cloud_hosting').transfer!.disclosed_in = 'our privacy policy, section 7'))).toMatchObject({
      code: 'SCHEMA_INVALID',
      paths: expect.arrayContaining(['declarations[4].transfer.disclosed_in']),
    });
    expect(refusal((r) => (byId(r.recipients, 'paybridge').entrustment!.disclosed_in = 'ftp://paybridge.example/list'))).toEqual({
      code: 'SCHEMA_INVALID',
      paths: ['recipients[2].entrustment.disclosed_in'],
    });
    expect(
      refusal((r) => (byId(r.recipients, 'adreach').safeguards.dpf = { entry_url: 'data:text/html,hi', checked_on: '2026-01-01' })),
    ).toMatchObject({ code: 'SCHEMA_INVALID', paths: expect.arrayContaining(['recipients[4].safeguards.dpf.entry_url']) });
  });

  it('accepts https anywhere and http for localhost only (the demo)', () => {
    expect(refusal((r) => (r.operator.privacy_policy_url = 'http://localhost:8080/privacy')).code).toBe('ACCEPTED');
    expect(refusal((r) => (r.operator.privacy_policy_url = 'http://127.0.0.1:8080/privacy')).code).toBe('ACCEPTED');
    expect(refusal((r) => (r.operator.privacy_policy_url = 'https://harbor-bazaar.example/privacy?lang=ko#overseas')).code).toBe('ACCEPTED');
    expect(refusal((r) => (r.operator.privacy_policy_url = 'http://localhost.evil.example/privacy')).code).toBe('SCHEMA_INVALID');
  });

  it('property: a URL whose scheme is not https (or http on localhost) never passes', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['http', 'ftp', 'ws', 'file', 'javascript', 'data', 'mailto'] }), (url) => {
        const ok = httpsUrl.safeParse(url).success;
        const u = new URL(url);
        expect(ok).toBe(u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https'] }), (url) => {
        expect(httpsUrl.safeParse(url).success).toBe(true);
      }),
      { numRuns: 300 },
    );
    // The whole schema, not only the field type.
    expect(registrySchema.safeParse({ ...cleanRegistry(), operator: { ...cleanRegistry().operator, privacy_policy_url: 'vbscript:x' } }).success).toBe(false);
  });
});
