import type { RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { transferVerdict } from '../../law/verdicts.ts';
import { problemKo } from '../law-text.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'THIRD_COUNTRY_NO_GROUND',
  severity: 'error',
  articles: ['GDPR 44', 'GDPR 45', 'GDPR 46', 'GDPR 49'],
  title: 'Transfers of EU residents’ data to third countries have a Chapter V mechanism',
  description:
    'Serving EU, every destination outside the EEA needs: a Commission adequacy decision (built-in, dated; the US only for an ' +
    'organisation on the Data Privacy Framework List, `safeguards.dpf`); standard contractual clauses named in the recipient’s ' +
    '`agreement.scc` (version 2021/914, module 1 for a controller recipient, 2 for a processor); approved BCRs (`safeguards.bcr`) for an ' +
    'affiliate or processor; or, for occasional transfers only (`transfer.occasional: true`), a derogation: `consent` (49(1)(a), with ' +
    'the risks stated in `transfer.risks`), `contract_necessity` for a required purpose (49(1)(b)) or `derogation`. Operator flags ' +
    '(`safeguards.adequacy`, free-text `safeguards.scc` or `certification`) are not mechanisms. The verdict is the one the release gate ' +
    'applies (EU law pack).',
};

/** GDPR 44: data of EU residents goes to a third country only under Chapter V. */
export function thirdCountryTransferGroundEu(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('EU')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (!party) return [];
    const failed = model
      .destinationCountries(d)
      .filter((c) => model.isOverseas(c, 'EU'))
      .map((c) => ({ c, v: transferVerdict(model, d, party, c, 'EU') }))
      .filter(({ v }) => !v.ok);
    const first = failed[0];
    if (!first) return [];
    const where = failed.map(({ c }) => c).join(', ');
    return [
      finding(
        meta,
        d.transfer ? at(index, 'transfer', 'ground') : at(index, 'transfer'),
        `declaration "${d.id}" transfers data of EU residents to ${text(party.name, 'en')} in ${where} without a Chapter V mechanism that holds: ${first.v.detail}`,
        `선언 "${d.id}"은(는) EU 정보주체의 개인정보를 ${where}의 ${text(party.name, 'ko')}에게 이전하지만 유효한 GDPR 제5장 이전 수단이 없습니다: ${problemKo(first.v.problem)}`,
      ),
    ];
  });
}

export const overseasGroundEuRule = defineRule(meta, thirdCountryTransferGroundEu);
