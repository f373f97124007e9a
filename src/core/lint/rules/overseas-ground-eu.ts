import type { RegistryModel } from '../../registry/model.ts';
import { declarationTransferVerdict } from '../../law/transfer.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'THIRD_COUNTRY_NO_GROUND',
  severity: 'error',
  articles: ['GDPR 44', 'GDPR 45', 'GDPR 46', 'GDPR 49'],
  title: 'Transfers of EU residents’ data to third countries have a Chapter V ground',
  description:
    'When the operator serves EU, every destination country outside the EEA needs: an adequacy decision (EU_ADEQUATE; the US only ' +
    'when the recipient declares `safeguards.adequacy: true`, i.e. Data Privacy Framework certification), SCC or BCR named in the ' +
    "recipient's safeguards, a certification with binding commitments, or a derogation: `transfer.ground: consent` (49(1)(a) explicit " +
    'consent), `contract_necessity` for a required purpose (49(1)(b)) or `derogation`. The verdict is the one the release gate applies ' +
    '(src/core/law/transfer.ts).',
};

/** GDPR 44: data of EU residents goes to a third country only under Chapter V. */
export function thirdCountryTransferGroundEu(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('EU')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (!party) return [];
    const uncovered = model
      .destinationCountries(d)
      .filter((c) => model.isOverseas(c, 'EU') && !declarationTransferVerdict(model, d, party.safeguards, c, 'EU').ok);
    if (uncovered.length === 0) return [];
    const where = uncovered.join(', ');
    return [
      finding(
        meta,
        d.transfer ? at(index, 'transfer', 'ground') : at(index, 'transfer'),
        `declaration "${d.id}" transfers data of EU residents to ${party.name} in ${where}, which has no adequacy decision, and declares no SCC, BCR or valid derogation`,
        `선언 "${d.id}"은(는) EU 정보주체의 개인정보를 적정성 결정이 없는 ${where}의 ${party.name}에게 이전하면서 표준계약조항, 구속력 있는 기업규칙 또는 유효한 예외 사유를 선언하지 않았습니다`,
      ),
    ];
  });
}

export const overseasGroundEuRule = defineRule(meta, thirdCountryTransferGroundEu);
