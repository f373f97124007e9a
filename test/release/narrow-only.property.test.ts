import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { narrowOnly } from '../../src/app/release-service.ts';
import type { Decision } from '../../src/core/gate/types.ts';

// The rule as first written: every item of the policy's answer must be one the statutory decision
// allows in the same form (a category named twice: its last form), for the same declaration.
function reference(statutory: Decision, fromPolicy: Decision): Decision {
  if (!statutory.allow || !fromPolicy.allow) return statutory.allow ? fromPolicy : statutory;
  const allowed = new Map(statutory.items.map((i) => [i.category, i.form]));
  const ok = fromPolicy.items.every((i) => allowed.get(i.category) === i.form) && fromPolicy.declarationId === statutory.declarationId;
  return ok ? fromPolicy : statutory;
}

const category = fc.constantFrom('name', 'phone', 'address', 'email', 'customs_code');
const form = fc.constantFrom('plain', 'masked', 'token', 'safe_number');
const items = fc.array(fc.record({ category, form }), { maxLength: 24 });
const decision = (its: fc.Arbitrary<Array<{ category: string; form: string }>>) =>
  fc.record({ allow: fc.boolean(), items: its, declarationId: fc.constantFrom('d1', 'd2') }).map(
    (d) => ({ ...d, code: d.allow ? undefined : 'POLICY_DENY', trace: [] }) as unknown as Decision,
  );

describe('narrowOnly', () => {
  it('answers as the Map-based rule, for short and long item lists, duplicates included (property)', () => {
    fc.assert(
      fc.property(decision(items), fc.boolean(), decision(items), (statutory, same, other) => {
        // The policy usually answers with the statutory items themselves (Cedar: a pass step added).
        const fromPolicy = same ? ({ ...statutory, allow: other.allow, trace: [] } as unknown as Decision) : other;
        expect(narrowOnly(statutory, fromPolicy)).toBe(reference(statutory, fromPolicy));
      }),
      { numRuns: 3000 },
    );
  });
});
