import { describe, expect, it } from 'vitest';
import { binaryColumns, encodeBinaryArray } from '../../src/store/binary-arrays.ts';

/** The `unnest(…)` call of a batch: one binary array parameter per column, every row as wide as the columns. */
describe('binaryColumns', () => {
  it('passes one array per column, in column order, each holding that column of every row', () => {
    const params: Buffer[] = [];
    const sql = binaryColumns([[1n, 'a'], [2n, null]], ['int8', 'text'], (b) => `$${params.push(b)}`);
    expect(sql).toBe('unnest($1::int8[], $2::text[])');
    expect(params).toEqual([encodeBinaryArray('int8', [1n, 2n]), encodeBinaryArray('text', ['a', null])]);
    // Header: one dimension, the null flag, the element OID, the length and lower bound 1.
    expect([0, 4, 8, 12, 16].map((o) => params[1]!.readInt32BE(o))).toEqual([1, 1, 25, 2, 1]);
  });

  it('refuses a row of another width before encoding any column', () => {
    const params: Buffer[] = [];
    const param = (b: Buffer) => `$${params.push(b)}`;
    expect(() => binaryColumns([[1n, 'a'], [2n, 'b'], [3n]], ['int8', 'text'], param)).toThrow('bulk row has 1 values for 2 columns');
    expect(() => binaryColumns([[1n, 'a', 'x']], ['int8', 'text'], param)).toThrow('bulk row has 3 values for 2 columns');
    expect(params).toEqual([]);
  });
});
