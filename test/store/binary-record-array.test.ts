import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { encodeBinaryRecordArray, encodeBinaryRecordArrayOf } from '../../src/store/binary-arrays.ts';
import type { CopyValue } from '../../src/store/bulk-rows.ts';
import type { BinaryType } from '../../src/store/copy-binary.ts';
import { DecisionsRepo, registerDecisionWriter } from '../../src/store/decisions-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { allowedRow } from '../support/decision-rows.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

/**
 * A batch as one array of a composite type (encodeBinaryRecordArray): what the server reads back
 * is every value as written, in the composite's attribute order whatever the rows' order, and a
 * field of the wrong type is refused by the server, not stored.
 */
describe.each(engines())('rows as one binary array of a composite type on %s', (engine) => {
  let db: Database;
  let oid: number;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    await db.exec('CREATE TABLE rec_t (a int8, b text, c bytea, d bool, e timestamptz, f jsonb)');
    const [r] = await db.query<{ oid: number | string }>(`SELECT 'rec_t'::regtype::oid::int8 AS oid`);
    oid = Number(r!.oid);
  });
  afterAll(async () => db?.close());

  // Rows hold their values as (b, a, f, c, e, d); the composite is (a, b, c, d, e, f).
  const TYPES: BinaryType[] = ['text', 'int8', 'jsonb', 'bytea', 'timestamptz', 'bool'];
  const ORDER = [1, 0, 3, 5, 4, 2];
  const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
  const row = fc.tuple(
    fc.option(text, { nil: null }),
    fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
    fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer()), { nil: null }),
    fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
    fc.option(fc.integer({ min: 0, max: 7_258_118_400_000 }), { nil: null }),
    fc.option(fc.boolean(), { nil: null }),
  );

  it('reads back every value in the composite order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 0, maxLength: 6 }), async (rows) => {
        const values = rows.map(([b, a, f, c, e, d]) => [b, a, f === null ? null : { json: JSON.stringify(f) }, c === null ? null : Buffer.from(c), e, d]);
        const got = await db.query<Record<string, unknown>>(
          `SELECT x.a::text AS a, x.b, encode(x.c, 'hex') AS c, x.d, x.e, x.f FROM unnest($1::rec_t[]) WITH ORDINALITY AS x(a, b, c, d, e, f, n) ORDER BY n`,
          [encodeBinaryRecordArray(oid, values, TYPES, ORDER)],
        );
        expect(got).toEqual(
          rows.map(([b, a, f, c, e, d]) => ({ a: a === null ? null : String(a), b, c: c === null ? null : Buffer.from(c).toString('hex'), d, e: e === null ? null : new Date(e), f })),
        );
      }),
      { numRuns: 25 },
    );
  });

  it('rows given one at a time into one reused array encode to the same bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 0, maxLength: 6 }), (rows) => {
        const values = rows.map(([b, a, f, c, e, d]) => [b, a, f === null ? null : { json: JSON.stringify(f) }, c === null ? null : Buffer.from(c), e, d] as CopyValue[]);
        const scratches = new Set<CopyValue[]>();
        const one = encodeBinaryRecordArrayOf(
          oid,
          values.length,
          (i, into) => {
            scratches.add(into);
            values[i]!.forEach((v, k) => (into[k] = v));
            return into;
          },
          TYPES,
          ORDER,
        );
        expect(one.toString('hex')).toBe(encodeBinaryRecordArray(oid, values, TYPES, ORDER).toString('hex'));
        expect(scratches.size).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });

  it('is refused by the server when a field is not of the composite type', async () => {
    // b and a swapped: the first field says text where rec_t has int8.
    const wrong = encodeBinaryRecordArray(oid, [['x', 1, null, null, null, null]], TYPES, [0, 1, 3, 5, 4, 2]);
    await expect(db.query('SELECT * FROM unnest($1::rec_t[])', [wrong])).rejects.toThrow(/binary data has type 25 \(text\) instead of expected 20 \(bigint\) in record column 1/);
  });
});

describe.each(engines())('decisions when release_decisions is not the table the writer knows, on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    // A column the writer does not know: its batches keep one array per column (rowTypeOf).
    await db.exec('ALTER TABLE release_decisions ADD COLUMN note text');
    journal = new Journal(db, sqlLedgerAppender);
    registerDecisionWriter(journal);
  });
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  it('still stores every decision of one-statement batches', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => allowedRow(`d_note_${engine}_${i}`, []));
    for (let i = 0; i < rows.length; i += 3) await Promise.all(rows.slice(i, i + 3).map((r) => appendDecision(journal, r)));
    const repo = new DecisionsRepo(db);
    for (const r of rows) expect((await repo.get(r.id))?.subject_pseudonym).toBe(r.subjectPseudonym);
  });
});

describe.each(engines())('decisions after a first batch of another kind, on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  const texts: string[] = [];
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    // Every statement the journal sends, to see which form the decision rows took.
    const query = db.query.bind(db);
    db.query = ((text: string, params?: readonly unknown[], opts?: unknown) => {
      texts.push(text);
      return (query as (t: string, p?: readonly unknown[], o?: unknown) => Promise<unknown[]>)(text, params, opts);
    }) as Database['query'];
    journal = new Journal(db, sqlLedgerAppender);
    journal.register('cg_test_note', async () => {});
    registerDecisionWriter(journal);
  });
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  it('sends the rows as one array of the row type once a decision batch has learnt it', async () => {
    // A server's first batch is seldom a decision (a consent, a subject): after it the head is
    // known and every batch can go as one statement, which never runs the writer's `prepare`.
    await journal.append('cg_test_note', {}, { note: 'first' });
    const rows = Array.from({ length: 4 }, (_, i) => allowedRow(`d_first_${engine}_${i}`, []));
    for (const r of rows) await appendDecision(journal, r);
    // The one-statement batches (the transactional one runs on its transaction, not seen here).
    const decisionTexts = texts.filter((t) => t.includes('INSERT INTO release_decisions'));
    expect(decisionTexts.length).toBeGreaterThanOrEqual(rows.length - 1);
    for (const t of decisionTexts) expect(t).toContain('::release_decisions[]');
    const repo = new DecisionsRepo(db);
    for (const r of rows) expect((await repo.get(r.id))?.subject_pseudonym).toBe(r.subjectPseudonym);
  });
});
