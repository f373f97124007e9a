import { readFileSync } from 'node:fs';
import { text } from '../../src/core/registry/local-text.ts';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { registryToFides } from '../../src/core/fides/export.ts';
import { fidesToRegistry } from '../../src/core/fides/import.ts';
import { readManifests } from '../../src/core/fides/manifest.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import type { Registry } from '../../src/core/registry/schema.ts';
import { expectFideslangValid, mappedFields, sampleResources, throughYaml, validateSystems } from './support.ts';

const MARKETPLACE = new URL('../../examples/marketplace/registry.yaml', import.meta.url);

const OPTS = { operatorCountry: 'KR', jurisdictions: ['KR', 'EU'] as Array<'KR' | 'EU'> };

function importSample(): Registry {
  return parseRegistry(stringify(fidesToRegistry(sampleResources(), OPTS).registry)).registry;
}

describe('export fides', () => {
  it('writes systems with privacy declarations the fideslang schema accepts, from the marketplace example', () => {
    const registry = parseRegistry(readFileSync(MARKETPLACE)).registry;
    const { manifest, notes } = registryToFides(registry);
    expectFideslangValid(manifest);
    expect(manifest.system.map((s) => s.fides_key)).toEqual([...registry.recipients.map((r) => r.id), ...registry.recipient_classes.map((r) => r.id)]);
    const sellers = manifest.system.find((s) => s.fides_key === 'cn_sellers')!;
    expect(sellers).toMatchObject({ responsibility: ['Controller'], meta: { countries: ['CN', 'HK'] }, does_international_transfers: true, legal_basis_for_transfers: ['Other'] });
    expect(sellers.privacy_declarations[0]).toMatchObject({
      name: 'sellers_fulfilment',
      data_categories: ['user.name', 'user.contact.phone_number', 'user.contact.address', 'user.unique_id'],
      data_use: 'essential.service',
      legal_basis_for_processing: 'Consent',
      retention_period: 'P90D after contract_end',
      data_shared_with_third_parties: true,
      third_parties: 'Marketplace sellers in mainland China and Hong Kong',
    });
    const nimbus = manifest.system.find((s) => s.fides_key === 'nimbus_cloud')!;
    expect(nimbus).toMatchObject({ responsibility: ['Processor'], meta: { country: 'US' } });
    expect(nimbus.privacy_declarations[0]!.legal_basis_for_processing).toBeUndefined();
    // What fideslang cannot hold is reported at its registry path.
    const at = (a: string) => notes.filter((n) => n.at === a).map((n) => n.what);
    expect(at('data_categories[0]')).toEqual(['name → user.name']);
    expect(at('declarations[0].items')).toEqual(['release forms (masked, safe_number, token)']);
    expect(at('recipients[3].agreement')).toEqual(['agreement']);
    expect(at('declarations[0].transfer.ground')).toEqual(['consent']);
    expect(at('operator.domestic_agents')).toEqual(['KR domestic agent']);
  });

  it('writes fideslang the schema accepts from an imported Fides sample', () => {
    const { manifest } = registryToFides(importSample());
    expectFideslangValid(manifest);
    // The schema has teeth: a system without system_type, or a declaration without data_use, fails.
    const broken = throughYaml(manifest) as { system: Array<Record<string, unknown>> };
    delete broken.system[0]!['system_type'];
    expect(validateSystems(broken)).toBe(false);
    const noUse = throughYaml(manifest) as { system: Array<{ privacy_declarations: Array<Record<string, unknown>> }> };
    delete noUse.system[0]!.privacy_declarations[0]!['data_use'];
    expect(validateSystems(noUse)).toBe(false);
  });

  it('round trip: import → export → import keeps every mapped field', () => {
    const first = importSample();
    const manifest = registryToFides(first).manifest;
    const again = fidesToRegistry(readManifests([{ file: 'exported.yml', value: throughYaml(manifest) }]), OPTS).registry;
    expect(mappedFields(parseRegistry(stringify(again)).registry)).toEqual(mappedFields(first));
  });

  it('round trip from a registry: every declaration, its basis, retention, role and country survive', () => {
    const registry = parseRegistry(readFileSync(MARKETPLACE)).registry;
    const back = fidesToRegistry(readManifests([{ file: 'x.yml', value: throughYaml(registryToFides(registry).manifest) }]), { operatorCountry: 'SG', jurisdictions: ['KR', 'EU'] }).registry;
    // fideslang names have one language: the English text goes out (the Korean one is a mapping note).
    expect(back.operator.legal_name).toBe(text(registry.operator.legal_name, 'en'));
    expect(back.operator.privacy_officer).toEqual({ ...registry.operator.privacy_officer, name: text(registry.operator.privacy_officer.name, 'en') });
    // Systems are written recipients first, then classes: compare declarations by id.
    const decls = (r: Registry) => r.declarations.map((d) => [d.id, d.recipient, d.legal_basis, d.retention, d.transfer?.ground === 'scc' ? 'scc' : undefined]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(decls(back)).toEqual(decls(registry));
    expect(back.recipients.map((r) => [r.id, r.role === 'processor', r.country])).toEqual(registry.recipients.map((r) => [r.id, r.role === 'processor', r.country]));
    expect(back.recipient_classes.map((r) => [r.id, r.countries])).toEqual(registry.recipient_classes.map((r) => [r.id, r.countries]));
  });
});
