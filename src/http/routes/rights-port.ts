import type { AppContext } from '../../app/context.ts';
import type { RightsRequest, RightsType } from '../../core/rights/request.ts';
import type { RecipientHolding } from '../../app/rights-service.ts';

/**
 * What the console and the privacy centre use of the rights service. The service is wired into
 * `AppContext` by its own feature; until it is (or in a build without it) the interfaces show
 * "not available" instead of failing — hence a structural lookup rather than a typed field.
 */
export interface RightsPort {
  receive(subjectId: string, input: { type: RightsType }, actor: string): Promise<RightsRequest>;
  requestsOf(subjectId: string, limit?: number): Promise<RightsRequest[]>;
  holdings(subjectId: string): Promise<RecipientHolding[]>;
  exportJson(subjectId: string): Promise<Record<string, unknown>>;
}

export function rightsOf(ctx: AppContext): RightsPort | undefined {
  const r = (ctx as unknown as { rights?: Partial<RightsPort> }).rights;
  return r && typeof r.receive === 'function' && typeof r.requestsOf === 'function' && typeof r.holdings === 'function' && typeof r.exportJson === 'function'
    ? (r as RightsPort)
    : undefined;
}
