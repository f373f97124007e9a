import {
  consentEventsAfter,
  decisionsAfter,
  lockCursor,
  setCursor,
  type ConsentStreamRow,
  type DecisionStreamRow,
} from '../store/rights-repo.ts';
import type { Database, Sql } from '../store/sql.ts';
import type { DomainEvent, EventStream } from './stream.ts';

/**
 * Relays consent events and release decisions to the event stream. It tails their tables in
 * log order behind a cursor. Each round locks the cursor, queues the next rows' events in the
 * outbox and moves the cursor, all in one transaction. So every committed row is queued exactly
 * once, even with several servers relaying, and published at least once.
 *
 * The consent ledger and the release gate need no change for this. Their rows are their events,
 * and leaf order is commit order, because appends serialise on the ledger head.
 */
const CONSENT_CURSOR = 'stream_consent';
const DECISION_CURSOR = 'stream_release';

const CONSENT_TYPE: Record<ConsentStreamRow['action'], string> = {
  grant: 'consent.granted',
  withdraw: 'consent.withdrawn',
  object: 'consent.objected',
};

export function consentEvent(r: ConsentStreamRow): DomainEvent {
  return {
    id: `evt_${r.eventId}`,
    type: CONSENT_TYPE[r.action],
    at: r.at,
    data: {
      event_id: r.eventId,
      ledger_index: r.leafIndex,
      subject: r.subject,
      declaration: r.declarationId,
      purpose: r.purposeId,
      recipient: r.recipientId,
      items: r.items,
    },
  };
}

export function decisionEvent(r: DecisionStreamRow): DomainEvent {
  return {
    id: `evt_${r.decisionId}`,
    type: r.allow ? 'release.allowed' : 'release.denied',
    at: r.at,
    data: {
      decision_id: r.decisionId,
      ledger_index: r.leafIndex,
      recipient: r.recipient,
      subject: r.subject,
      purpose: r.purpose,
      declaration: r.declarationId,
      basis: r.basis,
      code: r.code,
      items: r.items,
    },
  };
}

export class EventRelay {
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly db: Database,
    private readonly events: EventStream,
    private readonly batch = 500,
  ) {}

  /** Relays until both tables are caught up; returns how many events were queued. Serialised. */
  run(): Promise<number> {
    const next = this.running.then(async () => {
      let total = 0;
      for (;;) {
        const n = (await this.round(CONSENT_CURSOR, (tx, at) => consentEventsAfter(tx, at, this.batch), consentEvent)) +
          (await this.round(DECISION_CURSOR, (tx, at) => decisionsAfter(tx, at, this.batch), decisionEvent));
        total += n;
        if (n === 0) return total;
      }
    });
    this.running = next.catch(() => 0);
    return next;
  }

  private round<R extends { leafIndex: number }>(
    cursor: string,
    read: (tx: Sql, after: number) => Promise<R[]>,
    toEvent: (r: R) => DomainEvent,
  ): Promise<number> {
    if (!this.events.enabled) return Promise.resolve(0);
    return this.db.transaction(async (tx) => {
      const at = await lockCursor(tx, cursor);
      const rows = await read(tx, at);
      if (rows.length === 0) return 0;
      await this.events.enqueue(tx, ...rows.map(toEvent));
      await setCursor(tx, cursor, rows[rows.length - 1]!.leafIndex);
      return rows.length;
    });
  }
}
