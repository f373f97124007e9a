import { doubled, EMPTY, freeSlot, idHash } from './open-addressing.ts';
import type { MemberInfo } from './types.ts';

/**
 * The class members the gate knows (a seller among thousands), with what a decision reads about
 * one — its key, class, country and accepted agreement version — inline in its table slot.
 *
 * Why not a Map of member objects: after Cedar's wasm (or the rest of the server) has evicted the
 * caches, a seller's request waited on the Map's bucket, then its entry, then the member object
 * before it could look up the class (docs/gate-history.md, fifth and seventh rounds). Here the probe reads
 * the slot, and the slot holds the fields. `find` answers with one shared view aimed at the slot
 * (valid until the next `find`, like `GateRecords.find`); `get` returns the member object as it
 * was stored (the traced evaluation, the operator policies, everything else).
 *
 * Open addressing with linear probing, keyed by `idHash` (the subjects' hash), as `GateRecords`
 * (open-addressing.ts); load factor at most 1/2; a removed member's slot is closed up by shifting later slots of its run back
 * (no tombstones), so a probe always stops at the first empty slot.
 */
export class MemberTable {
  /** Slots of W cells: hash, id, key, class, country, agreement version. */
  cells: Array<string | number | null> = new Array<string | number | null>(W * 64).fill(EMPTY);
  /** The stored member per slot (`get`), apart from the cells: the allow path never reads it. */
  private infos: Array<MemberInfo | undefined> = new Array<MemberInfo | undefined>(64).fill(undefined);
  private slots = 64;
  private count = 0;
  private readonly view = new MemberView(this);

  get size(): number {
    return this.count;
  }

  /** The member as stored, or undefined. */
  get(id: string): MemberInfo | undefined {
    const i = this.slotOf(id);
    return i < 0 ? undefined : this.infos[i / W];
  }

  /**
   * `get` for the allow path: the same key, class, country and agreement version, read from the
   * slot by one shared view — valid until the next `find`, so read it at once and keep nothing.
   */
  find(id: string, hash?: number): MemberInfo | undefined {
    const i = this.slotOfHash(id, hash === undefined ? idHash(id) : hash);
    if (i < 0) return undefined;
    this.view.base = i;
    return this.view;
  }

  has(id: string): boolean {
    return this.slotOf(id) >= 0;
  }

  /** Adds the member, or replaces the one with its id. */
  set(id: string, info: MemberInfo): void {
    let i = this.slotOf(id);
    if (i < 0) {
      if (2 * (this.count + 1) > this.slots) this.grow();
      i = freeSlot(this.cells, W, this.slots, idHash(id));
      this.count++;
    }
    write(this.cells, this.infos, i, idHash(id), id, info);
  }

  /** Removes the member (a disabled one: the gate no longer knows it); false if it was not there. */
  delete(id: string): boolean {
    const c = this.cells;
    const mask = this.slots - 1;
    const at = this.slotOf(id);
    if (at < 0) return false;
    this.count--;
    // Backward-shift deletion: a later slot of the run moves into the hole unless its home lies
    // (cyclically) after the hole and at or before the slot itself — then the hole does not cut
    // its probe path.
    let hole = at / W;
    for (let j = (hole + 1) & mask; c[W * j] !== EMPTY; j = (j + 1) & mask) {
      const home = (c[W * j] as number) & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      for (let k = 0; k < W; k++) c[W * hole + k] = c[W * j + k]!;
      this.infos[hole] = this.infos[j];
      hole = j;
    }
    for (let k = 0; k < W; k++) c[W * hole + k] = EMPTY;
    this.infos[hole] = undefined;
    return true;
  }

  /** Where `id`'s slot starts in the cells, -1 for none. */
  private slotOf(id: string): number {
    return this.slotOfHash(id, idHash(id));
  }

  private slotOfHash(id: string, h: number): number {
    const c = this.cells;
    const mask = this.slots - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const held = c[W * i];
      if (held === EMPTY) return -1;
      // The stored id is interned (MembersService), and so is the caller's API-key principal: the
      // compare is then a pointer compare, which reads no characters when it matches.
      if (held === h && c[W * i + ID] === id) return W * i;
    }
  }

  private grow(): void {
    const infos = new Array<MemberInfo | undefined>(this.slots * 2).fill(undefined);
    this.cells = doubled(this.cells, W, this.slots, (from, to) => (infos[to] = this.infos[from]));
    this.infos = infos;
    this.slots *= 2;
  }
}

/** Cells per slot, and each field's offset in it. */
const W = 6;
const ID = 1;
const KEY = 2;
const CLASS = 3;
const COUNTRY = 4;
const AGREEMENT = 5;
function write(c: Array<string | number | null>, infos: Array<MemberInfo | undefined>, at: number, hash: number, id: string, info: MemberInfo): void {
  c[at] = hash;
  c[at + ID] = id;
  c[at + KEY] = info.key;
  c[at + CLASS] = info.classId;
  c[at + COUNTRY] = info.country;
  c[at + AGREEMENT] = info.agreementVersion ?? null;
  infos[at / W] = info;
}

/** `MemberTable.find`'s answer: the fields of the slot at `base`. */
class MemberView implements MemberInfo {
  base = 0;
  constructor(private readonly owner: MemberTable) {}
  get key(): number {
    return this.owner.cells[this.base + KEY] as number;
  }
  get classId(): string {
    return this.owner.cells[this.base + CLASS] as string;
  }
  get country(): string {
    return this.owner.cells[this.base + COUNTRY] as string;
  }
  get agreementVersion(): string | null {
    return this.owner.cells[this.base + AGREEMENT] as string | null;
  }
}
