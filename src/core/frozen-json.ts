/**
 * JSON texts of frozen flat objects, memoised by identity. The record path serialises the same
 * few objects again and again — the gate's passing trace steps are shared frozen constants, and
 * released items are interned — so each is written once instead of once per decision.
 *
 * Only a frozen object whose values are all primitives is remembered: nothing reachable from it
 * can change, so its text can never go stale. Anything else is serialised afresh every time.
 * `write` must depend on the object's own values only.
 */
export class FrozenJson<T extends object> {
  private readonly texts = new WeakMap<T, string>();
  private readonly arrays = new WeakMap<readonly T[], string>();

  constructor(private readonly write: (value: T) => string) {}

  of(value: T): string {
    const hit = this.texts.get(value);
    if (hit !== undefined) return hit;
    const text = this.write(value);
    if (Object.isFrozen(value) && isFlat(value)) this.texts.set(value, text);
    return text;
  }

  /**
   * The values as one JSON array. A frozen array of remembered values (an allowed decision's
   * trace, shared by every release of its shape: src/core/gate/gate-index.ts, src/policy/cedar.ts)
   * is itself remembered: one look-up instead of one per element and the concatenation. Neither
   * the array nor anything in it can change, so its text cannot go stale.
   */
  array(values: readonly T[]): string {
    const frozen = Object.isFrozen(values);
    if (frozen) {
      const hit = this.arrays.get(values);
      if (hit !== undefined) return hit;
    }
    let out = '[';
    let remembered = frozen;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      out += (i === 0 ? '' : ',') + this.of(v);
      if (remembered && !this.texts.has(v)) remembered = false;
    }
    out += ']';
    if (remembered) this.arrays.set(values, out);
    return out;
  }
}

const isFlat = (value: object): boolean => Object.values(value).every((v) => v === null || typeof v !== 'object');
