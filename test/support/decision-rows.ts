import fc from 'fast-check';
import type { TraceStep } from '../../src/core/gate/types.ts';
import { afterAll, beforeAll } from 'vitest';
import { registerDecisionWriter, type DecisionItem, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database, Engine } from '../../src/store/sql.ts';
import { openTestDatabase } from './engines.ts';

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

/** One allowed decision with plain defaults (no items, no tokens), `over` replacing any field. */
export function allowedRow(id: string, trace: readonly TraceStep[], over: Partial<DecisionRow> = {}): DecisionRow {
  return {
    id,
    recipient: 'seller-a',
    subjectPseudonym: 'sp_' + id,
    purpose: 'order_fulfilment',
    requested: null,
    released: [],
    allow: true,
    code: null,
    article: null,
    basis: 'consent',
    declarationId: 'sellers_fulfilment',
    trace,
    registryHash: 'r'.repeat(64),
    noticeHash: null,
    consentEventId: null,
    orderRef: null,
    retentionUntil: null,
    at: 1_780_000_000_000,
    viaDecision: null,
    tokens: [],
    ...over,
  };
}

/**
 * A test database of `engine` with a journal that records release decisions, opened before the
 * suite's tests and closed after them (call inside a `describe`).
 */
export function decisionJournal(engine: Engine): { readonly db: Database; readonly journal: Journal } {
  const opened = {} as { db: Database; journal: Journal };
  beforeAll(async () => {
    opened.db = await openTestDatabase(engine);
    opened.journal = new Journal(opened.db, sqlLedgerAppender);
    registerDecisionWriter(opened.journal);
  });
  afterAll(async () => {
    await opened.journal?.close();
    await opened.db?.close();
  });
  return opened;
}
