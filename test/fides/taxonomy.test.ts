import { describe, expect, it } from 'vitest';
import { FIDES_DATA_CATEGORIES, FIDES_DATA_USES } from '../../src/core/fides/default-taxonomy.ts';
import { formatOf, sensitivityOf } from '../../src/core/fides/taxonomy.ts';
import { fixture } from './support.ts';

interface Entry { fides_key: string; name: string; parent_key: string | null }

describe('the built-in fideslang default taxonomy', () => {
  it('is exactly the published data_categories.yml and data_uses.yml', () => {
    const cats = (fixture('fideslang/data_categories.yml') as { data_category: Entry[] }).data_category;
    const uses = (fixture('fideslang/data_uses.yml') as { data_use: Entry[] }).data_use;
    expect(FIDES_DATA_CATEGORIES.map(([k, n]) => [k, n])).toEqual(cats.map((c) => [c.fides_key, c.name]));
    expect(FIDES_DATA_USES.map(([k, n]) => [k, n])).toEqual(uses.map((u) => [u.fides_key, u.name]));
    // The table derives a key's parent from its dotted prefix: true of every published entry.
    for (const e of [...cats, ...uses]) {
      expect(e.parent_key ?? null).toBe(e.fides_key.includes('.') ? e.fides_key.slice(0, e.fides_key.lastIndexOf('.')) : null);
    }
  });

  it('reads value formats and special categories from the fideslang branch', () => {
    expect(formatOf('user.contact.phone_number')).toBe('phone');
    expect(formatOf('user.contact.address')).toBe('address');
    expect(formatOf('user.contact.address.postal_code')).toBe('address');
    expect(formatOf('user.contact.email')).toBe('email');
    expect(formatOf('user.name.first')).toBe('name');
    expect(formatOf('user.behavior.purchase_history')).toBe('text');
    expect(sensitivityOf('user.health_and_medical.genetic')).toBe('sensitive');
    expect(sensitivityOf('user.demographic.religious_belief')).toBe('sensitive');
    expect(sensitivityOf('user.government_id.passport_number')).toBe('unique_identifier');
    expect(sensitivityOf('user.government_id.vehicle_registration')).toBe('normal');
    expect(sensitivityOf('user.contact.phone_number')).toBe('normal');
  });
});
