import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { FieldPath } from '../errors.ts';

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/**
 * Maps a field path (`['declarations', 2, 'transfer']`) to where an editor should put the
 * finding: a value written on its key's line is located at the value; a value that starts below
 * its key (a nested map or list) at the KEY — a finding about "transfer" belongs on the line that
 * says `transfer:`, not on the first line inside it. A sequence item is located at its first
 * character. When the path leaves the document — a missing field, the
 * usual subject of a finding — the deepest existing ancestor's position is used, so every path
 * lands on a line of the document.
 */
export function locatePath(doc: Document, lc: LineCounter, path: FieldPath): Position | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const k = rangeStart(pair.key);
      const v = rangeStart(pair.value);
      // The value where it starts on the key's line (`kr_age: 14` → at `14`, as the CLI has
      // always shown it); the key where the value starts below it (a nested map or list).
      offset = v !== undefined && (k === undefined || lc.linePos(v).line === lc.linePos(k).line) ? v : (k ?? offset);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}

/** `declarations[2].transfer.ground` → `['declarations', 2, 'transfer', 'ground']` (inverse of `formatPath`). */
export function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}
