import type { Jurisdiction } from '../registry/schema.ts';
import type { TraceStep } from './types.ts';

/**
 * Trace steps of passing checks that do not depend on the registry: shared frozen objects, so an
 * allowed decision's trace is built from constants (see `allowTrace` in gate-index.ts).
 */
export function step(check: string, ok: boolean, detail: string, article?: string): TraceStep {
  return Object.freeze(article === undefined ? { check, ok, detail } : { check, ok, detail, article });
}

export const CONSENT_OK = step('consent', true, 'an active consent covers the released items (see consentEventId, noticeHash)');
export const TRANSFER_CONSENT_OK = step('transfer_consent', true, 'an active, separate consent to the overseas transfer covers the released items (see transferConsentEventId)');
export const SUSPENSION_OK = step('suspension', true, 'no suspension order (PIPA 28-9) covers the recipient or its country');
export const ORDER_OK = step('order', true, 'a registered order of this subject with the member covers the declaration');
export const SUBJECT_OK: Readonly<Record<Jurisdiction, TraceStep>> = Object.freeze({
  KR: step('subject', true, 'subject known and not erased (KR)'),
  EU: step('subject', true, 'subject known and not erased (EU)'),
});
