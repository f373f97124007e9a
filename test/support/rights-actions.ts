import type { RightsAction } from '../../src/core/rights/request.ts';

/** Identity evidence as a test records it: a method and a case reference, no personal data. */
export const EVIDENCE = { method: 'signed_in_account', reference: 'case-1' } as const;

/** The core action for a plain step name (`verify` carries the evidence it now requires). */
export const stepAction = (kind: 'verify' | 'start' | 'complete'): RightsAction => (kind === 'verify' ? { kind, evidence: EVIDENCE } : { kind });

/** The HTTP body for a plain step name. */
export const stepBody = (action: string): Record<string, unknown> => (action === 'verify' ? { action, evidence: EVIDENCE } : { action });
