import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Explanation, ReleaseResult } from '../../src/app/release-service.ts';
import type { SubjectDataSummary } from '../../src/app/vault-service.ts';
import type { OrderView } from '../../src/app/orders-service.ts';
import type * as wire from '../../src/client/wire.ts';
import { DENY_CODES, type DenyCode, type TraceStep } from '../../src/core/gate/types.ts';
import { releaseForm, type ReleaseForm } from '../../src/core/registry/schema.ts';
import type { ChoiceKind } from '../../src/core/consent/choice.ts';
import { documentedCodes } from '../hardening/codes.ts';

/**
 * The client's wire types (src/client/wire.ts) are written out so the published client needs
 * nothing of the server. They must stay the server's: the `expectTypeOf` lines fail `tsc --noEmit`
 * (the first half of `npm test`) on any difference; the value checks fail vitest on a new code or
 * form. Adding a deny code or a release form to the server means adding it to wire.ts too.
 */
describe('client wire types are the server types', () => {
  it('deny codes', () => {
    expectTypeOf<wire.DenyCode>().toEqualTypeOf<DenyCode>();
    const client: Record<wire.DenyCode, true> = {
      UNDECLARED_RECIPIENT: true, UNDECLARED_PURPOSE: true, UNDECLARED_ITEMS: true, NO_CONSENT: true,
      CONSENT_WITHDRAWN: true, CONSENT_EXPIRED: true, NO_TRANSFER_GROUND: true, RETENTION_EXPIRED: true,
      SUBJECT_OBJECTED: true, SUBJECT_ERASED: true, POLICY_DENY: true, UNKNOWN_SUBJECT: true, NO_LEGAL_BASIS: true,
      NO_ORDER: true, NO_TRANSFER_CONSENT: true, CONSENT_STALE: true, TRANSFER_SUSPENDED: true, NO_RECIPIENT_CONTRACT: true,
    };
    expect(Object.keys(client).sort()).toEqual([...DENY_CODES].sort());
  });

  it('consent choices and the consent problem codes, each documented', () => {
    expectTypeOf<wire.ConsentChoice>().toEqualTypeOf<ChoiceKind>();
    const codes: Record<wire.ConsentProblemCode, true> = {
      RECIPIENT_REQUIRED: true, INVALID_RECIPIENT_SCOPE: true, EVENT_ID_CONFLICT: true, CONSENT_NOT_APPLICABLE: true,
      DECLARATION_NOT_IN_NOTICE: true, UNKNOWN_NOTICE: true, GUARDIAN_REQUIRED: true,
    };
    for (const c of Object.keys(codes)) expect(documentedCodes()).toContain(c);
  });

  it('release forms', () => {
    expectTypeOf<wire.ReleaseForm>().toEqualTypeOf<ReleaseForm>();
    const client: Record<wire.ReleaseForm, true> = { plain: true, masked: true, safe_number: true, token: true };
    expect(Object.keys(client).sort()).toEqual([...releaseForm.options].sort());
  });

  it('responses', () => {
    expectTypeOf<wire.TraceStep>().toEqualTypeOf<TraceStep>();
    expectTypeOf<wire.Release>().toEqualTypeOf<ReleaseResult>();
    expectTypeOf<wire.Explanation>().toEqualTypeOf<Explanation>();
    expectTypeOf<wire.SubjectDataSummary>().toEqualTypeOf<SubjectDataSummary>();
    expectTypeOf<wire.Order>().toEqualTypeOf<OrderView>();
  });
});
