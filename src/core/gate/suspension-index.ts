import type { SuspensionInfo } from './types.ts';

/**
 * Recorded PIPC suspension orders (PIPA 28-9), by country and by recipient, for the gate's
 * synchronous lookup. An order is in force from its date on; several orders for one target keep
 * the earliest in force (any one of them stops the transfer).
 */
export class SuspensionIndex {
  private readonly byCountry = new Map<string, SuspensionInfo[]>();
  private readonly byRecipient = new Map<string, SuspensionInfo[]>();
  private readonly ids = new Set<string>();

  get size(): number {
    return this.ids.size;
  }

  add(s: SuspensionInfo): void {
    if (this.ids.has(s.id)) return;
    this.ids.add(s.id);
    const [map, key] = s.country !== undefined ? [this.byCountry, s.country] : [this.byRecipient, s.recipient!];
    const list = map.get(key) ?? [];
    list.push(s);
    list.sort((a, b) => a.from - b.from);
    map.set(key, list);
  }

  /**
   * The order in force at `at` for `country`, the caller `recipient` (a registry recipient or a
   * class member) or, for a member, its `classId`. Two ids rather than a list: the gate calls
   * this on every decision, and a list would be an array per call.
   */
  find(recipient: string, classId: string | undefined, country: string, at: number): SuspensionInfo | undefined {
    if (this.ids.size === 0) return undefined;
    const first = this.byCountry.get(country)?.[0];
    if (first !== undefined && first.from <= at) return first;
    const own = this.byRecipient.get(recipient)?.[0];
    if (own !== undefined && own.from <= at) return own;
    if (classId === undefined) return undefined;
    const cls = this.byRecipient.get(classId)?.[0];
    return cls !== undefined && cls.from <= at ? cls : undefined;
  }
}
