import type { Party, RegistryModel } from '../../registry/model.ts';
import type { Declaration } from '../../registry/schema.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';
import { EU_ADEQUATE_COUNTRIES, EU_ADEQUATE_IF_DECLARED, transferGroundOf } from '../transfer.ts';

const meta: RuleMeta = {
  code: 'THIRD_COUNTRY_NO_GROUND',
  severity: 'error',
  articles: ['GDPR 44', 'GDPR 45', 'GDPR 46', 'GDPR 49'],
  title: 'Transfers of EU residents’ data to third countries have a Chapter V ground',
  description:
    'When the operator serves EU, every destination country outside the EEA needs: an adequacy decision (EU_ADEQUATE_COUNTRIES; the US only ' +
    'when the recipient declares `safeguards.adequacy: true`, i.e. Data Privacy Framework certification), SCC or BCR (`safeguards.scc`/`bcr` ' +
    'or `transfer.ground: scc|bcr`), or a derogation: `transfer.ground: consent` (49(1)(a) explicit consent), `contract_necessity` for a ' +
    'required purpose (49(1)(b)) or `derogation`.',
};

/** GDPR 44: data of EU residents goes to a third country only under Chapter V. */
export function thirdCountryTransferGroundEu(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('EU')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (!party) return [];
    const uncovered = model
      .destinationCountries(d)
      .filter((c) => model.isOverseas(c, 'EU') && !covered(c, d, party, model.purposes.get(d.purpose)?.required === true));
    if (uncovered.length === 0) return [];
    const where = uncovered.join(', ');
    return [
      finding(
        meta,
        d.transfer ? at(index, 'transfer', 'ground') : at(index, 'transfer'),
        `declaration "${d.id}" transfers data of EU residents to ${party.name} in ${where}, which has no adequacy decision, and declares no SCC, BCR or derogation`,
        `선언 "${d.id}"은(는) EU 정보주체의 개인정보를 적정성 결정이 없는 ${where}의 ${party.name}에게 이전하면서 표준계약조항, 구속력 있는 기업규칙 또는 예외 사유를 선언하지 않았습니다`,
      ),
    ];
  });
}

function covered(country: string, d: Declaration, party: Party, purposeRequired: boolean): boolean {
  if (EU_ADEQUATE_COUNTRIES.has(country)) return true;
  if (EU_ADEQUATE_IF_DECLARED.has(country) && party.safeguards.adequacy === true) return true;
  if (party.safeguards.scc || party.safeguards.bcr) return true;
  switch (transferGroundOf(d)) {
    case 'scc':
    case 'bcr':
    case 'consent':
    case 'derogation':
      return true;
    case 'contract_necessity':
      return purposeRequired;
    default:
      return false;
  }
}

export const overseasGroundEuRule = defineRule(meta, thirdCountryTransferGroundEu);
