import fc from 'fast-check';
import { stringify } from 'yaml';
import { CgError } from '../../src/core/errors.ts';
import { describe, expect, it } from 'vitest';
import { FIDES_DATA_CATEGORIES, FIDES_DATA_USES } from '../../src/core/fides/default-taxonomy.ts';
import { registryToFides } from '../../src/core/fides/export.ts';
import { fidesToRegistry } from '../../src/core/fides/import.ts';
import { FIDES_LEGAL_BASES, readManifests } from '../../src/core/fides/manifest.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { hostileString, pollutingJson } from '../hardening/fuzz-support.ts';
import { expectFideslangValid, mappedFields, throughYaml } from './support.ts';

// Drawn from the real published taxonomy, not a hand-picked subset.
const PERSONAL = FIDES_DATA_CATEGORIES.map(([k]) => k).filter((k) => k === 'user' || k.startsWith('user.'));
const USES = FIDES_DATA_USES.map(([k]) => k);

const declaration = fc.record(
  {
    name: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), { nil: undefined }),
    data_categories: fc.uniqueArray(fc.constantFrom(...PERSONAL), { minLength: 1, maxLength: 6 }),
    data_use: fc.constantFrom(...USES),
    legal_basis_for_processing: fc.option(fc.constantFrom(...FIDES_LEGAL_BASES), { nil: undefined }),
    retention_period: fc.option(
      fc.oneof(
        fc.integer({ min: 1, max: 3650 }).map(String),
        fc.tuple(fc.integer({ min: 1, max: 10 }), fc.constantFrom('Y', 'M', 'D'), fc.constantFrom('', ' after contract_end', ' after collection')).map(([n, u, a]) => `P${n}${u}${a}`),
      ),
      { nil: undefined },
    ),
  },
  { requiredKeys: ['data_categories', 'data_use'] },
);

const system = fc.record(
  {
    fides_key: fc.stringMatching(/^[a-z][a-z0-9_]{0,30}$/),
    name: fc.option(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0 && !/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/.test(s)), { nil: undefined }),
    system_type: fc.constantFrom('Service', 'Application', 'Database'),
    responsibility: fc.option(fc.constantFrom(['Controller'], ['Processor'], ['Sub-Processor']), { nil: undefined }),
    meta: fc.option(fc.oneof(fc.record({ country: fc.constantFrom('KR', 'US', 'CN', 'DE') }), fc.record({ countries: fc.uniqueArray(fc.constantFrom('CN', 'HK', 'JP'), { minLength: 2, maxLength: 3 }) })), { nil: undefined }),
    legal_basis_for_transfers: fc.option(fc.constantFrom(['SCCs'], ['BCRs'], ['Adequacy Decision']), { nil: undefined }),
    privacy_declarations: fc.array(declaration, { minLength: 1, maxLength: 4 }),
  },
  { requiredKeys: ['fides_key', 'system_type', 'privacy_declarations'] },
);

const manifest = fc.uniqueArray(system, { minLength: 1, maxLength: 4, selector: (s) => s.fides_key });
const OPTS = { operatorCountry: 'KR', jurisdictions: ['KR' as const] };

describe('fideslang mapping (property)', () => {
  it('any system over the published taxonomy imports to a valid registry, exports to valid fideslang, and round-trips', () => {
    fc.assert(
      fc.property(manifest, (systems) => {
        const first = fidesToRegistry(readManifests([{ file: 'gen.yml', value: throughYaml({ system: systems }) }]), OPTS);
        const parsed = parseRegistry(stringify(first.registry)).registry;
        // Every declaration of every system maps: nothing in the generated input is outside the taxonomy.
        expect(parsed.declarations).toHaveLength(systems.reduce((n, s) => n + s.privacy_declarations.length, 0));
        const { manifest: out } = registryToFides(parsed);
        expectFideslangValid(out);
        const again = fidesToRegistry(readManifests([{ file: 'out.yml', value: throughYaml(out) }]), OPTS).registry;
        expect(mappedFields(parseRegistry(stringify(again)).registry)).toEqual(mappedFields(parsed));
      }),
      { numRuns: 40 },
    );
  });
});

describe('fideslang input (fuzz)', () => {
  // Hostile values in every field the mapping reads: either a mapping or FIDES_INVALID, never a crash.
  const hostile = fc.oneof(hostileString, pollutingJson.map((j) => JSON.parse(j) as unknown), fc.anything());
  const field = fc.constantFrom('fides_key', 'system_type', 'privacy_declarations', 'meta', 'responsibility', 'legal_basis_for_transfers', 'name');
  const declField = fc.constantFrom('data_categories', 'data_use', 'legal_basis_for_processing', 'retention_period', 'dataset_references', 'name');

  it('text no registry can hold is refused at its fideslang path', () => {
    const doc = { system: [{ fides_key: 'sys', name: 'a\u0000b', system_type: 'Service', privacy_declarations: [{ data_categories: ['user.name'], data_use: 'essential.service', retention_period: '\ud800' }] }] };
    expect(() => readManifests([{ file: 'f.yml', value: doc }])).toThrow(expect.objectContaining({ code: 'FIDES_INVALID', details: [expect.objectContaining({ path: 'f.yml: system[0].name' })] }));
  });

  it('a corrupted real manifest is mapped or refused with FIDES_INVALID and a path', () => {
    const base = throughYaml({ system: [{ fides_key: 'sys', system_type: 'Service', privacy_declarations: [{ data_categories: ['user.contact.phone_number'], data_use: 'essential.service' }] }] }) as {
      system: Array<Record<string, unknown>>;
    };
    fc.assert(
      fc.property(field, declField, hostile, hostile, (f, df, v1, v2) => {
        const doc = structuredClone(base);
        const sys = doc.system[0]!;
        sys[f] = v1;
        const decls = sys['privacy_declarations'];
        if (Array.isArray(decls) && decls[0] && typeof decls[0] === 'object') (decls[0] as Record<string, unknown>)[df] = v2;
        try {
          const res = readManifests([{ file: 'f.yml', value: doc }]);
          const { registry } = fidesToRegistry(res, OPTS);
          if (registry.purposes.length > 0) parseRegistry(stringify(registry));
        } catch (e) {
          expect(e).toBeInstanceOf(CgError);
          expect((e as CgError).code).toBe('FIDES_INVALID');
          expect((e as CgError).details[0]!.path).toMatch(/^f\.yml: system\[0\]/);
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
