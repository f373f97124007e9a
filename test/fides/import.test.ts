import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CgError } from '../../src/core/errors.ts';
import { FIDESLANG_GAPS, sortFindings } from '../../src/core/fides/gaps.ts';
import { fidesToRegistry } from '../../src/core/fides/import.ts';
import { readManifests } from '../../src/core/fides/manifest.ts';
import { lintRegistry } from '../../src/core/lint/index.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { sampleResources } from './support.ts';


const OPTS = { operatorCountry: 'KR', jurisdictions: ['KR', 'EU'] as const };

function draft() {
  const { registry, notes } = fidesToRegistry(sampleResources(), { ...OPTS, jurisdictions: [...OPTS.jurisdictions] });
  // What the CLI writes is what `consentgate check` reads: go through YAML and the real parser.
  const parsed = parseRegistry(stringify(registry));
  return { registry: parsed.registry, notes, findings: lintRegistry(new RegistryModel(parsed.registry), parsed.locate) };
}

describe('import fides: the Fides sample project and the fideslang demo resources', () => {
  it('produces a registry that parses, with the mapped categories, purposes, recipients and declarations', () => {
    const { registry } = draft();
    const ids = (xs: ReadonlyArray<{ id: string }>) => xs.map((x) => x.id);
    expect(ids(registry.recipients)).toEqual([
      'cookie_house',
      'cookie_house_loyalty_database',
      'cookie_house_postgresql_database',
      'cookie_house_customer_database',
      'cookie_house_marketing_system',
    ]);
    expect(registry.recipients.every((r) => r.country === 'KR' && r.role === 'processor')).toBe(true);
    expect(ids(registry.purposes)).toEqual(['essential.service', 'functional.service.improve', 'marketing.advertising.first_party.targeted']);
    const purpose = (id: string) => registry.purposes.find((p) => p.id === id)!;
    expect(purpose('essential.service')).toMatchObject({ required: true, ad_targeting: false, labels: { en: 'Essential for Service' } });
    expect(purpose('marketing.advertising.first_party.targeted')).toMatchObject({ required: false, ad_targeting: true });
    expect(purpose('functional.service.improve')).toMatchObject({ required: false, ad_targeting: false });

    const cat = (id: string) => registry.data_categories.find((c) => c.id === id);
    expect(cat('user.contact.email')).toMatchObject({ format: 'email', labels: { en: 'User Contact Email' } });
    expect(cat('user.contact.address.street')).toMatchObject({ format: 'address' });
    expect(cat('user.device.cookie_id')).toMatchObject({ format: 'identifier' });

    // The PostgreSQL system declares user.contact and user.financial over the sample dataset:
    // the declaration is narrowed to what the dataset holds under them.
    const pg = registry.declarations.find((d) => d.recipient === 'cookie_house_postgresql_database')!;
    expect(pg.items.map((i) => i.category).sort()).toEqual([
      'user.contact.address.city',
      'user.contact.address.postal_code',
      'user.contact.address.state',
      'user.contact.address.street',
      'user.contact.email',
      'user.financial',
      'user.financial.bank_account',
    ]);
    expect(pg).toMatchObject({ purpose: 'essential.service', legal_basis: 'processor', retention: 'indefinite' });
    // The organization: name, DPO without its invalid e-mail (`_` in the domain), EU representative.
    expect(registry.operator.legal_name).toBe('Demo Organization');
    expect(registry.operator.privacy_officer).toMatchObject({ name: 'DataPro Tection', email: 'todo@example.invalid', phone: '+1 555 555 5555' });
    expect(registry.operator.domestic_agents).toEqual([{ jurisdiction: 'EU', name: 'Rep Resentative', address: '123 demo street, New York, NY, USA', phone: '+1 555 555 5555' }]);
  });

  it('reports what it could not map, with why', () => {
    const { notes } = draft();
    const find = (what: string) => notes.find((n) => n.what === what);
    // fideslang's own demo system still uses pre-2.0 keys that the published taxonomy no longer has.
    expect(find('data use improve.system')).toMatchObject({ kind: 'unmapped', at: 'fideslang/demo_system.yml: system[0].privacy_declarations[0].data_use' });
    expect(find('data use advertising')?.why).toMatch(/not in the fideslang taxonomy/);
    expect(find('data category system.operations')?.why).toMatch(/not personal data/);
    expect(find('dataset mongo_test')?.why).toMatch(/not in the directory/);
    expect(find('system demo_analytics_system')?.why).toMatch(/no privacy declaration could be mapped/);
    expect(notes.some((n) => n.at.startsWith('fideslang/demo_extended_taxonomy.yml: data_subject'))).toBe(true);
    expect(find('Korean labels')?.kind).toBe('placeholder');
    expect(find('ZZ')).toBeUndefined(); // --operator-country was given
    // The e-mail fideslang's demo gives (dpo@demo_company.com) is no valid address: a placeholder.
    expect(find('TODO fields')?.at).toBe('operator.privacy_officer');
  });

  it('lints with findings only for what fideslang cannot express', () => {
    const { findings } = draft();
    expect(findings.length).toBeGreaterThan(0);
    const unexpected = findings.filter((f) => !(f.code in FIDESLANG_GAPS));
    expect(unexpected).toEqual([]);
    const { gaps, other } = sortFindings(findings);
    expect(other).toEqual([]);
    expect(gaps.map((g) => g.code).sort()).toEqual(['ENTRUSTMENT_UNDISCLOSED', 'KO_TEXT_MISSING', 'PROCESSOR_NO_DPA', 'RETENTION_INDEFINITE']);
  });

  it('takes countries from meta.country / meta.countries, the role from responsibility and bases from the enum', () => {
    const res = readManifests([
      {
        file: 'x.yml',
        value: {
          system: [
            {
              fides_key: 'Ad_Partner',
              system_type: 'Service',
              responsibility: ['Controller'],
              meta: { country: 'US' },
              legal_basis_for_transfers: ['SCCs'],
              privacy_declarations: [
                { name: 'ads', data_categories: ['user.contact.phone_number'], data_use: 'marketing.advertising.third_party.targeted', legal_basis_for_processing: 'Consent', retention_period: 'P1Y after contract_end' },
                { data_categories: ['user.contact.address'], data_use: 'essential.service.operations', legal_basis_for_processing: 'Contract', retention_period: '30' },
              ],
            },
            { fides_key: 'sellers', system_type: 'Service', meta: { countries: ['CN', 'HK'] }, privacy_declarations: [{ data_categories: ['user.name'], data_use: 'essential.service' }] },
          ],
        },
      },
    ]);
    const { registry } = fidesToRegistry(res, { operatorCountry: 'SG', jurisdictions: ['KR'] });
    expect(registry.recipients).toMatchObject([{ id: 'ad_partner', name: 'Ad_Partner', role: 'third_party', country: 'US' }]);
    expect(registry.recipient_classes).toMatchObject([{ id: 'sellers', role: 'processor', countries: ['CN', 'HK'] }]);
    expect(registry.declarations).toMatchObject([
      { id: 'ads', recipient: 'ad_partner', legal_basis: 'consent', retention: { duration: 'P1Y', from: 'contract_end' }, transfer: { ground: 'scc' }, items: [{ category: 'user.contact.phone_number', form: 'plain' }] },
      { id: 'ad_partner.1', legal_basis: 'contract_necessity', retention: { duration: 'P30D', from: 'release' } },
      { id: 'sellers.1', recipient: 'sellers', legal_basis: 'processor' },
    ]);
    expect(registry.data_categories.find((c) => c.id === 'user.contact.phone_number')).toMatchObject({ format: 'phone', labels: { en: 'User Contact Phone Number' } });
    expect(registry.data_categories.find((c) => c.id === 'user.contact.address')).toMatchObject({ format: 'address' });
    expect(() => parseRegistry(stringify(registry))).not.toThrow();
  });

  it('refuses bad input with the file and the path of every bad field, importing nothing', () => {
    let err: unknown;
    try {
      readManifests([
        { file: 'good.yml', value: { system: [{ fides_key: 'a', system_type: 'Service', privacy_declarations: [] }] } },
        { file: 'bad.yml', value: { system: [{ fides_key: 'b', system_type: 'Service', privacy_declarations: [{ data_use: 'essential', data_categories: ['user', 'not a key!'] }] }] } },
        { file: 'worse.yml', value: { dataset: [{ fides_key: 'd', collections: [{ name: 'c', fields: [{ name: 'f', data_categories: 'user' }] }] }] } },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CgError);
    const e = err as CgError;
    expect(e.code).toBe('FIDES_INVALID');
    expect(e.details.map((d) => d.path)).toEqual(['bad.yml: system[0].privacy_declarations[0].data_categories[1]', 'worse.yml: dataset[0].collections[0].fields[0].data_categories']);
  });
});
