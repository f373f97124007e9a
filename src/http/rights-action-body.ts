import { z } from 'zod';
import { VERIFY_METHODS } from '../core/rights/grounds.ts';
import type { RightsAction } from '../core/rights/request.ts';

/**
 * The body of a rights-request action, shared by `POST /v1/rights/{rid}/actions` (admin key) and
 * the console's `POST /console/api/rights/{rid}/actions` (session). The shape is checked here;
 * what the law requires (a method from the list, a ground valid for the request's jurisdiction
 * and type, an extension still possible) is checked by the core (src/core/rights/request.ts).
 */
export const rightsActionBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('verify'),
    evidence: z.strictObject({ method: z.enum(VERIFY_METHODS), reference: z.string().min(1).max(100) }),
  }),
  z.strictObject({ action: z.enum(['start', 'complete']) }),
  z.strictObject({ action: z.literal('extend'), reason: z.string().min(1).max(2000) }),
  z.strictObject({ action: z.literal('reject'), reason: z.string().min(1).max(2000), article: z.string().min(1).max(40) }),
]);

export type RightsActionBody = z.infer<typeof rightsActionBody>;

export function toRightsAction(b: RightsActionBody): RightsAction {
  switch (b.action) {
    case 'verify':
      return { kind: 'verify', evidence: b.evidence };
    case 'extend':
      return { kind: 'extend', reason: b.reason };
    case 'reject':
      return { kind: 'reject', reason: b.reason, article: b.article };
    default:
      return { kind: b.action };
  }
}
