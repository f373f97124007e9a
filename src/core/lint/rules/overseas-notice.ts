import type { RegistryModel } from '../../registry/model.ts';
import { entrustedTransferGaps } from '../../law/kr/transfer.ts';
import { transferCase } from '../../law/verdicts.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'OVERSEAS_NOTICE_INCOMPLETE',
  severity: 'error',
  articles: ['PIPA 28-8(2)'],
  title: 'Overseas transfers on consent or entrustment carry the 28-8(2) items',
  description:
    'Serving KR, a transfer abroad on `consent` (told before consent) or `contract_necessity` (entrusted processing or storage, ' +
    'disclosed in the privacy policy) states the time (`transfer.timing`) and method (`transfer.method`) of transfer and a recipient ' +
    'contact (e-mail or phone); an entrusted transfer also states how to refuse it and what refusing means (`transfer.refusal`, ' +
    'ko/en) — consent’s refusal is generated with the notice. Items, country, purpose and retention come from the declaration.',
};

const KO: Record<string, string> = {
  'transfer.timing': '이전 일시(transfer.timing)',
  'transfer.method': '이전 방법(transfer.method)',
  'recipient contact (e-mail or phone)': '수령자의 연락처(이메일 또는 전화번호)',
  'transfer.refusal': '이전 거부 방법과 거부의 효과(transfer.refusal)',
};

/** PIPA 28-8(2): what the subject is told about an overseas transfer. */
export function overseasNoticeItems(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('KR')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    const ground = d.transfer?.ground;
    if (!party || (ground !== 'consent' && ground !== 'contract_necessity')) return [];
    const abroad = model.destinationCountries(d).find((c) => model.isOverseas(c, 'KR'));
    if (abroad === undefined) return [];
    // The same list the 28-8(1)3 rule checks, so lint and gate agree on what "every item" means.
    const gaps = entrustedTransferGaps(transferCase(model, d, party, abroad)).filter((g) => ground === 'contract_necessity' || g !== 'transfer.refusal');
    if (gaps.length === 0) return [];
    return [
      finding(
        meta,
        at(index, 'transfer'),
        `declaration "${d.id}" transfers data abroad on ${ground} but the notice lacks ${gaps.join(', ')}`,
        `선언 "${d.id}"의 국외 이전 고지에 ${gaps.map((g) => KO[g] ?? g).join(', ')}이(가) 없습니다`,
      ),
    ];
  });
}

export const overseasNoticeRule = defineRule(meta, overseasNoticeItems);
