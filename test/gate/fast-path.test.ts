import { isDeepStrictEqual } from 'node:util';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { benchSample, cedarCall, cedarEntities, statutoryPolicies } from '../../bench/gate.ts';
import { decide, decideTraced } from '../../src/core/gate/decide.ts';
import { allocatedBytesPerCall } from '../support/alloc.ts';

/**
 * The gate's allow path (`allowOf` in src/core/gate/decide.ts) against what it short-cuts and
 * what it is benchmarked against, on the gate bench's own world and 100k requests (bench/gate.ts):
 * the traced evaluation, Cedar-wasm running the statutory rules as policies, and the heap.
 * No timings here: those are the bench's (`npm run bench gate`).
 */
const { registry, world, reqs, ctx } = benchSample();

describe('the gate allow path on the bench workload', () => {
  it('answers every request exactly as the traced evaluation (allow and deny, items, consents, retention, trace)', () => {
    let allows = 0;
    const differ: number[] = [];
    for (let i = 0; i < reqs.length; i++) {
      const d = decide(reqs[i]!, ctx);
      if (d.allow) allows++;
      if (!isDeepStrictEqual(d, decideTraced(reqs[i]!, ctx)) && differ.length < 5) differ.push(i);
    }
    expect(differ.map((i) => ({ req: reqs[i], fast: decide(reqs[i]!, ctx), traced: decideTraced(reqs[i]!, ctx) }))).toEqual([]);
    // Both outcomes are well represented, or the comparison says little.
    expect(allows).toBeGreaterThan(reqs.length * 0.4);
    expect(allows).toBeLessThan(reqs.length * 0.8);
  });

  it('agrees with Cedar-wasm on the statutory policies over the bench sample (every 20th request)', () => {
    const policies = statutoryPolicies(registry);
    const pre = cedar.preparsePolicySet('fast-path-test', { staticPolicies: policies });
    expect(pre.type).toBe('success');
    const entities = cedarEntities(registry, world);
    const disagree: unknown[] = [];
    let sample = 0;
    for (let i = 0; i < reqs.length; i += 20) {
      sample++;
      const a = cedar.statefulIsAuthorized({ ...cedarCall(reqs[i]!, entities), preparsedPolicySetId: 'fast-path-test' });
      const theirs = a.type === 'success' && a.response.decision === 'allow';
      if (decide(reqs[i]!, ctx).allow !== theirs && disagree.length < 5) disagree.push({ req: reqs[i], theirs });
    }
    expect(sample).toBe(5000);
    expect(disagree).toEqual([]);
  });

  it('allocates only the decision object on an allow (no trace, item list, closure or string per call)', () => {
    const allows = reqs.filter((r) => decide(r, ctx).allow);
    const denies = reqs.filter((r) => !decide(r, ctx).allow);
    for (let i = 0; i < 30_000; i++) decide(allows[i % allows.length]!, ctx);
    const allow = allocatedBytesPerCall((i) => decide(allows[i % allows.length]!, ctx));
    // The decision: nine fields and a boxed retention time, about 130 bytes. The traced path
    // builds a trace array and per-step objects: a deny shows what an allow used to cost.
    const deny = allocatedBytesPerCall((i) => decide(denies[i % denies.length]!, ctx));
    expect(allow).toBeLessThanOrEqual(256);
    expect(deny).toBeGreaterThan(allow * 2);
  });
});
