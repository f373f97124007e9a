import type { RegistryModel } from '../../registry/model.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';
import { transferGroundOf } from '../../law/transfer.ts';

const meta: RuleMeta = {
  code: 'OVERSEAS_NOTICE_INCOMPLETE',
  severity: 'error',
  articles: ['PIPA 28-8(2)'],
  title: 'Overseas transfers on consent or contract necessity carry the 28-8(2) items',
  description:
    'A transfer of Korean residents’ data abroad on `consent` (notified before consent) or `contract_necessity` (disclosed in the privacy ' +
    'policy) must state the time (`transfer.timing`) and method (`transfer.method`) of transfer and a recipient contact (e-mail or phone). ' +
    'The destination country is derived from the recipient; items, purpose and retention come from the declaration.',
};

/** PIPA 28-8(2): what the subject is told about an overseas transfer. */
export function overseasNoticeItems(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('KR')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    const ground = transferGroundOf(d);
    if (!party || (ground !== 'consent' && ground !== 'contract_necessity')) return [];
    if (!model.destinationCountries(d).some((c) => model.isOverseas(c, 'KR'))) return [];
    const missing: Array<[string, string]> = [];
    if (!d.transfer?.timing) missing.push(['the time of transfer (transfer.timing)', '이전 일시(transfer.timing)']);
    if (!d.transfer?.method) missing.push(['the method of transfer (transfer.method)', '이전 방법(transfer.method)']);
    if (!party.contact.email && !party.contact.phone) missing.push(['a recipient contact e-mail or phone', '수령자의 연락처(이메일 또는 전화번호)']);
    if (missing.length === 0) return [];
    return [
      finding(
        meta,
        at(index, 'transfer'),
        `declaration "${d.id}" transfers data abroad on ${ground} but the notice lacks ${missing.map((m) => m[0]).join(', ')}`,
        `선언 "${d.id}"의 국외 이전 고지에 ${missing.map((m) => m[1]).join(', ')}이(가) 없습니다`,
      ),
    ];
  });
}

export const overseasNoticeRule = defineRule(meta, overseasNoticeItems);
