/**
 * A line diff of two texts (Myers' O(ND) algorithm), for showing an officer what an edit of
 * the registry YAML changes. Pure; registries are at most 1 MiB, and edits are small, so D stays
 * small — but a pathological pair (everything changed) is cut off at `maxEdits` and reported as
 * "replace everything" rather than spending quadratic time.
 */
export type DiffOp = 'same' | 'add' | 'del';

export interface DiffLine {
  readonly op: DiffOp;
  readonly text: string;
  /** 1-based line in the old text (for `same` and `del`). */
  readonly a?: number;
  /** 1-based line in the new text (for `same` and `add`). */
  readonly b?: number;
}

export const splitLines = (s: string): string[] => (s === '' ? [] : s.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n'));

export function lineDiff(before: string, after: string, maxEdits = 4000): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common prefix and suffix first: the usual edit touches a few lines in the middle.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const mid = myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf), maxEdits);
  const out: DiffLine[] = [];
  for (let i = 0; i < pre; i++) out.push({ op: 'same', text: a[i]!, a: i + 1, b: i + 1 });
  for (const [op, i, j] of mid) {
    if (op === 'same') out.push({ op, text: a[pre + i]!, a: pre + i + 1, b: pre + j + 1 });
    else if (op === 'del') out.push({ op, text: a[pre + i]!, a: pre + i + 1 });
    else out.push({ op, text: b[pre + j]!, b: pre + j + 1 });
  }
  for (let k = 0; k < suf; k++) {
    const i = a.length - suf + k;
    const j = b.length - suf + k;
    out.push({ op: 'same', text: a[i]!, a: i + 1, b: j + 1 });
  }
  return out;
}

type Step = readonly [DiffOp, number, number];

function myers(a: readonly string[], b: readonly string[], maxEdits: number): Step[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) {
    // Too different to be worth a minimal diff: everything out, everything in.
    return [...a.map((_, i): Step => ['del', i, 0]), ...b.map((_, j): Step => ['add', 0, j])];
  }
  // Walk the trace back from (n, m).
  const steps: Step[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) steps.push(['same', --x, --y]);
    if (x === prevX) steps.push(['add', x, --y]);
    else steps.push(['del', --x, y]);
  }
  while (x > 0 && y > 0) steps.push(['same', --x, --y]);
  return steps.reverse();
}

/** Only the changed lines with `context` unchanged lines around each change; `null` marks a gap. */
export function hunks(lines: readonly DiffLine[], context = 3): Array<DiffLine | null> {
  const keep = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (l.op === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) keep[j] = 1;
  });
  const out: Array<DiffLine | null> = [];
  let gap = false;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (gap && out.length > 0) out.push(null);
      gap = false;
      out.push(l);
    } else gap = true;
  });
  return out;
}
