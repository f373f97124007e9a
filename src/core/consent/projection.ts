import type { ConsentLookup, ConsentStatus } from './lookup.ts';
import { compareOrder, type ConsentAction, type ConsentEvent } from './events.ts';
import { consentAnswer, type ConsentSlot, type GateRecords } from '../gate/gate-records.ts';
import { intern, internList, internOrNull } from '../gate/intern.ts';

/**
 * Current consent state, folded from events. Applying an event keeps, per key, whichever event
 * is later in log order — so events may arrive in any order (a catch-up from another server,
 * a replay) and the state is still `fold(sorted events)`.
 *
 * Keys: (subject, declaration, scope) for grants and withdrawals, scope '' meaning every
 * recipient; (subject, purpose) for objections: the later of the last objection and the last
 * grant under the purpose wins, so consenting again after objecting lifts the objection.
 */
export interface StateEntry {
  readonly action: ConsentAction;
  readonly eventId: string;
  readonly purposeId: string;
  readonly noticeHash: string | null;
  readonly items: readonly string[];
  readonly expiresAt: number | null;
  readonly at: number;
  readonly leafIndex: number;
  readonly pos: number;
  /** The terms fingerprint recorded with the event (null when none was). */
  readonly fingerprint: string | null;
}

/** One row of the state, in the same shape as the SQL `consent_state` table. */
export interface StateRow extends StateEntry {
  readonly subjectId: string;
  readonly declarationId: string;
  readonly scope: string;
}

export interface ObjectionRow {
  readonly subjectId: string;
  readonly purposeId: string;
  readonly objected: boolean;
  readonly eventId: string;
  readonly leafIndex: number;
  readonly pos: number;
}

/** A state entry with its answers built once, so a lookup on the gate's hot path allocates nothing. */
interface Slot extends ConsentSlot {
  readonly entry: StateEntry;
}

export class ConsentProjection implements ConsentLookup {
  /**
   * subject → declaration → its unscoped slot and scoped slots (no scoped map unless a grant was
   * scoped). Two probes with the caller's own strings: a flat table keyed by a concatenated string
   * cost a new string and its hash on every lookup of the gate's hot path.
   */
  private readonly slots = new Map<string, Map<string, Node>>();
  private readonly objections = new Map<string, Map<string, ObjectionRow>>();
  /** Highest leaf applied. */
  lastLeaf = -1;

  /**
   * @param records the gate's per-subject records (src/core/gate/gate-records.ts): every slot and
   *   objection this projection decides is also written there, where the release gate reads it.
   */
  constructor(private readonly records?: GateRecords) {}

  static fold(events: Iterable<ConsentEvent>, records?: GateRecords): ConsentProjection {
    const p = new ConsentProjection(records);
    for (const e of [...events].sort(compareOrder)) p.apply(e);
    return p;
  }

  apply(e: ConsentEvent): void {
    if (e.leafIndex > this.lastLeaf) this.lastLeaf = e.leafIndex;
    if (e.action === 'object' || e.action === 'grant') this.applyObjection(e);
    if (e.action === 'object' || e.declarationId === null) return;
    let decls = this.slots.get(e.subjectId);
    if (!decls) this.slots.set(e.subjectId, (decls = new Map()));
    let node = decls.get(e.declarationId);
    if (!node) decls.set(e.declarationId, (node = { all: undefined, scoped: undefined }));
    const cur = e.recipientId === null ? node.all : node.scoped?.get(e.recipientId);
    if (cur && compareOrder(cur, e) >= 0) return;
    const entry: StateEntry = {
      action: e.action,
      eventId: e.eventId,
      purposeId: e.purposeId,
      noticeHash: e.noticeHash,
      items: e.items,
      expiresAt: e.expiresAt,
      at: e.at,
      leafIndex: e.leafIndex,
      pos: e.pos,
      fingerprint: e.fingerprint ?? null,
    };
    // The answers carry interned item lists and fingerprints: the gate compares them with its
    // own (interned) tables, and thousands of subjects share the same few.
    const items = internList(e.items);
    const fingerprint = internOrNull(e.fingerprint ?? null);
    const answer = (state: 'active' | 'withdrawn' | 'expired'): ConsentStatus =>
      Object.freeze({ state, noticeHash: e.noticeHash ?? '', items, eventId: e.eventId, at: e.at, fingerprint });
    // What an allow reads first comes first (one cache line): see GateRecord.activeConsent.
    const slot: Slot = {
      grant: e.action === 'grant',
      expiresAt: e.expiresAt,
      fingerprint,
      items,
      eventId: e.eventId,
      noticeHash: e.noticeHash ?? '',
      leafIndex: e.leafIndex,
      pos: e.pos,
      live: answer(e.action === 'withdraw' ? 'withdrawn' : 'active'),
      lapsed: answer('expired'),
      entry,
    };
    if (e.recipientId === null) node.all = slot;
    else (node.scoped ??= new Map()).set(e.recipientId, slot);
    this.records?.consent(e.subjectId, e.declarationId, e.recipientId, slot);
  }

  private applyObjection(e: ConsentEvent): void {
    let purposes = this.objections.get(e.subjectId);
    const cur = purposes?.get(e.purposeId);
    if (cur && compareOrder(cur, e) >= 0) return;
    if (!purposes) this.objections.set(e.subjectId, (purposes = new Map()));
    purposes.set(e.purposeId, {
      subjectId: e.subjectId,
      purposeId: e.purposeId,
      objected: e.action === 'object',
      eventId: e.eventId,
      leafIndex: e.leafIndex,
      pos: e.pos,
    });
    this.records?.objection(e.subjectId, intern(e.purposeId), e.action === 'object');
  }

  status(subject: string, declarationId: string, recipientId: string, at: number, scopedOnly = false): ConsentStatus {
    const node = this.slots.get(subject)?.get(declarationId);
    if (node === undefined) return NONE;
    return consentAnswer(node.all, node.scoped?.get(recipientId), at, scopedOnly);
  }

  hasObjected(subject: string, purposeId: string): boolean {
    return this.objections.get(subject)?.get(purposeId)?.objected === true;
  }

  /** Entries of one subject: (declaration, scope) → entry. */
  entriesOf(subject: string): StateRow[] {
    const out: StateRow[] = [];
    for (const [declarationId, node] of this.slots.get(subject) ?? []) {
      if (node.all) out.push({ subjectId: subject, declarationId, scope: '', ...node.all.entry });
      for (const [scope, slot] of node.scoped ?? []) out.push({ subjectId: subject, declarationId, scope, ...slot.entry });
    }
    return out.sort(rowOrder);
  }

  objectionsOf(subject: string): ObjectionRow[] {
    return [...(this.objections.get(subject)?.values() ?? [])].sort((a, b) => a.purposeId.localeCompare(b.purposeId));
  }

  /** The whole state in a canonical order: for comparing with a fold or with SQL. */
  snapshot(): { state: StateRow[]; objections: ObjectionRow[] } {
    const state: StateRow[] = [];
    for (const s of this.slots.keys()) state.push(...this.entriesOf(s));
    const objections: ObjectionRow[] = [];
    for (const s of this.objections.keys()) objections.push(...this.objectionsOf(s));
    state.sort(rowOrder);
    objections.sort((a, b) => cmp(a.subjectId, b.subjectId) || cmp(a.purposeId, b.purposeId));
    return { state, objections };
  }
}

const NONE: ConsentStatus = Object.freeze({ state: 'none' });

interface Node {
  all: Slot | undefined;
  scoped: Map<string, Slot> | undefined;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const rowOrder = (a: StateRow, b: StateRow) => cmp(a.subjectId, b.subjectId) || cmp(a.declarationId, b.declarationId) || cmp(a.scope, b.scope);
