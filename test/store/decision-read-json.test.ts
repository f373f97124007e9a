import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryJsonb, entryText } from '../../src/store/decision-json.ts';
import { breachFacts, transferRows } from '../../src/store/report-queries.ts';
import type { Database, Engine, Sql } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

/**
 * DecisionsRepo.get and the console's stream parse a decision's ledger entry in Node instead of
 * reading release_decision_records (docs/release-history.md, "The read side after 223"): each field must
 * come back as the view's `json_to_record` gave it — text as text, JSON null or a missing field as
 * SQL NULL, and a jsonb column with its objects' keys in jsonb's order.
 */
const key = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('1', '10', '2', 'a', 'ab', 'é', 'ß', '😀', '가', 'form', 'category'));
const scalar = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.boolean(), fc.integer(), fc.constant(null));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 6 })),
}));
const noNul = (v: unknown) => !JSON.stringify(v).includes('\\u0000');

describe.each(engines())('a decision entry read in Node answers as the view did, on %s', (engine: Engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('a jsonb field: the value jsonb gives back, keys in its order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(value.filter(noNul), async (v) => {
        const [r] = await db.query<{ v: unknown }>('SELECT $1::text::jsonb AS v', [JSON.stringify(v)]);
        expect(JSON.stringify(entryJsonb({ v }, 'v'))).toBe(JSON.stringify(r!.v));
      }),
      { numRuns: 150 },
    );
    expect(entryJsonb({}, 'v')).toBeNull();
    expect(entryJsonb({ v: null }, 'v')).toBeNull();
  });

  it('a text field: the string, NULL for null or missing, and no other kind of value', () => {
    expect(entryText({ s: 'a"\\😀' }, 's')).toBe('a"\\😀');
    expect(entryText({ s: null }, 's')).toBeNull();
    expect(entryText({}, 's')).toBeNull();
    expect(() => entryText({ s: 1 }, 's')).toThrow(/not a string/);
  });

  it('`reuse` keeps a read as a named statement on the connection that ran it (QueryOptions.reuse)', async () => {
    const text = `SELECT $1::int8 + 1 AS n /* reuse ${engine} */`;
    const named = await db.transaction(async (tx) => {
      expect(await tx.query(text, [41], { reuse: true })).toEqual([{ n: 42 }]);
      return tx.query<{ n: number }>('SELECT count(*)::int8 AS n FROM pg_prepared_statements WHERE statement = $1', [text]);
    });
    expect(named).toEqual([{ n: 1 }]);
    expect(await db.query(text, [1], { reuse: true })).toEqual([{ n: 2 }]);
  });

  it('transfers and breach facts are one statement each: every entry in range parsed once per report', async () => {
    let statements = 0;
    const counted: Sql = { ...db, query: (...a: Parameters<Sql['query']>) => (statements++, db.query(...a)) } as Sql;
    await transferRows(counted, { from: 0, to: Date.now(), belowLeaf: 1e9 }, { a: 'KR' }, 'KR');
    expect(statements).toBe(1);
    await breachFacts(counted, { recipient: null, from: null, to: null, belowLeaf: 1e9 });
    expect(statements).toBe(2);
  });
});
