import { describe, expect, it } from 'vitest';
import { refusalGrounds } from '../../src/core/rights/grounds.ts';
import { rightsNotice } from '../../src/core/rights/notice.ts';
import { applyAction, receiveRequest, RIGHTS_TYPES, type RightsAction, type RightsRequest } from '../../src/core/rights/request.ts';

/** The customer's notice of each step: their language, the facts of the step, no English in Korean. */
const t0 = Date.parse('2027-03-01T03:00:00Z');
const controller = 'Harbor Bazaar Pte. Ltd.';

function walk(j: 'KR' | 'EU', type: (typeof RIGHTS_TYPES)[number], actions: RightsAction[]): RightsRequest[] {
  const out = [receiveRequest({ id: 'rr_n', type, subject: 's', jurisdiction: j, receivedAt: t0, actor: 'k' })];
  for (const a of actions) out.push(applyAction(out.at(-1)!, a, t0 + out.length * 1000, 'k'));
  return out;
}

const V: RightsAction = { kind: 'verify', evidence: { method: 'ipin', reference: 'case-9' } };

describe('rights notices', () => {
  it('tells a Korean subject every step in Korean only, with the due date, the reason and the provision of a refusal', () => {
    for (const type of RIGHTS_TYPES) {
      const ground = refusalGrounds('KR', type).at(-1)!;
      const steps = walk('KR', type, [V, { kind: 'start' }, { kind: 'reject', reason: '관계 법령에 따른 보존 의무', article: ground.article }]);
      const notices = steps.map((r) => rightsNotice(r, controller));
      expect(notices.every((n) => n.lang === 'ko')).toBe(true);
      expect(notices[0]!.text).toContain('2027-03-11'); // received 1 March in Seoul: due by the end of 11 March
      const refusal = notices.at(-1)!;
      expect(refusal.text).toContain(ground.article);
      expect(refusal.text).toContain(ground.ko);
      expect(refusal.text).toContain('관계 법령에 따른 보존 의무.');
      expect(refusal.text).toContain('118');
      for (const n of notices) expect((n.title + n.text).replace(controller, '').replace(/PIPA [\d()-]+/g, '')).not.toMatch(/[A-Za-z]{2,}/);
    }
  });

  it('tells an EU subject in English, including an extension with its reason and new date', () => {
    const steps = walk('EU', 'erasure', [V, { kind: 'extend', reason: 'forty sellers hold the records' }, { kind: 'start' }, { kind: 'complete' }]);
    const [received, verified, extended, started, done] = steps.map((r) => rightsNotice(r, controller));
    expect(received!.lang).toBe('en');
    expect(received!.text).toContain('GDPR 17');
    expect(verified!.title).toBe('We confirmed your identity');
    expect(extended!.text).toContain('2027-06-01');
    expect(extended!.text).toContain('forty sellers hold the records.');
    expect(started!.text).toContain('2027-06-01');
    expect(done!.title).toBe('Your request is done');
  });
});
