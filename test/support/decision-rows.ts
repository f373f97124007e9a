import fc from 'fast-check';
import type { TraceStep } from '../../src/core/gate/types.ts';
import type { DecisionItem, DecisionRow } from '../../src/store/decisions-repo.ts';

/** Random release decisions built from the given kinds of text, times, items and trace steps. */
export function decisionRows(parts: {
  id: fc.Arbitrary<string>;
  subject: fc.Arbitrary<string>;
  text: fc.Arbitrary<string>;
  ms: fc.Arbitrary<number>;
  item: fc.Arbitrary<DecisionItem>;
  step: fc.Arbitrary<TraceStep>;
}): fc.Arbitrary<DecisionRow> {
  const { text, ms } = parts;
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  return fc.record({
    id: parts.id,
    recipient: text,
    subjectPseudonym: parts.subject,
    purpose: text,
    requested: nullable(fc.array(text, { maxLength: 4 })),
    released: fc.array(parts.item, { maxLength: 5 }),
    allow: fc.boolean(),
    code: nullable(text),
    article: nullable(text),
    basis: nullable(text),
    declarationId: nullable(text),
    trace: fc.array(parts.step, { maxLength: 10 }),
    registryHash: text,
    noticeHash: nullable(text),
    consentEventId: nullable(text),
    orderRef: nullable(text),
    retentionUntil: nullable(ms),
    at: ms,
    viaDecision: nullable(text),
    tokens: fc.constant([]),
  });
}
