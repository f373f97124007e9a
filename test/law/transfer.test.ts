import { describe, expect, it } from 'vitest';
import { transferVerdict, type TransferCase } from '../../src/core/law/transfer.ts';

const kr = (c: Partial<TransferCase>) =>
  transferVerdict({ jurisdiction: 'KR', country: 'CN', ground: undefined, safeguards: {}, disclosedIn: undefined, purposeRequired: true, ...c });
const eu = (c: Partial<TransferCase>) =>
  transferVerdict({ jurisdiction: 'EU', country: 'CN', ground: undefined, safeguards: {}, disclosedIn: undefined, purposeRequired: true, ...c });

describe('transfer verdict (shared by lint, gate, replay and reports)', () => {
  it('PIPA 28-8(1): the five grounds, each with its own condition', () => {
    expect(kr({})).toMatchObject({ ok: false, problem: 'no_ground', article: 'PIPA 28-8(1)' });
    expect(kr({ ground: 'consent' })).toMatchObject({ ok: true, article: 'PIPA 28-8(1)1' });
    expect(kr({ ground: 'law_or_treaty' })).toMatchObject({ ok: true, article: 'PIPA 28-8(1)2' });
    expect(kr({ ground: 'contract_necessity' })).toMatchObject({ ok: false, problem: 'not_disclosed' });
    expect(kr({ ground: 'contract_necessity', disclosedIn: 'https://m.example/privacy' })).toMatchObject({ ok: true, article: 'PIPA 28-8(1)3' });
    expect(kr({ ground: 'certification' })).toMatchObject({ ok: false, problem: 'no_certification' });
    expect(kr({ ground: 'certification', safeguards: { certification: 'ISMS-P' } })).toMatchObject({ ok: true, article: 'PIPA 28-8(1)4' });
    expect(kr({ ground: 'adequacy' })).toMatchObject({ ok: false, problem: 'not_recognised' });
    expect(kr({ ground: 'adequacy', safeguards: { adequacy: true } })).toMatchObject({ ok: true, article: 'PIPA 28-8(1)5' });
    // SCCs are a GDPR mechanism, not a PIPA ground, even when signed.
    expect(kr({ ground: 'scc', safeguards: { scc: 'SCC 2021/914' } })).toMatchObject({ ok: false, problem: 'not_a_ground' });
  });

  it('GDPR: adequacy first, then signed safeguards, then the Art. 49 derogations', () => {
    expect(eu({ country: 'KR' })).toMatchObject({ ok: true, article: 'GDPR 45' });
    expect(eu({ country: 'US' })).toMatchObject({ ok: false, problem: 'no_ground', article: 'GDPR 44' });
    expect(eu({ country: 'US', safeguards: { adequacy: true } })).toMatchObject({ ok: true, article: 'GDPR 45' });
    // A self-declared adequacy does not make China adequate.
    expect(eu({ safeguards: { adequacy: true } }).ok).toBe(false);
    expect(eu({ safeguards: { scc: 'SCC 2021/914' } })).toMatchObject({ ok: true, article: 'GDPR 46(2)(c)' });
    expect(eu({ ground: 'scc' })).toMatchObject({ ok: false, problem: 'no_safeguard' });
    expect(eu({ safeguards: { bcr: 'BCR-1' } })).toMatchObject({ ok: true, article: 'GDPR 47' });
    expect(eu({ ground: 'consent' })).toMatchObject({ ok: true, article: 'GDPR 49(1)(a)' });
    expect(eu({ ground: 'contract_necessity' })).toMatchObject({ ok: true, article: 'GDPR 49(1)(b)' });
    expect(eu({ ground: 'contract_necessity', purposeRequired: false })).toMatchObject({ ok: false, problem: 'not_necessary' });
    expect(eu({ ground: 'law_or_treaty' })).toMatchObject({ ok: false, problem: 'not_a_ground' });
  });
});
