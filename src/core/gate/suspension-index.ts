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

  /** The order in force at `at` for any of `recipients` (member, class, recipient ids) or for `country`. */
  find(recipients: readonly string[], country: string, at: number): SuspensionInfo | undefined {
    if (this.ids.size === 0) return undefined;
    const first = this.byCountry.get(country)?.[0];
    if (first !== undefined && first.from <= at) return first;
    for (const r of recipients) {
      const s = this.byRecipient.get(r)?.[0];
      if (s !== undefined && s.from <= at) return s;
    }
    return undefined;
  }
}
