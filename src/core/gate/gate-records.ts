import { compareOrder } from '../consent/events.ts';
import { addDuration, addDurationToParts, type IsoDuration } from '../time/duration.ts';
import type { ConsentStatus } from '../consent/lookup.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { idKey, intern, internList, UNSCOPED_KEY } from './intern.ts';
import type { ActiveConsent, OrderInfo, RightsStop, SubjectGate, SubjectInfo } from './types.ts';

/**
 * The gate's per-subject records: for each subject, one object holding what a decision reads
 * about it — its state (jurisdiction, erasure, retention anchors), its orders, its consent
 * answers per (choice, member), its objections and its completed objection/suspension requests.
 *
 * Why: a decision used to probe five tables keyed by the subject (subjects, orders, consents,
 * objections, rights stops), each a hash-table walk into memory nothing else touches, and on a
 * busy machine each of those is a cache miss (docs/gate.md, "Where each microsecond goes"). One
 * lookup now reaches one record whose parts are small arrays of integer keys and shared values.
 *
 * The records hold no truth of their own: each projection writes its part as it applies an event
 * (the subject directory, the vault's erasures, the consent projection, the orders index, the
 * rights stops), on every server, for local writes, NOTIFYs and catch-ups alike; and each part
 * answers exactly as the projection it mirrors (test/gate/gate-records.property.test.ts).
 */
export class GateRecords {
  /**
   * The records by subject id: an open-addressing table of (hash, record) pairs side by side,
   * probed by `idHash`; each record holds its id's characters packed into its own cells
   * (`GateRecord.is`). Why not a Map: a Map lookup reads a bucket, then an entry, then the key
   * string (to compare characters), then the record — four cache lines in a table of every
   * subject, each a miss on a decision that follows other work. Here: one slot, then the record
   * and its cells, which the decision reads anyway (docs/gate.md). The hash beside the record
   * lets a probe pass over another subject's slot without fetching its record (a miss each).
   * Load factor at most 1/2; records are never removed.
   */
  private table: Array<number | GateRecord> = new Array<number | GateRecord>(2 * 1024).fill(EMPTY);
  private count = 0;

  /** The record of `subject`, if anything about it is held. Never creates one. */
  get(subject: string): GateRecord | undefined {
    const t = this.table;
    const mask = (t.length >> 1) - 1;
    const h = idHash(subject);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const held = t[2 * i];
      if (held === EMPTY) return undefined;
      if (held === h) {
        const r = t[2 * i + 1] as GateRecord;
        if (r.is(subject)) return r;
      }
    }
  }

  get size(): number {
    return this.count;
  }

  private recordOf(subject: string): GateRecord {
    const had = this.get(subject);
    if (had !== undefined) return had;
    if (4 * (this.count + 1) > this.table.length) this.grow();
    const r = new GateRecord(subject, idHash(subject));
    this.put(this.table, r);
    this.count++;
    return r;
  }

  private put(t: Array<number | GateRecord>, r: GateRecord): void {
    const mask = (t.length >> 1) - 1;
    let i = r.hash & mask;
    while (t[2 * i] !== EMPTY) i = (i + 1) & mask;
    t[2 * i] = r.hash;
    t[2 * i + 1] = r;
  }

  private grow(): void {
    const next = new Array<number | GateRecord>(this.table.length * 2).fill(EMPTY);
    for (let i = 1; i < this.table.length; i += 2) {
      const r = this.table[i];
      if (typeof r !== 'number') this.put(next, r!);
    }
    this.table = next;
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
    this.recordOf(subject).setConsent(idKey(choiceId), scope === null ? UNSCOPED_KEY : idKey(scope), slot);
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

/** An empty slot's hash: `idHash` is never negative. */
const EMPTY = -1;

/** FNV-1a over the UTF-16 code units, as a small integer (a Smi: no boxing). */
export function idHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

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
type Cell = number | string | readonly string[] | undefined | null | boolean | ConsentSlot;
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
 * One subject's record. Fields are always present and always of one type (one hidden class), the
 * lists start as shared empty arrays, and lookups scan small integers laid out side by side.
 *
 * Layout, for the cache lines a decision reads after something else (Cedar's wasm, the rest of
 * the server) has evicted them (docs/gate.md): the fields every decision reads come first, in
 * the object itself; and the orders
 * and consents are the record's own indexed elements — `this[i]`, one backing store reached
 * straight from the record, where a `cells` array was a second object (its header) in between:
 *   [0, idCells)    the subject id's code units, two to a cell (`is`);
 *   [idCells, ordersEnd) (member key, order ref, declarations, contract end) quadruples — the member's
 *                   key is compared before the ref string;
 *   [ordersEnd, keysEnd) (choice key, scope key) pairs, one per consent entry — scope key 0 is
 *                   the unscoped slot, else a recipient's key: the scan reads only these;
 *   [keysEnd, n)    per entry, in the same order, DATA cells: the projection's slot, and the
 *                   fields an allow reads copied from it (grant, expiry as two small integers,
 *                   fingerprint, items, event id, notice hash) — so an allow reads the record's
 *                   own cells, not one more object per consent elsewhere in the heap.
 * Writes change the elements in place: a decision runs synchronously from its first read to its
 * answer, so it never sees a write half done.
 */
export class GateRecord implements SubjectGate {
  [cell: number]: Cell;
  // The fields a decision reads come first, and are few: this build of V8 has no pointer
  // compression, so each is 8 bytes after a 24-byte header, and these eight end at byte 88 — the
  // record's first line or two. The subject's state is one bit set (`flags`), its contract end two
  // small integers: as a plain number field it was a pointer to a box elsewhere in the heap, one
  // more line to fetch on every `contract_end` window (docs/gate.md, fifth round).
  readonly hash: number;
  private readonly idLength: number;
  /** Where the orders start: the number of cells the id is packed into (0: compared as a string). */
  private readonly idCells: number;
  private ordersEnd = 0;
  private keysEnd = 0;
  /** KNOWN, ERASED, EU, ORDER_ENDS, OBJECTS, STOPS. */
  private flags = 0;
  /** The subject's contract end (`hiOf`/`loOf`), NO_TIME for none. */
  private endHi = NO_TIME;
  private endLo = 0;
  // Cold: read for writes, the traced evaluation, or rare windows.
  /** Cells in use. */
  private n = 0;
  /** Purposes the subject currently objects to (OBJECTS: not empty). */
  private objectedTo: readonly string[] = NO_STRINGS;
  /** STOPS: not empty. */
  private stops: readonly ScopedStop[] = NO_STOPS;
  /** Read only for `from: collection` windows (none in the bench's registry): a plain field. */
  collectedAt: number | undefined = undefined;
  private directoryErased = false;
  private vaultHasErased = false;
  /** The subject id; its code units are also packed into cells [0, idCells) when all are below PACKABLE (else idCells is 0). */
  private readonly id: string;

  constructor(id: string, hash: number) {
    this.hash = hash;
    this.idLength = id.length;
    let packable = true;
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) >= PACKABLE) packable = false;
    let k = 0;
    if (packable) {
      for (let i = 0; i < id.length; i += 2, k++) this[k] = id.charCodeAt(i) | (i + 1 < id.length ? id.charCodeAt(i + 1) << 15 : 0);
    }
    this.idCells = k;
    this.n = k;
    this.ordersEnd = k;
    this.keysEnd = k;
    this.id = id;
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

  get contractEndedAt(): number | undefined {
    return this.endHi === NO_TIME ? undefined : this.endHi * LO + this.endLo;
  }

  /**
   * Whether this is the record of subject `s`: compared with the packed code units in the
   * record's cells — the first line the decision reads next anyway — not with the id string, one
   * more line of memory. (An id with a code unit beyond PACKABLE is compared as a string.)
   */
  is(s: string): boolean {
    const n = s.length;
    if (this.idCells === 0) return s === this.id;
    if (n !== this.idLength) return false;
    for (let i = 0, k = 0; i < n; i += 2, k++) {
      const w = this[k] as number;
      if (s.charCodeAt(i) !== (w & 0x7fff)) return false;
      if (i + 1 < n && s.charCodeAt(i + 1) !== w >>> 15) return false;
    }
    return true;
  }

  /** Compares the member's key before the order ref, which is one string per order (a read of memory). */
  orderedDeclarations(recipientKey: number, orderRef: string): readonly string[] | undefined {
    const end = this.ordersEnd;
    for (let i = this.idCells; i < end; i += 4) if (this[i] === recipientKey && this[i + 1] === orderRef) return this[i + 2] as readonly string[];
    return undefined;
  }

  /** Same answer as `ConsentProjection.status` (src/core/consent/projection.ts) for this subject. */
  consent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentStatus {
    this.findSlots(choiceKey, recipientKey);
    return consentAnswer(this.slotAt(FOUND.all), this.slotAt(FOUND.scoped), at, scopedOnly);
  }

  /**
   * When `consent` answers `active`: the deciding entry's event, notice, items and terms (in a
   * shared object valid until the next call), otherwise undefined. Read from the record's cells
   * when one entry applies; when both an unscoped and a scoped entry do, from their slots.
   */
  activeConsent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ActiveConsent | undefined {
    const d = this.deciding(choiceKey, recipientKey, scopedOnly);
    // The expiry test on the entry's copied fields (`isActive`), written out here: this method
    // is inlined into the allow path, and a call that is not would take the request time as a
    // boxed number (an allocation). Kept short for the same reason; both entries: `activeSlot`.
    if (d < 0) return d === BOTH ? activeSlot(this[FOUND.all] as ConsentSlot, this[FOUND.scoped] as ConsentSlot, at, scopedOnly) : undefined;
    const hi = this[d + 2] as number;
    return this[d + 1] === true && (hi === NO_TIME || hi * LO + (this[d + 3] as number) > at) ? this.answer(d) : undefined;
  }

  /**
   * Where the data of the one entry that decides `activeConsent` starts, -1 for none, or BOTH
   * when the unscoped entry and the recipient's both count (their order decides: `activeSlot`,
   * from FOUND). Scoped only, an unscoped grant covers no member (its withdrawal still counts).
   */
  private deciding(choiceKey: number, recipientKey: number, scopedOnly: boolean): number {
    const from = this.ordersEnd;
    const end = this.keysEnd;
    let all = -1;
    let scoped = -1;
    for (let i = from; i < end; i += 2) {
      if (this[i] === choiceKey) {
        const scope = this[i + 1];
        if (scope === UNSCOPED_KEY) all = end + (i - from) * (DATA / 2);
        else if (scope === recipientKey) scoped = end + (i - from) * (DATA / 2);
      }
    }
    if (all < 0 || (scopedOnly && this[all + 1] === true)) return scoped;
    if (scoped < 0) return all;
    FOUND.all = all;
    FOUND.scoped = scoped;
    return BOTH;
  }

  private answer(d: number): ActiveConsent {
    ACTIVE.fingerprint = this[d + 4] as string | null;
    ACTIVE.items = this[d + 5] as readonly string[];
    ACTIVE.eventId = this[d + 6] as string;
    ACTIVE.noticeHash = this[d + 7] as string;
    return ACTIVE;
  }

  private slotAt(d: number): ConsentSlot | undefined {
    return d < 0 ? undefined : (this[d] as ConsentSlot);
  }

  /** Where the data of the choice's unscoped entry and of the one scoped to the recipient start (-1: none), into FOUND. */
  private findSlots(choiceKey: number, recipientKey: number): void {
    const from = this.ordersEnd;
    const end = this.keysEnd;
    FOUND.all = -1;
    FOUND.scoped = -1;
    for (let i = from; i < end; i += 2) {
      if (this[i] !== choiceKey) continue;
      const scope = this[i + 1];
      if (scope === UNSCOPED_KEY) FOUND.all = end + ((i - from) >> 1) * DATA;
      else if (scope === recipientKey) FOUND.scoped = end + ((i - from) >> 1) * DATA;
    }
  }

  contractEnd(orderRef: string | undefined): number | undefined {
    if (orderRef !== undefined && (this.flags & ORDER_ENDS) !== 0) {
      const end = this.ordersEnd;
      for (let i = this.idCells; i < end; i += 4) {
        if (this[i + 1] === orderRef) {
          const at = this[i + 3] as number | undefined;
          if (at !== undefined) return at;
          break;
        }
      }
    }
    return this.contractEndedAt;
  }

  /**
   * The end of a `from: contract_end` window of `duration` for a release naming `orderRef`, NaN
   * while the contract runs: the allow path's `contractEnd`. The subject's end goes to
   * `addDurationToParts` as its two small integers, an order's own as the number its cell holds:
   * neither is boxed on the way (a computed time passed to a call that is not inlined would be).
   */
  contractWindowEnd(orderRef: string | undefined, duration: IsoDuration): number {
    if (orderRef !== undefined && (this.flags & ORDER_ENDS) !== 0) {
      const end = this.ordersEnd;
      for (let i = this.idCells; i < end; i += 4) {
        if (this[i + 1] === orderRef) {
          const at = this[i + 3] as number | undefined;
          if (at !== undefined) return addDuration(at, duration);
          break;
        }
      }
    }
    return this.endHi === NO_TIME ? Number.NaN : addDurationToParts(this.endHi, this.endLo, duration);
  }

  objected(purposeId: string): boolean {
    if ((this.flags & OBJECTS) === 0) return false;
    const xs = this.objectedTo;
    for (let i = 0; i < xs.length; i++) if (xs[i] === purposeId) return true;
    return false;
  }

  stop(declarationId: string, purposeId: string): RightsStop | undefined {
    if ((this.flags & STOPS) === 0) return undefined;
    const xs = this.stops;
    for (let i = 0; i < xs.length; i++) {
      const s = xs[i]!;
      if ((s.declarations.length === 0 || s.declarations.includes(declarationId)) && (s.purposes.length === 0 || s.purposes.includes(purposeId))) return s;
    }
    return undefined;
  }

  // ---- writes, from the projections ----

  setSubject(info: SubjectInfo): void {
    this.directoryErased = info.erased;
    const erased = this.directoryErased || this.vaultHasErased;
    this.flags = (this.flags & ~(ERASED | EU)) | KNOWN | (erased ? ERASED : 0) | (info.jurisdiction === 'EU' ? EU : 0);
    this.collectedAt = info.collectedAt;
    this.endHi = hiOf(info.contractEndedAt);
    this.endLo = loOf(info.contractEndedAt);
  }

  setVaultErased(): void {
    this.vaultHasErased = true;
    this.flags |= ERASED;
  }

  setConsent(choiceKey: number, scopeKey: number, slot: ConsentSlot): void {
    const from = this.ordersEnd;
    let end = this.keysEnd;
    let d = -1;
    for (let i = from; i < end; i += 2) {
      if (this[i] === choiceKey && this[i + 1] === scopeKey) {
        d = end + ((i - from) >> 1) * DATA;
        break;
      }
    }
    if (d < 0) {
      // A new entry: its keys go after the others (the data moves up by two cells), its data last.
      const n = this.n;
      for (let i = n - 1; i >= end; i--) this[i + 2] = this[i];
      this[end] = choiceKey;
      this[end + 1] = scopeKey;
      this.keysEnd = end += 2;
      d = n + 2;
      this.n = d + DATA;
    }
    this[d] = slot;
    this[d + 1] = slot.grant;
    this[d + 2] = slot.expiresAt === null ? NO_TIME : hiOf(slot.expiresAt);
    this[d + 3] = slot.expiresAt === null ? 0 : loOf(slot.expiresAt);
    this[d + 4] = slot.fingerprint;
    this[d + 5] = slot.items;
    this[d + 6] = slot.eventId;
    this[d + 7] = slot.noticeHash;
  }

  setObjection(purposeId: string, objected: boolean): void {
    const had = this.objected(purposeId);
    if (objected && !had) this.objectedTo = [...this.objectedTo, purposeId];
    else if (!objected && had) this.objectedTo = this.objectedTo.filter((p) => p !== purposeId);
    this.flags = this.objectedTo.length > 0 ? this.flags | OBJECTS : this.flags & ~OBJECTS;
  }

  /** An order by its member's key. An order ref names one order: a repeat replaces it. */
  setOrder(orderRef: string, memberKey: number, declarations: readonly string[], contractEndedAt: number | undefined): void {
    if (contractEndedAt !== undefined) this.flags |= ORDER_ENDS;
    const end = this.ordersEnd;
    let at = end;
    for (let i = this.idCells; i < end; i += 4) {
      if (this[i + 1] === orderRef) {
        at = i;
        break;
      }
    }
    if (at === end) {
      // A new order: the consents move up by one quadruple, the last first.
      const n = this.n;
      for (let i = n - 1; i >= end; i--) this[i + 4] = this[i];
      this.n = n + 4;
      this.ordersEnd = end + 4;
      this.keysEnd += 4;
    }
    this[at] = memberKey;
    this[at + 1] = orderRef;
    this[at + 2] = declarations;
    this[at + 3] = contractEndedAt;
  }

  addStop(stop: ScopedStop): void {
    for (const s of this.stops) if (s.requestId === stop.requestId) return;
    this.stops = [...this.stops, stop];
    this.flags |= STOPS;
  }
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
