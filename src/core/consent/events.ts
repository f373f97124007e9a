/**
 * The consent ledger is event-sourced: these events are the only facts; every state (memory,
 * SQL, a receipt) is derived from them. Events carry the subject *id* because they live in the
 * operator's database; what reaches the transparency log is `ledgerEntry` below — pseudonym,
 * ids, hashes and category names only.
 */
export type ConsentAction = 'grant' | 'withdraw' | 'object';
export type ConsentActor = 'subject' | 'guardian' | 'admin';

export interface ConsentEvent {
  readonly eventId: string;
  readonly subjectId: string;
  readonly action: ConsentAction;
  /** null for objections, which are per purpose. */
  readonly declarationId: string | null;
  readonly purposeId: string;
  /** A grant or withdrawal for one recipient (a class member, e.g. one seller); null = every recipient. */
  readonly recipientId: string | null;
  /** The notice version the decision was made on (null for objections and bare withdrawals). */
  readonly noticeHash: string | null;
  readonly collectionPoint: string | null;
  /** Categories that notice showed for the declaration: consent never covers more. */
  readonly items: readonly string[];
  /**
   * Fingerprint of the declaration's terms as that notice showed them (src/core/notice/terms.ts):
   * the gate compares it with the active registry's (CONSENT_STALE). Null on events recorded
   * before terms were fingerprinted, and on objections; absent = null.
   */
  readonly fingerprint?: string | null;
  /**
   * A withdrawal asked as "everything granted" rather than naming declarations: a retry with the
   * same event id must ask the same way to replay (EVENT_ID_CONFLICT otherwise). Absent = named.
   */
  readonly withdrawAll?: boolean;
  /** Epoch ms after which a grant no longer counts; null = until withdrawn. */
  readonly expiresAt: number | null;
  /** Epoch ms. */
  readonly at: number;
  readonly channel: string;
  readonly actor: ConsentActor;
  /** What the operator keeps to prove the decision (UI version, guardian verification ref…). */
  readonly evidence: Readonly<Record<string, string>>;
  readonly receiptId: string;
  /** Log order: the ledger leaf of the batch, then the position inside it. */
  readonly leafIndex: number;
  readonly pos: number;
}

/** Total order of events: the order the ledger committed them in. */
export function compareOrder(a: { leafIndex: number; pos: number }, b: { leafIndex: number; pos: number }): number {
  return a.leafIndex - b.leafIndex || a.pos - b.pos;
}

/**
 * The transparency-log entry of one consent request (one receipt). No plaintext personal data.
 * Keys are written in JCS (sorted) order at every level: the log stores the canonical form,
 * which then equals plain JSON.stringify and skips the general canonicaliser on the write path.
 */
export function ledgerEntry(input: {
  receiptId: string;
  pseudonym: string;
  at: number;
  events: ReadonlyArray<Pick<ConsentEvent, 'eventId' | 'action' | 'declarationId' | 'purposeId' | 'noticeHash' | 'items' | 'expiresAt'> & { scoped: boolean }>;
}): Record<string, unknown> {
  return {
    at: input.at,
    events: input.events.map((e) => ({
      action: e.action,
      declarationId: e.declarationId,
      eventId: e.eventId,
      expiresAt: e.expiresAt,
      items: [...e.items],
      noticeHash: e.noticeHash,
      purposeId: e.purposeId,
      // Only *whether* a grant is scoped: a member id could identify the order's seller.
      scoped: e.scoped,
    })),
    receiptId: input.receiptId,
    subject: input.pseudonym,
    type: 'consent',
  };
}
