import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { decisionEntryText } from '../../src/app/decision-entry.ts';
import type { TraceStep } from '../../src/core/gate/types.ts';
import { afterAll, beforeAll } from 'vitest';
import { registerDecisionWriter, type DecisionItem, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database, Engine, Sql } from '../../src/store/sql.ts';
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

/**
 * A decision's ledger leaf as the journal writes it (the entry text of decision-entry.ts, its
 * subject), at a leaf index of the test's choosing; the leaf hash is not checked by readers.
 */
export async function insertDecisionLeaf(db: Sql, row: DecisionRow, leafIndex: number): Promise<void> {
  const entry = Buffer.from(decisionEntryText(row), 'utf8');
  await db.query('INSERT INTO ledger_entries (idx, entry, leaf_hash, subject) VALUES ($1, $2, $3, $4)', [
    leafIndex,
    entry,
    createHash('sha256').update(Buffer.of(0)).update(entry).digest(),
    row.subjectPseudonym,
  ]);
}

/**
 * A decision stored at `leafIndex` without a journal: its leaf and its row of release_decisions
 * (migrations 222, 223), the trace referred to by the SHA-256 of `traceText` (not stored).
 */
export async function insertDecisionAt(db: Sql, row: DecisionRow, leafIndex: number, traceText = '[]'): Promise<void> {
  await insertDecisionLeaf(db, row, leafIndex);
  await db.query(
    `INSERT INTO release_decisions (id, leaf_index, recipient, allow, trace_id, order_ref, retention_until, decided_at, handed_over, code, article, denied_subject)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      row.id,
      leafIndex,
      row.recipient,
      row.allow,
      createHash('sha256').update(traceText, 'utf8').digest(),
      row.orderRef,
      row.retentionUntil === null ? null : new Date(row.retentionUntil).toISOString(),
      new Date(row.at).toISOString(),
      row.released.length > 0,
      row.code,
      row.article,
      row.allow ? null : row.subjectPseudonym,
    ],
  );
}

/**
 * What provisionRows answers for these records (rows of release_decision_records) with no period
 * limit: the allowed decisions that released at least one item, oldest first. Readers of old
 * schemas cannot be asked it (it counts on release_decisions.handed_over, migration 222).
 */
export function expectedProvisions(records: readonly Record<string, unknown>[]) {
  const rows = records
    .filter((r) => r.allow === true && (r.released as unknown[]).length > 0)
    .map((r) => ({ r, at: new Date(r.decided_at as string | Date).getTime() }))
    .sort((a, b) => a.at - b.at || Number(a.r.leaf_index) - Number(b.r.leaf_index))
    .map(({ r, at }) => ({
      at: new Date(at).toISOString(),
      recipient: r.recipient,
      subject: r.subject_pseudonym,
      purpose: r.purpose,
      declaration_id: r.declaration_id,
      basis: r.basis,
      items: (r.released as Array<{ category: string }>).map((i) => i.category),
      leaf_index: Number(r.leaf_index),
      decision_id: r.id,
    }));
  return { total: rows.length, rows };
}

/** What denyStats and the console's denyCodes answer for these records (rows of release_decision_records). */
export function expectedDenies(records: readonly Record<string, unknown>[]) {
  const stats = new Map<string, { code: string; article: string; denies: number; subjects: Set<unknown> }>();
  const codes = new Map<string, number>();
  for (const r of records.filter((r) => r.allow === false)) {
    const code = (r.code as string | null) ?? 'UNKNOWN';
    const article = (r.article as string | null) ?? '';
    const k = JSON.stringify([code, article]);
    const g = stats.get(k) ?? { code, article, denies: 0, subjects: new Set() };
    g.denies++;
    g.subjects.add(r.subject_pseudonym);
    stats.set(k, g);
    codes.set((r.code as string | null) ?? '?', (codes.get((r.code as string | null) ?? '?') ?? 0) + 1);
  }
  return {
    stats: [...stats.values()].map((g) => JSON.stringify({ code: g.code, article: g.article, denies: g.denies, subjects: g.subjects.size })).sort(),
    codes: [...codes].map(([code, n]) => JSON.stringify({ code, n })).sort(),
  };
}

/** A stored row as the values it was written from (what every read path sees). */
export const asWritten = (r: DecisionRow) => ({
  id: r.id,
  recipient: r.recipient,
  subject_pseudonym: r.subjectPseudonym,
  purpose: r.purpose,
  requested: r.requested,
  released: r.released.map((i) => ({ ...i })),
  allow: r.allow,
  code: r.code,
  article: r.article,
  basis: r.basis,
  declaration_id: r.declarationId,
  trace: r.trace.map((s) => ({ ...s })),
  registry_hash: r.registryHash,
  notice_hash: r.noticeHash,
  consent_event_id: r.consentEventId,
  order_ref: r.orderRef,
  retention_until: r.retentionUntil === null ? null : new Date(r.retentionUntil),
  decided_at: new Date(r.at),
  via_decision: r.viaDecision,
});
