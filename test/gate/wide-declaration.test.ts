import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { decide, decideTraced } from '../../src/core/gate/decide.ts';
import { gateIndex } from '../../src/core/gate/gate-index.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { context, FakeConsents } from './fakes.ts';

/**
 * The allow path's tables hold a declaration's items as bits of one integer, so a declaration
 * with more than 30 items (the schema allows 100) has none: its releases are decided by the
 * traced evaluation alone. Building the index must not fail for it.
 */
describe('a declaration wider than the allow path’s item bits', () => {
  const doc = parse(readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8'));
  const extra = Array.from({ length: 31 }, (_, i) => `extra_${i}`);
  doc.data_categories.push(...extra.map((id) => ({ id, labels: { ko: `항목 ${id}`, en: `Item ${id}` }, format: 'text' })));
  const courier = doc.declarations.find((d: { id: string }) => d.id === 'courier_delivery');
  courier.items.push(...extra.map((category) => ({ category, form: 'plain' })));
  const registry = new RegistryModel(parseRegistry(stringify(doc)).registry);
  const ctx = context(registry, new FakeConsents(), {}, { kim: { jurisdiction: 'KR', erased: false, collectedAt: 0 } });

  it('indexes the registry and releases every declared item through the traced evaluation', () => {
    expect(() => gateIndex(registry)).not.toThrow();
    const req = { recipientId: 'hanbit_express', subject: 'kim', purpose: 'order_fulfilment', at: Date.UTC(2026, 11, 6) };
    const d = decide(req, ctx);
    expect(d).toEqual(decideTraced(req, ctx));
    expect(d.allow).toBe(true);
    if (d.allow) expect(d.items.map((i) => i.category)).toEqual(courier.items.map((i: { category: string }) => i.category));
  });
});
