import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { releasedItem } from '../../src/store/decision-json.ts';
import type { DecisionRow } from '../../src/store/decisions-repo.ts';
import { asWritten, decisionJournal, decisionRows } from '../support/decision-rows.ts';
import { engines } from '../support/engines.ts';

// Text PostgreSQL can hold (no NUL, no lone surrogate), with COPY's and JSON's specials.
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 16 }).filter((s) => !s.includes('\0')),
  fc.constantFrom('\\', '\t', '\n', '"', '주문-😀', '\\N', ''),
);
// Whole milliseconds between 1970 and 2200, both sides of PostgreSQL's 2000 epoch.
const ms = fc.integer({ min: 0, max: 7_258_118_400_000 });

const decision = (id: string): fc.Arbitrary<DecisionRow> =>
  decisionRows({
    id: fc.constant(id),
    subject: fc.constant('sp_' + id),
    text,
    ms,
    item: fc.tuple(text, fc.constantFrom('plain', 'masked', 'token')).map(([c, f]) => releasedItem(c, f)),
    // Frozen steps as the gate shares them (traces found by identity) and fresh ones (denials).
    step: fc.tuple(fc.record({ check: text, ok: fc.boolean(), detail: text }), fc.boolean()).map(([s, frozen]) => (frozen ? Object.freeze(s) : s)),
  });

describe.each(engines())('release decisions stored in large and small batches on %s', (engine) => {
  const t = decisionJournal(engine);

  let n = 0;
  it('reads back every field exactly as written, whichever form the batch took (property)', async () => {
    // 70–90 decisions in one batch (COPY, binary on PostgreSQL) and 1–5 (one statement, JSON).
    const batch = fc.oneof(fc.integer({ min: 70, max: 90 }), fc.integer({ min: 1, max: 5 })).chain((size) =>
      fc.tuple(...Array.from({ length: size }, () => decision(`d${engine}_${n++}`))),
    );
    await fc.assert(
      fc.asyncProperty(batch, async (rows) => {
        const done = await Promise.all(rows.map((r) => appendDecision(t.journal, r)));
        // The record as release_decisions held it before migration 221, trace joined back.
        const stored = await t.db.query<Record<string, unknown>>('SELECT * FROM release_decision_records WHERE id = ANY($1::text[])', [rows.map((r) => r.id)]);
        const byId = new Map(stored.map((s) => [s.id, s]));
        rows.forEach((r, i) => {
          const { leaf_index, ...rest } = byId.get(r.id)!;
          expect(leaf_index).toBe(done[i]!.leafIndex);
          expect(rest).toEqual(asWritten(r));
        });
      }),
      { numRuns: 12 },
    );
  });
});
