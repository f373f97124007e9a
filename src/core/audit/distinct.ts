/**
 * Counts distinct subject numbers (dense integers from `SubjectIndex`). Starts as a Set and
 * switches to a bitmap once the set is large enough that one bit per subject is smaller: a
 * popular bucket (a country, a rule) costs n/8 bytes instead of ~20 bytes per subject, and a
 * bucket with few subjects (one seller) stays small. Adding is O(1) either way.
 */
const SWITCH_AT = 2048;

export class DistinctCounter {
  private set: Set<number> | undefined = new Set();
  private bits: Uint32Array | undefined;
  private count = 0;

  add(n: number): void {
    if (this.set) {
      this.set.add(n);
      if (this.set.size >= SWITCH_AT) this.toBitmap();
      return;
    }
    let bits = this.bits!;
    const word = n >>> 5;
    if (word >= bits.length) bits = this.grow(word);
    const mask = 1 << (n & 31);
    if ((bits[word]! & mask) === 0) {
      bits[word] = bits[word]! | mask;
      this.count++;
    }
  }

  get size(): number {
    return this.set ? this.set.size : this.count;
  }

  private toBitmap(): void {
    const set = this.set!;
    this.set = undefined;
    this.bits = new Uint32Array(1024);
    this.count = 0;
    for (const n of set) this.add(n);
  }

  private grow(word: number): Uint32Array {
    let len = this.bits!.length;
    while (len <= word) len *= 2;
    const grown = new Uint32Array(len);
    grown.set(this.bits!);
    return (this.bits = grown);
  }
}
