import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { CgError } from '../core/errors.ts';

/** Opens an input file for streaming, failing early (exit 2) when it cannot be read. */
export function openInput(file: string, what: string, maxBytes = Number.MAX_SAFE_INTEGER): { stream: Readable; size: number } {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new CgError('UNREADABLE_FILE', `${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400, [
      { code: 'UNREADABLE_FILE', message: `cannot read ${what}`, path: file },
    ]);
  }
  if (size > maxBytes) throw new CgError('FILE_TOO_LARGE', `${what} ${file} is ${size} bytes; the limit is ${maxBytes}`, 413);
  return { stream: createReadStream(file, { highWaterMark: 1 << 20 }), size };
}

/** A row error that makes the whole file unusable: names file, line and field. */
export function rowError(code: string, file: string, line: number, field: string | undefined, message: string): CgError {
  const where = `${file}:${line}${field ? ` ${field}` : ''}`;
  return new CgError(code, `${where}: ${message}`, 400, [{ code, message, line, ...(field ? { path: field } : {}) }]);
}
