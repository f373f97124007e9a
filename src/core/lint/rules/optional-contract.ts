import type { RegistryModel } from '../../registry/model.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'OPTIONAL_AS_CONTRACT',
  severity: 'error',
  articles: ['PIPA 22', 'PIPA 16', 'GDPR 7'],
  title: 'Optional purposes are never based on contract necessity',
  description:
    'A purpose that is not `required`, or that is `ad_targeting`, is not necessary to perform the contract: neither the declaration’s ' +
    '`legal_basis` nor its `transfer.ground` may be `contract_necessity`. Doing so bundles an optional matter into the required ones.',
};

/** PIPA 22(1)(5), GDPR 7(4): optional processing must not ride on the contract. */
export function optionalNotContractNecessity(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index, purpose }) => {
    if (!purpose || (purpose.required && !purpose.ad_targeting)) return [];
    const kind = purpose.ad_targeting ? 'ad-targeting' : 'optional';
    const kindKo = purpose.ad_targeting ? '맞춤형 광고' : '선택';
    const out: RuleFinding[] = [];
    const report = (field: string) =>
      out.push(
        finding(
          meta,
          at(index, ...field.split('.')),
          `declaration "${d.id}" uses contract necessity (${field}) for the ${kind} purpose "${purpose.id}", which is not needed to perform the contract`,
          `선언 "${d.id}"은(는) 계약 이행에 필요하지 않은 ${kindKo} 목적 "${purpose.id}"에 계약 이행 필요(${field})를 근거로 합니다`,
        ),
      );
    if (d.legal_basis === 'contract_necessity') report('legal_basis');
    if (d.transfer?.ground === 'contract_necessity') report('transfer.ground');
    return out;
  });
}

export const optionalContractRule = defineRule(meta, optionalNotContractNecessity);
