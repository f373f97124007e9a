import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../release/harness.ts';

/**
 * docs/ledger.md shows real log entries (```json ledger-entry blocks). This test writes entries of
 * the same kinds through the API and holds the examples to them: the same fields, recursively, with
 * the same JSON types — so a renamed field (`items` → `released`, `release` → `release_decision`)
 * cannot leave the documentation behind.
 */
const doc = readFileSync(new URL('../../docs/ledger.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json ledger-entry\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

/** Field names and JSON types, recursively; arrays by the shape of their elements. */
function shape(v: unknown): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? ['empty'] : [...new Set(v.map((x) => JSON.stringify(shape(x))))].map((s) => JSON.parse(s) as unknown);
  if (typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return typeof v;
}

let h: Harness;
const real = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  h = await startHarness();
  await h.customer('c-doc');
  await h.grant('c-doc', 'checkout', ['sellers_fulfilment']);
  const released = await h.release(h.keys.sellerA, { subject: 'c-doc', purpose: 'order_fulfilment', order_ref: 'c-doc/A' });
  expect(released.status).toBe(200);
  const entries = await h.call('GET', '/v1/subjects/c-doc/ledger', h.admin);
  expect(entries.status).toBe(200);
  for (const e of entries.body.entries as Array<{ entry: string }>) {
    const parsed = JSON.parse(e.entry) as Record<string, unknown>;
    if (parsed.kind === 'release_decision' && parsed.allow !== true) continue;
    real.set(String(parsed.kind), parsed);
  }
}, 120_000);
afterAll(async () => h?.close());

it('docs/ledger.md shows a release decision and a consent event', () => {
  expect(examples.map((e) => e.kind)).toEqual(expect.arrayContaining(['release_decision', 'consent_event']));
});

it('every documented entry has exactly the fields and types of a real entry of its kind', () => {
  for (const example of examples) {
    const kind = String(example.kind);
    const actual = real.get(kind);
    expect(actual, `no real ${kind} entry written by the test`).toBeDefined();
    expect(shape(example), `docs/ledger.md example of ${kind}`).toEqual(shape(actual));
  }
});

it('the documented release decision names what was released, with the real vocabulary', () => {
  const ex = examples.find((e) => e.kind === 'release_decision')!;
  const actual = real.get('release_decision')!;
  expect(ex).not.toHaveProperty('items');
  expect((ex.checks as Array<{ check: string }>).map((c) => c.check)).toEqual((actual.checks as Array<{ check: string }>).map((c) => c.check));
  expect(new Set((ex.released as Array<{ form: string }>).map((r) => r.form))).toEqual(new Set((actual.released as Array<{ form: string }>).map((r) => r.form)));
});
