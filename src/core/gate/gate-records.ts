import { compareOrder } from '../consent/events.ts';
import { addDuration, addDurationToParts, type IsoDuration } from '../time/duration.ts';
import type { ConsentState, ConsentStatus } from '../consent/lookup.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { choiceKey, idKey, intern, internList, UNSCOPED_KEY } from './intern.ts';
import { EMPTY, freeSlot, idHash } from './open-addressing.ts';
import type { ActiveConsent, ConsentAnswer, OrderInfo, RightsStop, SubjectGate, SubjectInfo } from './types.ts';

/**
 * The gate's per-subject records: for each subject, one region of cells holding what a decision
 * reads about it — its state (jurisdiction, erasure, retention anchors), its orders, its consent
 * answers per (choice, member) — and a record object with its objections and completed
 * objection/suspension requests and the methods that read it all.
 *
 * Why: a decision used to probe five tables keyed by the subject (subjects, orders, consents,
 * objections, rights stops), each a hash-table walk into memory nothing else touches, and on a
 * busy machine each of those is a cache miss (docs/gate-history.md, "Where each microsecond goes"). One
 * lookup now reaches one region of small integer keys and shared values (docs/gate-history.md, fifth
 * round: why the regions share one array).
 *
 * The records hold no truth of their own: each projection writes its part as it applies an event
 * (the subject directory, the vault's erasures, the consent projection, the orders index, the
 * rights stops), on every server, for local writes, NOTIFYs and catch-ups alike; and each part
 * answers exactly as the projection it mirrors (test/gate/gate-records.property.test.ts).
 */
export class GateRecords {
  /**
   * Every subject's cells, one region per subject (layout: `GateRecord`), in one array. Why: a
   * JavaScript object with a variable part is two objects in V8 — the object, then its elements
   * store — so a table slot, then a record, then its cells were three dependent cache misses
   * before the decision could compare the id, and that chain was half of what a decision waits
   * on after Cedar (docs/gate-history.md, fifth round, `bench/gate-warm.ts`). The array itself and its
   * store's header are shared and stay in cache: slot, then region — two. A region that
   * outgrows its room moves to the end with at least twice the room, its old cells cleared: the
   * holes a region leaves are smaller than the region, so less than half the array is holes.
   */
  cells: Cell[] = [];
  /**
   * The regions by subject id: an open-addressing table of (hash, region) pairs in an
   * `Int32Array`, probed by `idHash`; the id's characters are packed into the region (`isAt`),
   * and the region's first cell holds its record (`get`). Not a Map: a Map lookup reads a bucket,
   * then an entry, then the key string, then the value. The hash beside the region lets a probe
   * pass over another subject's slot without fetching its region. Two 4-byte integers a slot,
   * not three 8-byte cells (hash, region, record) of a JavaScript array: the table a decision
   * probes at a random slot is a third of the size (512 KB for the bench's 20,000 subjects
   * instead of 1.5 MB), so more of it is still cached, and on fewer pages, after Cedar or the
   * rest of the server has run (docs/gate-history.md, tenth round). Load factor at most 1/2
   * (open-addressing.ts); records are never removed.
   */
  private table: Int32Array = new Int32Array(2 * 1024).fill(EMPTY);
  private slots = 1024;
  private count = 0;
  /** The view `find` answers with, aimed at one region at a time. */
  private readonly view = new GateRecord(this, -1, '');

  /** The record of `subject`, if anything about it is held. Never creates one. */
  get(subject: string): GateRecord | undefined {
    const i = this.slotOf(subject);
    return i < 0 ? undefined : (this.cells[this.table[i + 1]! + RECORD] as GateRecord);
  }

  /**
   * `get` for the allow path: the same answers, from one shared view aimed at the subject's
   * region — valid until the next `find`, so read it at once and keep nothing. The record object
   * is not fetched (one cache miss fewer); everything the allow path reads is in the region.
   */
  find(subject: string, hash?: number): GateRecord | undefined {
    const i = this.slotOfHash(subject, hash === undefined ? idHash(subject) : hash);
    if (i < 0) return undefined;
    this.view.base = this.table[i + 1]!;
    return this.view;
  }

  get size(): number {
    return this.count;
  }

  /**
   * What the home slot of `hash` holds (its hash cell, EMPTY for none), for `find`'s `first`.
   * Read apart from the probe so that a caller can issue this load before other independent
   * ones — the member's slot — and have both misses in flight at once: the value is then
   * waited for once, not after the member's (docs/gate-history.md, twelfth round).
   */
  first(hash: number): number {
    return this.table[2 * (hash & (this.slots - 1))]!;
  }

  /** Where `subject`'s pair starts in the table, -1 for none. */
  private slotOf(subject: string): number {
    return this.slotOfHash(subject, idHash(subject));
  }

  private slotOfHash(subject: string, h: number): number {
    const t = this.table;
    const c = this.cells;
    const mask = this.slots - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const held = t[2 * i];
      if (held === EMPTY) return -1;
      if (held === h && isAt(c, t[2 * i + 1]!, subject)) return 2 * i;
    }
  }

  private recordOf(subject: string): GateRecord {
    const i = this.slotOf(subject);
    if (i >= 0) return this.cells[this.table[i + 1]! + RECORD] as GateRecord;
    if (2 * (this.count + 1) > this.slots) this.grow();
    const r = new GateRecord(this, this.region(subject), subject);
    this.put(this.table, this.slots, idHash(subject), r.base);
    this.count++;
    return r;
  }

  /** A new region for `id` at the end of the cells: header, packed id, room for a few entries. */
  private region(id: string): number {
    const c = this.cells;
    const base = c.length;
    const idCells = packedCells(id);
    const cap = HEAD + idCells + ROOM;
    for (let k = 0; k < cap; k++) c.push(undefined);
    c[base + FLAGS] = 0;
    c[base + ID_LENGTH] = ~id.length;
    c[base + ID_CELLS] = idCells;
    c[base + ORDERS_END] = HEAD + idCells;
    c[base + KEYS_END] = HEAD + idCells;
    c[base + END_HI] = NO_TIME;
    c[base + END_LO] = 0;
    if (idCells > 0) c[base + ID_LENGTH] = packAny(c, base + HEAD, id);
    return base;
  }

  private put(t: Int32Array, slots: number, hash: number, base: number): void {
    const at = freeSlot(t, 2, slots, hash);
    t[at] = hash;
    t[at + 1] = base;
  }

  /** The table doubled (`doubled` in open-addressing.ts, for a typed array). */
  private grow(): void {
    const old = this.table;
    const next = new Int32Array(old.length * 2).fill(EMPTY);
    for (let i = 0; i < this.slots; i++) if (old[2 * i] !== EMPTY) this.put(next, 2 * this.slots, old[2 * i]!, old[2 * i + 1]!);
    this.table = next;
    this.slots *= 2;
  }

  /** Moves `r`'s region to the end of the cells with room for `cap` cells (called by its writes). */
  move(r: GateRecord, used: number, oldCap: number, cap: number): void {
    const c = this.cells;
    const from = r.base;
    const to = c.length;
    for (let k = 0; k < cap; k++) c.push(k < used ? c[from + k] : undefined);
    // Cleared, so that the hole keeps nothing alive.
    for (let k = 0; k < oldCap; k++) c[from + k] = undefined;
    this.rebase(r, to);
  }

  /** Points `r` and its table slot at `base` (the slot is the one holding `r`'s old base: no two regions share one). */
  private rebase(r: GateRecord, base: number): void {
    const mask = this.slots - 1;
    for (let i = idHash(r.id) & mask; ; i = (i + 1) & mask) {
      if (this.table[2 * i + 1] === r.base && this.table[2 * i] !== EMPTY) {
        this.table[2 * i + 1] = base;
        break;
      }
    }
    r.base = base;
  }

  /** The subject directory's view of the subject (created, reloaded, erased). */
  subject(id: string, info: SubjectInfo): void {
    this.recordOf(id).setSubject(info);
  }

  /** The vault destroyed the subject's key: erased whatever the directory says yet. */
  vaultErased(id: string): void {
    this.recordOf(id).setVaultErased();
  }

  /** The consent projection's slot for (subject, choice, scope): `scope` null = every recipient. */
  consent(subject: string, choiceId: string, scope: string | null, slot: ConsentSlot): void {
    this.recordOf(subject).setConsent(choiceKey(choiceId), scope === null ? UNSCOPED_KEY : idKey(scope), slot);
  }

  /** The consent projection's current objection state of (subject, purpose). */
  objection(subject: string, purposeId: string, objected: boolean): void {
    this.recordOf(subject).setObjection(intern(purposeId), objected);
  }

  /** A registered order, under its subject: its member by key, its declarations interned (the gate compares them with its own). */
  order(orderRef: string, order: OrderInfo): void {
    this.recordOf(order.subject).setOrder(orderRef, idKey(order.recipient), internList(order.declarations), order.contractEndedAt);
  }

  /** A completed objection or suspension request of `subject` with its scope (empty lists: everything). */
  stop(subject: string, stop: ScopedStop): void {
    this.recordOf(subject).addStop(stop);
  }
}

export { idHash };

/** Code units below this are packed two to a cell (30 bits: a small integer on every V8 build). */
const PACKABLE = 1 << 15;

/**
 * One consent state entry as the consent projection keeps it, with its answers built once: a
 * lookup returns one of them and allocates nothing. The fields an allow reads (`activeConsent`)
 * are on the slot itself, so an allow touches one object per consent, not two.
 */
export interface ConsentSlot {
  readonly grant: boolean;
  readonly expiresAt: number | null;
  readonly leafIndex: number;
  readonly pos: number;
  /** As in the answers: the event, the notice, the items it showed (interned list), the terms fingerprint (interned). */
  readonly eventId: string;
  readonly noticeHash: string;
  readonly items: readonly string[];
  readonly fingerprint: string | null;
  /** The answer while the entry holds: `active` for a grant, `withdrawn` for a withdrawal. */
  readonly live: ConsentStatus;
  /** The answer once a grant has lapsed. */
  readonly lapsed: ConsentStatus;
}

/** A stopping request as the rights service reads its scope: a declaration list and a purpose list must both match. */
export interface ScopedStop extends RightsStop {
  readonly declarations: readonly string[];
  readonly purposes: readonly string[];
}

const NO_STRINGS: readonly string[] = Object.freeze([]);
/** One cell of a record's orders-and-consents elements (see `GateRecord`). */
type Cell = number | string | readonly string[] | undefined | null | boolean | ConsentSlot | GateRecord;
const NO_STOPS: readonly ScopedStop[] = Object.freeze([]);
/** The answer when no slot applies. */
const NO_ANSWER: ConsentStatus = Object.freeze({ state: 'none' });

/**
 * Where `GateRecord.findSlots` leaves the two grants it found: one shared scratch instead of a
 * pair per call (the allow path allocates only its decision). Safe because the scan and its
 * reader run back to back, synchronously.
 */
const FOUND = { all: -1, scoped: -1 };

/**
 * What `GateRecord.activeConsent` answers when one consent entry decides: the entry's fields,
 * copied from the record's cells into this one shared object (no slot object to fetch, nothing
 * allocated). Valid until the next call; the allow path reads it at once.
 */
const ACTIVE: { eventId: string; noticeHash: string; items: readonly string[]; fingerprint: string | null } = { eventId: '', noticeHash: '', items: [], fingerprint: null };

/**
 * What `GateRecord.consentState` answers when one consent entry decides: its state and fields,
 * from the record's cells, in this one shared object (valid until the next call).
 */
const STATE: { state: ConsentState; eventId: string; noticeHash: string; items: readonly string[]; fingerprint: string | null } = { state: 'active', eventId: '', noticeHash: '', items: [], fingerprint: null };

const BOTH = -2;

/** `GateRecord.flags`: known to the subject directory, erased (directory or vault), an EU subject, an order with its own contract end, objections, stopping requests. */
const KNOWN = 1;
const ERASED = 2;
const EU = 4;
const ORDER_ENDS = 8;
const OBJECTS = 16;
const STOPS = 32;
/** Cells per consent entry's data: slot, grant, expiry (hi, lo), fingerprint, items, event, notice. */
const DATA = 8;

/**
 * A consent entry's key, one cell: `scope * CHOICES + choice`, the scope's key (`idKey`: 0 for
 * the unscoped entry, else a recipient's) and the choice's (`choiceKey`, intern.ts: numbered
 * apart from `idKey`, a registry's few hundred choices). Below 2^30: a small integer on every V8
 * build. One cell, where a (choice, scope) pair of cells took two: a decision scans every key of
 * the subject, and half the cells is fewer lines (docs/gate-history.md, thirteenth round). Beyond CHOICES
 * choices or SCOPES ids the cell is WIDE_KEY and the pair is kept in the record (`wideKeys`),
 * read only by lookups that cannot have a key cell themselves (`deciding`'s other branch,
 * `findSlots`): a lookup that has one never equals WIDE_KEY, so it scans the cells alone.
 */
const CHOICES = 1 << 10;
const SCOPES = 1 << 20;
const WIDE_KEY = -1;
const keyCell = (choice: number, scope: number): number => (choice < CHOICES && scope < SCOPES ? scope * CHOICES + choice : WIDE_KEY);
const NO_WIDE_KEYS: ReadonlyMap<number, readonly [number, number]> = new Map();

/**
 * A consent's expiry is kept in the cells as two small integers, `hi * 2^30 + lo`: a number that
 * is not a small integer would be a pointer to a box elsewhere in the heap, one more line to
 * fetch. The subject's contract end is kept the same way; the allow path reads it through
 * `contractWindowEnd`, which hands the two integers to the date arithmetic as they are.
 */
const LO = 2 ** 30;
/** `hi` of a time that is not there. No epoch-ms time this side of the year 275760 has it. */
const NO_TIME = -(2 ** 30);
// `+ 0`: -0 (the instant 0) is kept as 0, a small integer, not a boxed -0 in a field of every record's shape.
const hiOf = (t: number | undefined): number => (t === undefined ? NO_TIME : Math.floor(t / LO) + 0);
const loOf = (t: number | undefined): number => (t === undefined ? 0 : t - Math.floor(t / LO) * LO);

/**
 * Where `s` is the id of the region at `base` (the packed code units, or the record's id string).
 * The length cell says how the id is packed: its length for four ASCII code units to a cell
 * (`packAscii`), `~length` (negative) for two to a cell (`pack`).
 */
function isAt(c: readonly Cell[], base: number, s: string): boolean {
  const n = s.length;
  const idCells = c[base + ID_CELLS] as number;
  if (idCells === 0) return (c[base + RECORD] as GateRecord).id === s;
  const len = c[base + ID_LENGTH] as number;
  return len >= 0 ? n === len && asciiEquals(c, base + HEAD, s) : n === ~len && packedEquals(c, base + HEAD, s);
}

/** Whether every code unit of `s` is ASCII (below 0x80): packed four to a cell (`packAscii`). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * Cells `s` takes packed: four to a cell when it is ASCII (`packAscii`), else two to a cell
 * (`pack`), or 0 when a code unit is too large to pack two to a cell.
 */
function packedCells(s: string): number {
  if (isAscii(s)) return (s.length + 3) >> 2;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= PACKABLE) return 0;
  return (s.length + 1) >> 1;
}

/** Writes `s` (packable, not ASCII: `packedCells`) into the cells from `k`, two code units to a cell. */
function pack(c: Cell[], k: number, s: string): void {
  for (let i = 0; i < s.length; i += 2, k++) c[k] = s.charCodeAt(i) | (i + 1 < s.length ? s.charCodeAt(i + 1) << 15 : 0);
}

/**
 * Writes ASCII `s` into the cells from `k`, four code units to a cell, 7 bits each (28 bits: a
 * small integer on every V8 build). Why: subject ids and order refs are ASCII in practice, and a
 * region read on fewer cells is read on fewer cache lines — a 9-character id takes 3 cells, not
 * 5, a 22-character order ref 6, not 11 (docs/gate-history.md, thirteenth round).
 */
function packAscii(c: Cell[], k: number, s: string): void {
  for (let i = 0; i < s.length; i += 4, k++) {
    let v = 0;
    for (let j = 0; j < 4 && i + j < s.length; j++) v |= s.charCodeAt(i + j) << (7 * j);
    c[k] = v;
  }
}

/** Writes `s` packed as `packedCells` counted (ASCII four to a cell, else two); its length cell's value (`isAt`, `refIsAt`). */
function packAny(c: Cell[], k: number, s: string): number {
  if (isAscii(s)) {
    packAscii(c, k, s);
    return s.length;
  }
  pack(c, k, s);
  return ~s.length;
}

/**
 * Whether the cells from `k` hold `s` packed four ASCII code units to a cell (the caller has
 * compared the length). A stored ASCII string fills 7 bits per code unit, so a cell is equal
 * only for the same four code units — provided the asked ones are ASCII too: a larger one would
 * spill into its neighbour's bits, so any code unit from 0x80 up answers false (the stored
 * string has none).
 */
function asciiEquals(c: readonly Cell[], k: number, s: string): boolean {
  const n = s.length;
  const quads = n >> 2;
  let i = 0;
  for (let p = 0; p < quads; p++, i += 4) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const d = s.charCodeAt(i + 2);
    const e = s.charCodeAt(i + 3);
    if ((a | b | d | e) >= 0x80 || (a | (b << 7) | (d << 14) | (e << 21)) !== c[k + p]) return false;
  }
  if (i === n) return true;
  let v = 0;
  let any = 0;
  for (let j = 0; i < n; i++, j += 7) {
    const u = s.charCodeAt(i);
    any |= u;
    v |= u << j;
  }
  return any < 0x80 && v === c[k + quads];
}

/**
 * Whether the cells from `k` hold `s` packed (the caller has compared the length). One compare
 * per cell: a pair of code units whose first is below PACKABLE puts it in the low 15 bits and the
 * second above them, so equal cells mean equal pairs (a request's second code unit may be up to
 * 0xffff: `b << 15` is still below 2^31, a positive int32).
 */
function packedEquals(c: readonly Cell[], k: number, s: string): boolean {
  const n = s.length;
  const pairs = n >> 1;
  for (let p = 0; p < pairs; p++) {
    const a = s.charCodeAt(2 * p);
    if (a >= PACKABLE || (a | (s.charCodeAt(2 * p + 1) << 15)) !== c[k + p]) return false;
  }
  return (n & 1) === 0 || s.charCodeAt(n - 1) === c[k + pairs];
}

/**
 * An order entry's cells: the member's key, the entry's size, the declarations, the order's own
 * contract end, the ref's length, then the ref packed: an ASCII ref four code units to a cell
 * (`packAscii`, length cell = its length), another two to a cell (`pack`, length cell = ~length,
 * below -1) — or, when it cannot be packed, length -1 and the ref string in one cell. Why packed: the ref is compared on every seller's
 * request once the member's key matches, and a string is an object elsewhere in the heap (a
 * concatenated one two: the cons, then its flat content) — one or two more cache misses after
 * the region's own lines (docs/gate-history.md, sixth round).
 */
const ORDER_HEAD = 5;

/** Whether the order entry at `i` is `ref`'s. */
function refIsAt(c: readonly Cell[], i: number, ref: string): boolean {
  const n = c[i + 4] as number;
  if (n >= 0) return n === ref.length && asciiEquals(c, i + ORDER_HEAD, ref);
  return n === -1 ? c[i + ORDER_HEAD] === ref : ~n === ref.length && packedEquals(c, i + ORDER_HEAD, ref);
}

/** A region's header cells (`GateRecord`), then the packed id from HEAD. */
const RECORD = 0;
const FLAGS = 1;
const ID_LENGTH = 2;
const ID_CELLS = 3;
const ORDERS_END = 4;
const KEYS_END = 5;
const END_HI = 6;
const END_LO = 7;
const HEAD = 8;
/** Cells a new region has beyond its header and id: an order and a consent entry, or so. */
const ROOM = 16;

/**
 * One subject's record: a handle on its region of `GateRecords.cells`, plus what only writes,
 * the traced evaluation or rare windows read (objections, stops, the collection time, the id).
 * `GateRecords.find` answers with a shared instance aimed at one region after another; so every
 * method reads through `base`, and the cold fields through the region's own record (`own`).
 *
 * A region, for the cache lines a decision reads after something else (Cedar's wasm, the rest of
 * the server) has evicted them (docs/gate-history.md) — offsets from `base`:
 *   [0, HEAD)       the record, then the state every decision reads: flags (KNOWN, ERASED, EU,
 *                   ORDER_ENDS, OBJECTS, STOPS), the id's length and cells, where the orders and
 *                   the consent keys end, the subject's contract end as two small integers (a
 *                   number would be a pointer to a box elsewhere: one more line);
 *   [HEAD, +idCells) the subject id's code units, two to a cell (`isAt`);
 *   [.., ordersEnd) order entries (`ORDER_HEAD`): member key, size, declarations, contract
 *                   end, the ref packed — the member's key is compared before the ref;
 *   [ordersEnd, keysEnd) one key cell per consent entry (`keyCell`: the scope's key — 0 for
 *                   the unscoped slot, else a recipient's — and the choice's key): the scan
 *                   reads only these;
 *   [keysEnd, n)    per entry, in the same order, DATA cells: the projection's slot, and the
 *                   fields an allow reads copied from it (grant, expiry as two small integers,
 *                   fingerprint, items, event id, notice hash).
 * Writes change the cells in place (or move the region): a decision runs synchronously from its
 * first read to its answer, so it never sees a write half done.
 */
export class GateRecord implements SubjectGate {
  /** Where the region starts in `owner.cells`; moves as the region grows. */
  base: number;
  /** Cells in use and the region's size (writes only). */
  n = 0;
  cap = 0;
  /** Purposes the subject currently objects to (OBJECTS: not empty). */
  private objectedTo: readonly string[] = NO_STRINGS;
  /** STOPS: not empty. */
  private stops: readonly ScopedStop[] = NO_STOPS;
  /** The (choice, scope) keys of the consent entries whose key cell is WIDE_KEY, by entry (0 = the first key cell). */
  private wideKeys: ReadonlyMap<number, readonly [number, number]> = NO_WIDE_KEYS;
  /** Read only for `from: collection` windows (none in the bench's registry). */
  private collected: number | undefined = undefined;
  private directoryErased = false;
  private vaultHasErased = false;

  constructor(
    private readonly owner: GateRecords,
    base: number,
    /** The subject id ('' for the shared view). */
    readonly id: string,
  ) {
    this.base = base;
    if (base >= 0) {
      const c = owner.cells;
      c[base + RECORD] = this;
      this.n = c[base + ORDERS_END] as number;
      this.cap = this.n + ROOM;
    }
  }

  /** The record that owns the region (this one, unless this is `find`'s view). */
  private own(): GateRecord {
    return this.owner.cells[this.base + RECORD] as GateRecord;
  }

  private get flags(): number {
    return this.owner.cells[this.base + FLAGS] as number;
  }

  /** Whether the subject itself is known (see `SubjectGate.known`). */
  get known(): boolean {
    return (this.flags & KNOWN) !== 0;
  }

  /** Erased as the subject directory or the vault knows it: either one stops releases. */
  get erased(): boolean {
    return (this.flags & ERASED) !== 0;
  }

  get jurisdiction(): Jurisdiction {
    return (this.flags & EU) !== 0 ? 'EU' : 'KR';
  }

  /** Known and not erased: one test of the bit set, for the allow path. */
  releasable(): boolean {
    return (this.flags & (KNOWN | ERASED)) === KNOWN;
  }

  get collectedAt(): number | undefined {
    return this.own().collected;
  }

  get contractEndedAt(): number | undefined {
    const c = this.owner.cells;
    const hi = c[this.base + END_HI] as number;
    return hi === NO_TIME ? undefined : hi * LO + (c[this.base + END_LO] as number);
  }

  /** Compares the member's key before the order ref (its packed cells: `refIsAt`). */
  orderedDeclarations(recipientKey: number, orderRef: string): readonly string[] | undefined {
    const c = this.owner.cells;
    const b = this.base;
    const end = b + (c[b + ORDERS_END] as number);
    for (let i = b + HEAD + (c[b + ID_CELLS] as number); i < end; i += c[i + 1] as number) if (c[i] === recipientKey && refIsAt(c, i, orderRef)) return c[i + 2] as readonly string[];
    return undefined;
  }

  /** Same answer as `ConsentProjection.status` (src/core/consent/projection.ts) for this subject. */
  consent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentStatus {
    this.findSlots(choiceKey, recipientKey);
    return consentAnswer(this.slotAt(FOUND.all), this.slotAt(FOUND.scoped), at, scopedOnly);
  }

  /**
   * When `consent` answers `active`: the deciding entry's event, notice, items and terms (in a
   * shared object valid until the next call), otherwise undefined. Read from the region's cells
   * when one entry applies; when both an unscoped and a scoped entry do, from their slots.
   */
  activeConsent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ActiveConsent | undefined {
    const c = this.owner.cells;
    const d = this.deciding(c, choiceKey, recipientKey, scopedOnly);
    // The expiry test on the entry's copied fields (`isActive`), written out here: this method
    // is inlined into the allow path, and a call that is not would take the request time as a
    // boxed number (an allocation). Kept short for the same reason; both entries: `activeSlot`.
    if (d < 0) return d === BOTH ? activeSlot(c[FOUND.all] as ConsentSlot, c[FOUND.scoped] as ConsentSlot, at, scopedOnly) : undefined;
    const hi = c[d + 2] as number;
    return c[d + 1] === true && (hi === NO_TIME || hi * LO + (c[d + 3] as number) > at) ? answer(c, d) : undefined;
  }

  /**
   * `consent`'s answer but its event time, for the allow path's consent denies (`consentDeny` in
   * decide.ts), right after `activeConsent` gave none: when one entry decides, its state and
   * fields from the cells that call has just read (`STATE`, shared, valid until the next call),
   * instead of the projection's slot object and then its answer object — two more lines, cold
   * after an eviction (docs/gate-history.md, thirteenth round). Both entries: from their slots, as
   * `consent`. Same state, event, notice, items and terms as `consent`
   * (test/gate/gate-records-layout.test.ts).
   */
  consentState(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentAnswer {
    const c = this.owner.cells;
    const d = this.deciding(c, choiceKey, recipientKey, scopedOnly);
    if (d < 0) return d === BOTH ? consentAnswer(c[FOUND.all] as ConsentSlot, c[FOUND.scoped] as ConsentSlot, at, scopedOnly) : NO_ANSWER;
    const hi = c[d + 2] as number;
    // `answerAt`: a withdrawal answers withdrawn whatever its expiry; a grant past it, expired.
    STATE.state = c[d + 1] !== true ? 'withdrawn' : hi !== NO_TIME && hi * LO + (c[d + 3] as number) <= at ? 'expired' : 'active';
    STATE.fingerprint = c[d + 4] as string | null;
    STATE.items = c[d + 5] as readonly string[];
    STATE.eventId = c[d + 6] as string;
    STATE.noticeHash = c[d + 7] as string;
    return STATE;
  }

  /**
   * Where (in the cells) the data of the one entry that decides `activeConsent` starts, -1 for
   * none, or BOTH when the unscoped entry and the recipient's both count (their order decides:
   * `activeSlot`, from FOUND). Scoped only, an unscoped grant covers no member (its withdrawal
   * still counts).
   */
  private deciding(c: readonly Cell[], choiceKey: number, recipientKey: number, scopedOnly: boolean): number {
    // A pair without a key cell (`keyCell`): the cold branch. Kept out of this one, which V8
    // inlines into the allow path with what follows it there (`answer`, `consentedMask`): its
    // inlining budget is spent by bytecode size, and a call it no longer inlines costs more than
    // the lines saved (docs/gate-history.md, thirteenth round).
    if (choiceKey >= CHOICES || recipientKey >= SCOPES) return this.decidingWide(c, choiceKey, recipientKey, scopedOnly);
    const b = this.base;
    const from = b + (c[b + ORDERS_END] as number);
    const end = b + (c[b + KEYS_END] as number);
    // Entry i's data is at `at + i * DATA`; a wide entry's cell (WIDE_KEY) equals neither key.
    const at = end - from * DATA;
    const scopedKey = recipientKey * CHOICES + choiceKey;
    let all = -1;
    let scoped = -1;
    for (let i = from; i < end; i++) {
      const k = c[i];
      if (k === choiceKey) all = at + i * DATA;
      else if (k === scopedKey) scoped = at + i * DATA;
    }
    if (all < 0 || (scopedOnly && c[all + 1] === true)) return scoped;
    if (scoped < 0) return all;
    FOUND.all = all;
    FOUND.scoped = scoped;
    return BOTH;
  }

  /** `deciding` for a pair without a key cell, through `findSlots`. */
  private decidingWide(c: readonly Cell[], choiceKey: number, recipientKey: number, scopedOnly: boolean): number {
    this.findSlots(choiceKey, recipientKey);
    const all = FOUND.all;
    const scoped = FOUND.scoped;
    if (all < 0 || (scopedOnly && c[all + 1] === true)) return scoped;
    return scoped < 0 ? all : BOTH;
  }

  private slotAt(d: number): ConsentSlot | undefined {
    return d < 0 ? undefined : (this.owner.cells[d] as ConsentSlot);
  }

  /** Where (in the cells) the data of the choice's unscoped entry and of the one scoped to the recipient start (-1: none), into FOUND. */
  private findSlots(choiceKey: number, recipientKey: number): void {
    const c = this.owner.cells;
    const b = this.base;
    const from = b + (c[b + ORDERS_END] as number);
    const end = b + (c[b + KEYS_END] as number);
    FOUND.all = -1;
    FOUND.scoped = -1;
    for (let i = from; i < end; i++) {
      if (this.keyIs(c, i, i - from, choiceKey, UNSCOPED_KEY)) FOUND.all = end + (i - from) * DATA;
      else if (this.keyIs(c, i, i - from, choiceKey, recipientKey)) FOUND.scoped = end + (i - from) * DATA;
    }
  }

  /** Whether the key cell `i` (of the region's entry `e`) is the pair (choice, scope). A wide entry's pair is in the record's `wideKeys`. */
  private keyIs(c: readonly Cell[], i: number, e: number, choiceKey: number, scopeKey: number): boolean {
    const k = c[i] as number;
    if (k !== WIDE_KEY) return k === keyCell(choiceKey, scopeKey);
    const pair = this.own().wideKeys.get(e);
    return pair !== undefined && pair[0] === choiceKey && pair[1] === scopeKey;
  }

  /** An order's own contract end (the cell's number), or undefined to take the subject's. */
  private orderEnd(orderRef: string | undefined): number | undefined {
    const c = this.owner.cells;
    const b = this.base;
    if (orderRef !== undefined && ((c[b + FLAGS] as number) & ORDER_ENDS) !== 0) {
      const end = b + (c[b + ORDERS_END] as number);
      for (let i = b + HEAD + (c[b + ID_CELLS] as number); i < end; i += c[i + 1] as number) if (refIsAt(c, i, orderRef)) return c[i + 3] as number | undefined;
    }
    return undefined;
  }

  contractEnd(orderRef: string | undefined): number | undefined {
    return this.orderEnd(orderRef) ?? this.contractEndedAt;
  }

  /**
   * The end of a `from: contract_end` window of `duration` for a release naming `orderRef`, NaN
   * while the contract runs: the allow path's `contractEnd`. The subject's end goes to
   * `addDurationToParts` as its two small integers, an order's own as the number its cell holds:
   * neither is boxed on the way (a computed time passed to a call that is not inlined would be).
   */
  contractWindowEnd(orderRef: string | undefined, duration: IsoDuration): number {
    const own = this.orderEnd(orderRef);
    if (own !== undefined) return addDuration(own, duration);
    const c = this.owner.cells;
    const hi = c[this.base + END_HI] as number;
    return hi === NO_TIME ? Number.NaN : addDurationToParts(hi, c[this.base + END_LO] as number, duration);
  }

  objected(purposeId: string): boolean {
    if ((this.flags & OBJECTS) === 0) return false;
    const xs = this.own().objectedTo;
    for (let i = 0; i < xs.length; i++) if (xs[i] === purposeId) return true;
    return false;
  }

  /**
   * The flag test alone, and the scan apart (`stopOf`): this runs on every allow, and V8 inlines
   * it there by its bytecode size — a short one leaves its inlining budget for what follows
   * (`answer`, `consentedMask`, `addDuration`: docs/gate-history.md, thirteenth round).
   */
  stop(declarationId: string, purposeId: string): RightsStop | undefined {
    return (this.flags & STOPS) === 0 ? undefined : this.stopOf(declarationId, purposeId);
  }

  private stopOf(declarationId: string, purposeId: string): RightsStop | undefined {
    const xs = this.own().stops;
    for (let i = 0; i < xs.length; i++) {
      const s = xs[i]!;
      if ((s.declarations.length === 0 || s.declarations.includes(declarationId)) && (s.purposes.length === 0 || s.purposes.includes(purposeId))) return s;
    }
    return undefined;
  }

  // ---- writes, from the projections (on the record itself, never on `find`'s view) ----

  private setFlags(set: number, clear: number): void {
    const c = this.owner.cells;
    c[this.base + FLAGS] = ((c[this.base + FLAGS] as number) & ~clear) | set;
  }

  /** Room for `extra` more cells, moving the region if it has none. */
  private reserve(extra: number): void {
    if (this.n + extra <= this.cap) return;
    const old = this.cap;
    this.cap = Math.max(2 * old, this.n + extra);
    this.owner.move(this, this.n, old, this.cap);
  }

  setSubject(info: SubjectInfo): void {
    this.directoryErased = info.erased;
    const erased = this.directoryErased || this.vaultHasErased;
    this.setFlags(KNOWN | (erased ? ERASED : 0) | (info.jurisdiction === 'EU' ? EU : 0), ERASED | EU);
    this.collected = info.collectedAt;
    const c = this.owner.cells;
    c[this.base + END_HI] = hiOf(info.contractEndedAt);
    c[this.base + END_LO] = loOf(info.contractEndedAt);
  }

  setVaultErased(): void {
    this.vaultHasErased = true;
    this.setFlags(ERASED, 0);
  }

  setConsent(choiceKey: number, scopeKey: number, slot: ConsentSlot): void {
    let c = this.owner.cells;
    let b = this.base;
    const from = b + (c[b + ORDERS_END] as number);
    let end = b + (c[b + KEYS_END] as number);
    let d = -1;
    for (let i = from; i < end; i++) {
      if (this.keyIs(c, i, i - from, choiceKey, scopeKey)) {
        d = end + (i - from) * DATA;
        break;
      }
    }
    if (d < 0) {
      // A new entry: its key cell goes after the others (the data moves up by one cell), its data last.
      this.reserve(1 + DATA);
      c = this.owner.cells;
      b = this.base;
      end = b + (c[b + KEYS_END] as number);
      const cell = keyCell(choiceKey, scopeKey);
      if (cell === WIDE_KEY) (this.wideKeys = new Map(this.wideKeys)).set(end - (b + (c[b + ORDERS_END] as number)), [choiceKey, scopeKey]);
      const n = b + this.n;
      for (let i = n - 1; i >= end; i--) c[i + 1] = c[i];
      c[end] = cell;
      c[b + KEYS_END] = end + 1 - b;
      d = n + 1;
      this.n = d + DATA - b;
    }
    c[d] = slot;
    c[d + 1] = slot.grant;
    c[d + 2] = slot.expiresAt === null ? NO_TIME : hiOf(slot.expiresAt);
    c[d + 3] = slot.expiresAt === null ? 0 : loOf(slot.expiresAt);
    c[d + 4] = slot.fingerprint;
    c[d + 5] = slot.items;
    c[d + 6] = slot.eventId;
    c[d + 7] = slot.noticeHash;
  }

  setObjection(purposeId: string, objected: boolean): void {
    const had = this.objectedTo.includes(purposeId);
    if (objected && !had) this.objectedTo = [...this.objectedTo, purposeId];
    else if (!objected && had) this.objectedTo = this.objectedTo.filter((p) => p !== purposeId);
    if (this.objectedTo.length > 0) this.setFlags(OBJECTS, 0);
    else this.setFlags(0, OBJECTS);
  }

  /** An order by its member's key. An order ref names one order: a repeat replaces it. */
  setOrder(orderRef: string, memberKey: number, declarations: readonly string[], contractEndedAt: number | undefined): void {
    if (contractEndedAt !== undefined) this.setFlags(ORDER_ENDS, 0);
    let c = this.owner.cells;
    let b = this.base;
    let end = b + (c[b + ORDERS_END] as number);
    let at = end;
    for (let i = b + HEAD + (c[b + ID_CELLS] as number); i < end; i += c[i + 1] as number) {
      if (refIsAt(c, i, orderRef)) {
        at = i;
        break;
      }
    }
    if (at === end) {
      // A new order (its ref packed, `ORDER_HEAD`): the consents move up by its size, the last first.
      const refCells = packedCells(orderRef);
      const size = ORDER_HEAD + (refCells > 0 || orderRef.length === 0 ? refCells : 1);
      this.reserve(size);
      c = this.owner.cells;
      b = this.base;
      end = b + (c[b + ORDERS_END] as number);
      at = end;
      for (let i = b + this.n - 1; i >= end; i--) c[i + size] = c[i];
      this.n += size;
      c[b + ORDERS_END] = (c[b + ORDERS_END] as number) + size;
      c[b + KEYS_END] = (c[b + KEYS_END] as number) + size;
      c[at + 1] = size;
      if (size > ORDER_HEAD && refCells === 0) {
        c[at + 4] = -1;
        c[at + ORDER_HEAD] = orderRef;
      } else {
        // ASCII (the empty ref too): its length; else two to a cell: ~length, below -1 (length >= 1).
        c[at + 4] = packAny(c, at + ORDER_HEAD, orderRef);
      }
    }
    // The ref's cells are written once: an order ref names one order, so a repeat has the same ref.
    c[at] = memberKey;
    c[at + 2] = declarations;
    c[at + 3] = contractEndedAt;
  }

  addStop(stop: ScopedStop): void {
    for (const s of this.stops) if (s.requestId === stop.requestId) return;
    this.stops = [...this.stops, stop];
    this.setFlags(STOPS, 0);
  }
}

/** `ACTIVE` filled from the entry whose data starts at cell `d`. */
function answer(c: readonly Cell[], d: number): ActiveConsent {
  ACTIVE.fingerprint = c[d + 4] as string | null;
  ACTIVE.items = c[d + 5] as readonly string[];
  ACTIVE.eventId = c[d + 6] as string;
  ACTIVE.noticeHash = c[d + 7] as string;
  return ACTIVE;
}

/**
 * The consent answer from a choice's unscoped slot and the slot naming the recipient: the later
 * one decides, except that a lapsed grant does not hide a still-running one for the same
 * recipient. Scoped only (a class's declaration, PIPA 17(2)1): an unscoped grant covers no
 * member, while an unscoped withdrawal still ends every scoped grant before it. Shared by the
 * consent projection and the gate records so both answer alike.
 */
export function consentAnswer(allSlot: ConsentSlot | undefined, scoped: ConsentSlot | undefined, at: number, scopedOnly: boolean): ConsentStatus {
  const all = scopedOnly && allSlot !== undefined && allSlot.grant ? undefined : allSlot;
  if (scoped === undefined || all === undefined) {
    const only = scoped ?? all;
    return only === undefined ? NO_ANSWER : answerAt(only, at);
  }
  const scopedLater = compareOrder(scoped, all);
  const latest = scopedLater > 0 ? scoped : all;
  const other = scopedLater > 0 ? all : scoped;
  const st = answerAt(latest, at);
  if (st.state === 'expired') {
    const alt = answerAt(other, at);
    if (alt.state === 'active') return alt;
  }
  return st;
}

/** The slot `consentAnswer` answers from when its answer is active (that slot's `live`), else undefined. */
export function activeSlot(allSlot: ConsentSlot | undefined, scoped: ConsentSlot | undefined, at: number, scopedOnly: boolean): ConsentSlot | undefined {
  const all = scopedOnly && allSlot !== undefined && allSlot.grant ? undefined : allSlot;
  if (scoped === undefined || all === undefined) {
    const only = scoped ?? all;
    return only !== undefined && isActive(only, at) ? only : undefined;
  }
  const scopedLater = compareOrder(scoped, all);
  const latest = scopedLater > 0 ? scoped : all;
  if (isActive(latest, at)) return latest;
  // A lapsed grant does not hide a still-running one; a withdrawal does.
  const other = scopedLater > 0 ? all : scoped;
  return latest.grant && isActive(other, at) ? other : undefined;
}

function isActive(slot: ConsentSlot, at: number): boolean {
  return slot.grant && (slot.expiresAt === null || slot.expiresAt > at);
}

function answerAt(slot: ConsentSlot, at: number): ConsentStatus {
  return slot.grant && slot.expiresAt !== null && slot.expiresAt <= at ? slot.lapsed : slot.live;
}
