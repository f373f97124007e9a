import type { Readable } from 'node:stream';
import type { CgError } from '../core/errors.ts';

/**
 * Splits a byte stream into lines in batches (one batch per chunk read), so a reader loops
 * synchronously over most lines instead of awaiting each one. Lines end at `\n`; a trailing `\r`
 * is dropped (CRLF files); a UTF-8 BOM at the start is dropped. A line longer than
 * `maxLineChars` is returned as `null` and its content discarded, so one runaway line cannot
 * exhaust memory. Invalid UTF-8 decodes to U+FFFD and fails validation downstream.
 */
export interface LineBatch {
  /** 1-based number of `lines[0]`. */
  readonly first: number;
  readonly lines: ReadonlyArray<string | null>;
  /** Bytes of input consumed so far (for progress). */
  readonly bytes: number;
}

export const DEFAULT_MAX_LINE_CHARS = 64 * 1024;

export async function* lineBatches(stream: Readable, maxLineChars = DEFAULT_MAX_LINE_CHARS): AsyncGenerator<LineBatch> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let overlong = false;
  let next = 1;
  let bytes = 0;
  let start = true;
  const flush = (text: string, final: boolean): LineBatch | undefined => {
    let s = carry + text;
    if (start && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      start = false;
    }
    const lines: Array<string | null> = [];
    let from = 0;
    for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', from)) {
      const end = nl > from && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      lines.push(overlong || end - from > maxLineChars ? null : s.slice(from, end));
      overlong = false;
      from = nl + 1;
    }
    carry = s.slice(from);
    if (carry.length > maxLineChars) {
      overlong = true;
      carry = '';
    }
    if (final && (carry.length > 0 || overlong)) {
      const end = carry.endsWith('\r') ? carry.length - 1 : carry.length;
      lines.push(overlong ? null : carry.slice(0, end));
      carry = '';
      overlong = false;
    }
    if (lines.length === 0) return undefined;
    const batch = { first: next, lines, bytes };
    next += lines.length;
    return batch;
  };
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buf.byteLength;
    const batch = flush(decoder.decode(buf, { stream: true }), false);
    if (batch) yield batch;
  }
  const last = flush(decoder.decode(), true);
  if (last) yield last;
}

/**
 * Non-blank lines of a reference file (consents, members) where any bad line is fatal: yields
 * `[lineNumber, text]`, and throws `tooLong(line)` for a line over the limit.
 */
export async function* strictLines(stream: Readable, tooLong: (line: number) => CgError): AsyncGenerator<[number, string]> {
  for await (const batch of lineBatches(stream)) {
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i]!;
      if (text === null) throw tooLong(batch.first + i);
      if (text.trim() !== '') yield [batch.first + i, text];
    }
  }
}
