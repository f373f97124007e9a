import type { CopyValue } from './bulk-rows.ts';
import { bound, field, type BinaryType } from './copy-binary.ts';

/**
 * One column of a batch as a one-dimensional PostgreSQL array in the binary wire format
 * (array_send/array_recv), for `INSERT … SELECT * FROM unnest($1::int8[], $2::text[], …)`:
 * one parameter per column, sent as bytes. The server reads each element as the type's binary
 * form — a text or bytea value is one memcpy after a UTF-8 check, a timestamp eight bytes —
 * instead of scanning a JSON document for every row's keys and escapes and converting each
 * field from text. Both engines take it: node-postgres sends a Buffer parameter in binary
 * form, and so does PGlite through src/store/pglite.ts.
 *
 * Format: ndim (1), has-nulls flag, element type OID, then per dimension its length and lower
 * bound (1); then per element a 32-bit length (−1 = NULL) and the bytes (copy-binary.ts).
 */
export const ELEMENT_OID: Readonly<Record<BinaryType, number>> = {
  bool: 16,
  bytea: 17,
  int8: 20,
  text: 25,
  json: 114,
  timestamptz: 1184,
  jsonb: 3802,
};

/** The SQL array type of a column type, for the `$n::type[]` cast. */
export const arrayCast = (type: BinaryType) => `${type}[]`;

/** `values` (one per row) as a binary array of `type`. */
export function encodeBinaryArray(type: BinaryType, values: readonly CopyValue[]): Buffer {
  let cap = 20;
  for (const v of values) cap += 4 + bound(v);
  const buf = Buffer.allocUnsafe(cap);
  let o = buf.writeInt32BE(1, 0);
  o = buf.writeInt32BE(values.includes(null) ? 1 : 0, o);
  o = buf.writeInt32BE(ELEMENT_OID[type], o);
  o = buf.writeInt32BE(values.length, o);
  o = buf.writeInt32BE(1, o);
  for (const v of values) o = field(buf, o, v, type);
  return buf.subarray(0, o);
}

/**
 * Rows (one value per column, in `types` order) as one binary array per column, and the
 * `unnest(…)` call reading them from parameters `param(array)` in the same order.
 */
export function binaryColumns(rows: readonly (readonly CopyValue[])[], types: readonly BinaryType[], param: (value: Buffer) => string): string {
  const arrays = binaryColumnArrays(rows, types);
  return `unnest(${arrays.map((a, c) => `${param(a)}::${arrayCast(types[c]!)}`).join(', ')})`;
}

/**
 * The arrays of `binaryColumns` alone, for a caller whose statement text is fixed: the
 * `unnest($k::type[], …)` it reads them with does not change from batch to batch, so it need
 * not be built (and its text compared and hashed as a new string) for every batch.
 */
export function binaryColumnArrays(rows: readonly (readonly CopyValue[])[], types: readonly BinaryType[]): Buffer[] {
  // Every row's width once, before any column is built (not once per column and row).
  for (const row of rows) {
    if (row.length !== types.length) throw new Error(`bulk row has ${row.length} values for ${types.length} columns`);
  }
  const arrays: Buffer[] = [];
  for (let c = 0; c < types.length; c++) {
    const column = new Array<CopyValue>(rows.length);
    for (let r = 0; r < rows.length; r++) column[r] = rows[r]![c]!;
    arrays.push(encodeBinaryArray(types[c]!, column));
  }
  return arrays;
}

/**
 * Rows as ONE binary array of a composite type `typeOid` (array_recv over record_recv), for
 * `INSERT … SELECT x.* FROM unnest($1::table[]) AS x`: one set-returning function and one
 * parameter for the whole batch, where `binaryColumns` takes one of each per column — and
 * PostgreSQL materialises every function of a multi-argument `unnest` in a tuplestore of its
 * own, so a twenty-column batch of two rows paid twenty of them (docs/release-history.md, issue 20).
 *
 * Each element: its field count, then per field the type's OID, a 32-bit length (−1 = NULL)
 * and the value's binary form. `order` lists the row's values in the composite's attribute
 * order (indexes into each row and `types`); record_recv checks every OID and the count, so a
 * mismatch is refused by the server, never stored.
 */
export function encodeBinaryRecordArray(typeOid: number, rows: readonly (readonly CopyValue[])[], types: readonly BinaryType[], order: readonly number[]): Buffer {
  return encodeBinaryRecordArrayOf(typeOid, rows.length, (i) => rows[i]!, types, order);
}

/**
 * `encodeBinaryRecordArray` of `n` rows given one at a time: `rowAt(i, scratch)` gives row i's
 * values — an array of its own, or `scratch` (one array per call, `types.length` long) filled
 * in. Each row is asked for twice (sizing, then writing), so it must give the same values both
 * times. A batch's rows then need no array each (release decisions: ~0.15 KiB per release).
 */
export function encodeBinaryRecordArrayOf(
  typeOid: number,
  n: number,
  rowAt: (i: number, scratch: CopyValue[]) => readonly CopyValue[],
  types: readonly BinaryType[],
  order: readonly number[],
): Buffer {
  const scratch = new Array<CopyValue>(types.length).fill(null);
  let cap = 20;
  for (let r = 0; r < n; r++) {
    const row = rowAt(r, scratch);
    if (row.length !== types.length) throw new Error(`bulk row has ${row.length} values for ${types.length} columns`);
    cap += 8 + 8 * order.length;
    for (let k = 0; k < order.length; k++) cap += bound(row[order[k]!]!);
  }
  const buf = Buffer.allocUnsafe(cap);
  let o = buf.writeInt32BE(1, 0);
  o = buf.writeInt32BE(0, o); // no NULL elements (fields may be NULL)
  o = buf.writeUInt32BE(typeOid, o);
  o = buf.writeInt32BE(n, o);
  o = buf.writeInt32BE(1, o);
  for (let r = 0; r < n; r++) {
    const row = rowAt(r, scratch);
    const at = o;
    o = buf.writeInt32BE(order.length, o + 4);
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      o = buf.writeUInt32BE(ELEMENT_OID[types[i]!], o);
      o = field(buf, o, row[i]!, types[i]!);
    }
    buf.writeInt32BE(o - at - 4, at);
  }
  return buf.subarray(0, o);
}
