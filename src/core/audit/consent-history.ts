import type { ConsentEvent } from './types.ts';

export type ConsentAt = 'granted' | 'withdrawn' | 'none';

interface Entry {
  readonly at: number;
  readonly grant: boolean;
  readonly recipient: string | undefined;
}

/**
 * A subject's consent history indexed for point-in-time questions: "as of t, did the subject
 * consent to declaration D for recipient R?". Events at the same instant keep file order, so a
 * grant followed by a withdrawal in the same millisecond ends withdrawn.
 */
export class ConsentHistory {
  private readonly byKey = new Map<string, Entry[]>();
  private readonly firstGrant = new Map<string, number>();
  private sorted = true;
  size = 0;

  add(e: ConsentEvent): void {
    const key = `${e.subject}\u0000${e.declaration}`;
    const entry: Entry = { at: e.at, grant: e.action === 'grant', recipient: e.recipient };
    const list = this.byKey.get(key);
    if (!list) this.byKey.set(key, [entry]);
    else {
      if (list[list.length - 1]!.at > e.at) this.sorted = false;
      list.push(entry);
    }
    if (entry.grant) {
      const prior = this.firstGrant.get(e.subject);
      if (prior === undefined || e.at < prior) this.firstGrant.set(e.subject, e.at);
    }
    this.size++;
  }

  /** Call once after the last `add`: orders each history by time (stable, so file order breaks ties). */
  seal(): this {
    if (!this.sorted) for (const list of this.byKey.values()) list.sort((a, b) => a.at - b.at);
    this.sorted = true;
    return this;
  }

  /**
   * The state as of `at` (inclusive) for `recipient`: the latest covering event decides; an event
   * covers the recipient when it names it or names no recipient. A withdrawal with no covering
   * grant before it is `none`: nothing was ever granted to withdraw.
   */
  stateAt(subject: string, declaration: string, recipient: string, at: number): ConsentAt {
    const list = this.byKey.get(`${subject}\u0000${declaration}`);
    if (!list) return 'none';
    let latest: Entry | undefined;
    for (let i = upperBound(list, at) - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.recipient !== undefined && e.recipient !== recipient) continue;
      if (!latest) {
        latest = e;
        if (e.grant) return 'granted';
      } else if (e.grant) return 'withdrawn';
    }
    return 'none';
  }

  /** The subject's earliest grant of any declaration: evidence that collection had happened by then. */
  firstGrantOf(subject: string): number | undefined {
    return this.firstGrant.get(subject);
  }
}

/** Index of the first entry later than `at`. */
function upperBound(list: readonly Entry[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
