import { COPY_MIN_ROWS, copyStatement, type CopyValue } from './bulk-rows.ts';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, encodeCopyBinaryRows, type BinaryType } from './copy-binary.ts';
import type { BulkRows, Sql } from './sql.ts';
import { yieldToIo } from './yield-to-io.ts';

/** Rows per slice: a slice encodes in well under a millisecond. */
export const SLICE_ROWS = 256;

/**
 * `sql.encodeBulk` for a large batch, a slice at a time with the event loop let through in
 * between. A group-commit batch of thousands of rows is encoded while the previous batch is
 * committing; in one piece it would hold the event loop for tens of milliseconds and keep
 * that batch's replies from the database waiting, serialising what should overlap.
 *
 * Every slice is at least SLICE_ROWS long (the remainder joins the last one), so all slices
 * take the same form on an engine that picks its form by row count (postgres.ts).
 */
export async function encodeBulkSliced<T>(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  values: (row: T, index: number) => readonly CopyValue[],
): Promise<BulkRows | undefined> {
  if (rows.length < 2 * SLICE_ROWS) return sql.encodeBulk(table, columns, rows.map((r, i) => values(r, i)));
  const parts: BulkRows[] = [];
  for (let start = 0; start < rows.length; ) {
    const end = rows.length - start < 2 * SLICE_ROWS ? rows.length : start + SLICE_ROWS;
    if (start > 0) await yieldToIo();
    const from = start;
    parts.push(sql.encodeBulk(table, columns, rows.slice(from, end).map((r, i) => values(r, from + i)))!);
    start = end;
  }
  return concatBulk(parts);
}

/** Bulk rows of one statement encoded in pieces, as one: COPY text appends; JSON arrays join. */
export function concatBulk(parts: readonly BulkRows[]): BulkRows {
  const [first] = parts;
  if (!first) throw new Error('nothing to concatenate');
  if (parts.length === 1) return first;
  for (const p of parts) {
    if (p.engine !== first.engine || p.statement !== first.statement || typeof p.payload !== typeof first.payload) {
      throw new Error('bulk rows of different statements or forms cannot be joined');
    }
  }
  // COPY data: the pieces are sent one after another (no copy into one buffer).
  if (typeof first.payload !== 'string') return { ...first, payload: parts.flatMap((p) => (p.payload instanceof Uint8Array ? [p.payload] : (p.payload as Uint8Array[]))) };
  // JSON documents: `[a,b]` + `[c]` → `[a,b,c]`.
  return { ...first, payload: '[' + parts.map((p) => (p.payload as string).slice(1, -1)).join(',') + ']' };
}

/** Whether `rows` rows go by COPY in binary form: PostgreSQL, from COPY_MIN_ROWS on. */
export const binaryCopies = (sql: Sql, rows: number): boolean => sql.engine === 'postgres' && rows >= COPY_MIN_ROWS;

/** COPY in binary form, encoded a slice at a time like encodeBulkSliced (PostgreSQL only). */
export async function encodeBinarySliced<T>(
  table: string,
  columns: readonly string[],
  types: readonly BinaryType[],
  rows: readonly T[],
  values: (row: T, index: number) => readonly CopyValue[],
): Promise<BulkRows> {
  if (types.length !== columns.length) throw new Error(`${columns.length} columns but ${types.length} types`);
  const pieces: Uint8Array[] = [COPY_BINARY_HEADER];
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    if (start > 0) await yieldToIo();
    const from = start;
    pieces.push(encodeCopyBinaryRows(rows.slice(from, from + SLICE_ROWS).map((r, i) => values(r, from + i)), types));
  }
  pieces.push(COPY_BINARY_TRAILER);
  return { engine: 'postgres', statement: copyStatement(table, columns) + ' (FORMAT binary)', payload: pieces };
}
