import type { RightsStop } from '../gate/types.ts';
import type { GateRecords, ScopedStop } from '../gate/gate-records.ts';
import { intern } from '../gate/intern.ts';
import type { RightsRequest } from './request.ts';

/** Request types whose completion stops releases in their scope (PIPA 37; GDPR 21, 18). */
export const STOPPING_TYPES: ReadonlySet<RightsRequest['type']> = new Set(['objection', 'suspension']);

type Stop = ScopedStop;

/**
 * Completed objection and processing-suspension requests per subject, for the gate's synchronous
 * lookup. A request's scope is read as the rights service reads it when it propagates deletions:
 * empty lists mean everything; a declaration list and a purpose list must both match.
 */
export class RightsStopIndex {
  private readonly bySubject = new Map<string, Stop[]>();

  /** @param records the gate's per-subject records: each stop noted here is also written there, where the gate reads it. */
  constructor(private readonly records?: GateRecords) {}

  /** Records `r` if it is a completed stopping request (idempotent; other requests are ignored). */
  note(r: RightsRequest): void {
    if (!STOPPING_TYPES.has(r.type) || r.state !== 'completed') return;
    const list = this.bySubject.get(r.subject) ?? [];
    if (list.some((s) => s.requestId === r.id)) return;
    const stop: Stop = Object.freeze({ requestId: r.id, type: r.type as RightsStop['type'], declarations: r.scope.declarations.map(intern), purposes: r.scope.purposes.map(intern) });
    list.push(stop);
    this.bySubject.set(r.subject, list);
    this.records?.stop(r.subject, stop);
  }

  find(subject: string, declarationId: string, purposeId: string): RightsStop | undefined {
    const list = this.bySubject.get(subject);
    if (list === undefined) return undefined;
    for (const s of list) {
      if ((s.declarations.length === 0 || s.declarations.includes(declarationId)) && (s.purposes.length === 0 || s.purposes.includes(purposeId))) {
        return { requestId: s.requestId, type: s.type };
      }
    }
    return undefined;
  }
}
