import type { SuspensionInfo } from './types.ts';

/**
 * Recorded PIPC suspension orders (PIPA 28-9), by country and by recipient, for the gate's
 * synchronous lookup. An order is in force from its date until it is lifted (if ever); any order
 * in force for one of the targets stops the transfer. Lifting keeps the order: a release dated
 * inside the suspension is still refused (replay and audit judge by the release's time).
 */
export class SuspensionIndex {
  private readonly byCountry = new Map<string, SuspensionInfo[]>();
  private readonly byRecipient = new Map<string, SuspensionInfo[]>();
  private readonly byId = new Map<string, SuspensionInfo>();

  get size(): number {
    return this.byId.size;
  }

  /** Adds an order, or replaces it by the same id (an order that has since been lifted). */
  add(s: SuspensionInfo): void {
    const old = this.byId.get(s.id);
    if (old !== undefined && old.until === s.until) return;
    this.byId.set(s.id, s);
    const [map, key] = s.country !== undefined ? [this.byCountry, s.country] : [this.byRecipient, s.recipient!];
    const list = (map.get(key) ?? []).filter((x) => x.id !== s.id);
    list.push(s);
    list.sort((a, b) => a.from - b.from);
    map.set(key, list);
  }

  /** An order in force at `at` for any of `recipients` (member, class, recipient ids) or for `country`. */
  find(recipients: readonly string[], country: string, at: number): SuspensionInfo | undefined {
    if (this.byId.size === 0) return undefined;
    const s = inForce(this.byCountry.get(country), at);
    if (s !== undefined) return s;
    for (const r of recipients) {
      const hit = inForce(this.byRecipient.get(r), at);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

/** The earliest order of a (from-sorted) list in force at `at`: started, and not yet lifted. */
function inForce(list: readonly SuspensionInfo[] | undefined, at: number): SuspensionInfo | undefined {
  if (list === undefined) return undefined;
  for (const s of list) {
    if (s.from > at) return undefined;
    if (s.until === undefined || at < s.until) return s;
  }
  return undefined;
}
