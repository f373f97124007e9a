import { compareOrder } from '../consent/events.ts';
import type { ConsentStatus } from '../consent/lookup.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { idKey, intern, internList, UNSCOPED_KEY } from './intern.ts';
import type { OrderInfo, RightsStop, SubjectGate, SubjectInfo } from './types.ts';

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
  private readonly bySubject = new Map<string, GateRecord>();

  /** The record of `subject`, if anything about it is held. Never creates one. */
  get(subject: string): GateRecord | undefined {
    return this.bySubject.get(subject);
  }

  get size(): number {
    return this.bySubject.size;
  }

  private recordOf(subject: string): GateRecord {
    let r = this.bySubject.get(subject);
    if (r === undefined) this.bySubject.set(subject, (r = new GateRecord()));
    return r;
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
const NO_CELLS: readonly never[] = Object.freeze([]);
/** One cell of a record's orders-and-consents array (see `GateRecord.cells`). */
type Cell = number | string | readonly string[] | undefined | ConsentSlot;
const NO_STOPS: readonly ScopedStop[] = Object.freeze([]);
/** The answer when no slot applies. */
const NO_ANSWER: ConsentStatus = Object.freeze({ state: 'none' });

/**
 * Where `GateRecord.findSlots` leaves the two grants it found: one shared scratch instead of a
 * pair per call (the allow path allocates only its decision). Safe because the scan and its
 * reader run back to back, synchronously.
 */
const FOUND: { all: ConsentSlot | undefined; scoped: ConsentSlot | undefined } = { all: undefined, scoped: undefined };

/**
 * One subject's record. Fields are always present and always of one type (one hidden class), the
 * lists start as shared empty arrays, and lookups scan small integers laid out side by side in
 * one array: the orders as (member key, ref, declarations, contract end) quadruples, then the
 * consents as (choice key, scope key, slot) triples (keys: `idKey`, intern.ts). A decision reads
 * that array's neighbouring cache lines, compares integers, and then reads only what matches.
 */
export class GateRecord implements SubjectGate {
  known = false;
  jurisdiction: Jurisdiction = 'KR';
  /** Erased as the subject directory or the vault knows it: either one stops releases. */
  erased = false;
  collectedAt: number | undefined = undefined;
  contractEndedAt: number | undefined = undefined;
  private directoryErased = false;
  private vaultHasErased = false;
  /**
   * Orders, then consents, in one array (one object and its elements to read, not two):
   * [0, ordersEnd) (member key, order ref, declarations, contract end) quadruples — the member's
   * key is compared before the ref string; [ordersEnd, length) (choice key, scope key, slot)
   * triples — scope key 0 is the unscoped slot, else a recipient's key.
   */
  private cells: readonly Cell[] = NO_CELLS;
  private ordersEnd = 0;
  /** Whether any order has its own contract end: otherwise the anchor is the subject's, without a scan. */
  private orderEnds = false;
  /** Purposes the subject currently objects to. */
  private objectedTo: readonly string[] = NO_STRINGS;
  private stops: readonly ScopedStop[] = NO_STOPS;

  /** Compares the member's key before the order ref, which is one string per order (a read of memory). */
  orderedDeclarations(recipientKey: number, orderRef: string): readonly string[] | undefined {
    const xs = this.cells;
    for (let i = 0; i < this.ordersEnd; i += 4) if (xs[i] === recipientKey && xs[i + 1] === orderRef) return xs[i + 2] as readonly string[];
    return undefined;
  }

  /** Same answer as `ConsentProjection.status` (src/core/consent/projection.ts) for this subject. */
  consent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentStatus {
    this.findSlots(choiceKey, recipientKey);
    return consentAnswer(FOUND.all, FOUND.scoped, at, scopedOnly);
  }

  /**
   * The slot whose answer `consent` gives when that answer is `active` (its `live` answer),
   * otherwise undefined: the allow path reads the consent's fields from the slot itself.
   */
  activeConsent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentSlot | undefined {
    this.findSlots(choiceKey, recipientKey);
    const all = FOUND.all;
    const scoped = FOUND.scoped;
    // `activeSlot` when one slot applies, written out here: this method is inlined into the allow
    // path, and a call that is not would take the request time as a boxed number (an allocation).
    if (all === undefined || (scopedOnly && all.grant)) return scoped !== undefined && isActive(scoped, at) ? scoped : undefined;
    if (scoped === undefined) return isActive(all, at) ? all : undefined;
    return activeSlot(all, scoped, at, scopedOnly);
  }

  /** The choice's unscoped grant and the one scoped to the recipient, into FOUND. */
  private findSlots(choiceKey: number, recipientKey: number): void {
    const xs = this.cells;
    FOUND.all = undefined;
    FOUND.scoped = undefined;
    for (let i = this.ordersEnd; i < xs.length; i += 3) {
      if (xs[i] !== choiceKey) continue;
      const scope = xs[i + 1];
      if (scope === UNSCOPED_KEY) FOUND.all = xs[i + 2] as ConsentSlot;
      else if (scope === recipientKey) FOUND.scoped = xs[i + 2] as ConsentSlot;
    }
  }

  contractEnd(orderRef: string | undefined): number | undefined {
    if (orderRef !== undefined && this.orderEnds) {
      const xs = this.cells;
      for (let i = 0; i < this.ordersEnd; i += 4) {
        if (xs[i + 1] === orderRef) {
          const end = xs[i + 3] as number | undefined;
          if (end !== undefined) return end;
          break;
        }
      }
    }
    return this.contractEndedAt;
  }

  objected(purposeId: string): boolean {
    const xs = this.objectedTo;
    for (let i = 0; i < xs.length; i++) if (xs[i] === purposeId) return true;
    return false;
  }

  stop(declarationId: string, purposeId: string): RightsStop | undefined {
    const xs = this.stops;
    for (let i = 0; i < xs.length; i++) {
      const s = xs[i]!;
      if ((s.declarations.length === 0 || s.declarations.includes(declarationId)) && (s.purposes.length === 0 || s.purposes.includes(purposeId))) return s;
    }
    return undefined;
  }

  // ---- writes, from the projections (copy on write: a decision never sees a half-written list) ----

  setSubject(info: SubjectInfo): void {
    this.known = true;
    this.jurisdiction = info.jurisdiction;
    this.directoryErased = info.erased;
    this.erased = this.directoryErased || this.vaultHasErased;
    this.collectedAt = info.collectedAt;
    this.contractEndedAt = info.contractEndedAt;
  }

  setVaultErased(): void {
    this.vaultHasErased = true;
    this.erased = true;
  }

  setConsent(choiceKey: number, scopeKey: number, slot: ConsentSlot): void {
    const xs = this.cells;
    for (let i = this.ordersEnd; i < xs.length; i += 3) {
      if (xs[i] === choiceKey && xs[i + 1] === scopeKey) {
        const next = xs.slice();
        next[i + 2] = slot;
        this.cells = next;
        return;
      }
    }
    this.cells = [...xs, choiceKey, scopeKey, slot];
  }

  setObjection(purposeId: string, objected: boolean): void {
    const had = this.objected(purposeId);
    if (objected && !had) this.objectedTo = [...this.objectedTo, purposeId];
    else if (!objected && had) this.objectedTo = this.objectedTo.filter((p) => p !== purposeId);
  }

  /** An order by its member's key. An order ref names one order: a repeat replaces it. */
  setOrder(orderRef: string, memberKey: number, declarations: readonly string[], contractEndedAt: number | undefined): void {
    if (contractEndedAt !== undefined) this.orderEnds = true;
    const xs = this.cells;
    const end = this.ordersEnd;
    for (let i = 0; i < end; i += 4) {
      if (xs[i + 1] === orderRef) {
        const next = xs.slice();
        next.splice(i, 4, memberKey, orderRef, declarations, contractEndedAt);
        this.cells = next;
        return;
      }
    }
    this.cells = [...xs.slice(0, end), memberKey, orderRef, declarations, contractEndedAt, ...xs.slice(end)];
    this.ordersEnd = end + 4;
  }

  addStop(stop: ScopedStop): void {
    for (const s of this.stops) if (s.requestId === stop.requestId) return;
    this.stops = [...this.stops, stop];
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
