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

  /**
   * An order in force at `at` for `country`, the caller `recipient` (a registry recipient or a
   * class member) or, for a member, its `classId`. Two ids rather than a list: the gate calls
   * this on every decision, and a list would be an array per call.
   */
  find(recipient: string, classId: string | undefined, country: string, at: number): SuspensionInfo | undefined {
    if (this.byId.size === 0) return undefined;
    return inForce(this.byCountry.get(country), at) ?? inForce(this.byRecipient.get(recipient), at) ?? (classId === undefined ? undefined : inForce(this.byRecipient.get(classId), at));
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
