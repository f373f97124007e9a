/**
 * The open addressing the gate's two id-keyed tables share (`GateRecords`' subjects,
 * `MemberTable`'s class members): slots of `width` cells in one array, the first cell of a slot
 * its id's `idHash` (EMPTY when free), linear probing from `hash & (slots - 1)`, load factor at
 * most 1/2, so a probe always ends at an empty slot.
 *
 * Each table keeps its own lookup loop (`slotOf`) because the two compare ids differently —
 * `GateRecords` against the characters packed into the subject's region, `MemberTable` by
 * pointer against the interned id in the slot — and a shared loop would have to call back for
 * the compare on every decision (measured against the unfolded tables: docs/gate-history.md,
 * 2026-12-07 "One open addressing for the gate's tables"). What is the same in both — the hash,
 * where a new id goes, how the table doubles — is here once.
 */

/** An empty slot's hash: `idHash` is never negative. */
export const EMPTY = -1;

/** FNV-1a over the UTF-16 code units, as a small integer (a Smi: no boxing). */
export function idHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** The first empty slot of `hash`'s run: the index of its first cell. */
export function freeSlot(cells: ArrayLike<unknown>, width: number, slots: number, hash: number): number {
  const mask = slots - 1;
  let i = hash & mask;
  while (cells[width * i] !== EMPTY) i = (i + 1) & mask;
  return width * i;
}

/**
 * The table doubled (`MemberTable`'s; `GateRecords` keeps its (hash, region) pairs in an
 * `Int32Array` and doubles it the same way itself): every occupied slot of `cells` (`slots` of them) copied, cell for cell, to
 * its place in a new table of twice the slots; `moved(from, to)` is told each slot's old and new
 * number (a table that keeps something per slot beside the cells moves it along).
 */
export function doubled<C>(cells: readonly C[], width: number, slots: number, moved?: (from: number, to: number) => void): C[] {
  const next = new Array<C>(width * slots * 2).fill(EMPTY as C);
  for (let i = 0; i < slots; i++) {
    const h = cells[width * i];
    if (h === (EMPTY as C)) continue;
    const at = freeSlot(next, width, slots * 2, h as number);
    for (let k = 0; k < width; k++) next[at + k] = cells[width * i + k]!;
    moved?.(i, at / width);
  }
  return next;
}
