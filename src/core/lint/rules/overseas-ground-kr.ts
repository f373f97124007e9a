import type { RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { transferVerdict } from '../../law/verdicts.ts';
import { problemKo } from '../law-text.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'OVERSEAS_NO_GROUND',
  severity: 'error',
  articles: ['PIPA 28-8(1)'],
  title: 'Transfers of Korean residents’ data abroad have a PIPA ground that holds',
  description:
    'Serving KR, every declaration with a destination outside Korea has a PIPA 28-8(1) ground in `transfer.ground` that holds: ' +
    '`consent` (1, separate consent); `law_or_treaty` (2) naming `transfer.instrument`; `contract_necessity` (3) only for entrusted ' +
    'processing or storage (`role: processor`), never for a seller or other third party, for a required purpose, disclosed in the ' +
    'privacy policy with every 28-8(2) item (see OVERSEAS_NOTICE_INCOMPLETE); `certification` (4) only with a PIPC-designated ' +
    'certification in `safeguards.pipc_certification` (built-in list) and both required measures; `adequacy` (5) only for a country ' +
    'the PIPC has recognised (built-in, dated list, minus its exclusions). `safeguards.adequacy` and a typed `safeguards.certification` ' +
    'are never grounds; `scc`, `bcr` and `derogation` are GDPR mechanisms. The verdict is the one the release gate applies (KR law pack).',
};

/** PIPA 28-8(1): personal data of Korean residents leaves Korea only on one of five grounds. */
export function overseasTransferGroundKr(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('KR')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (!party) return [];
    const abroad = model.destinationCountries(d).filter((c) => model.isOverseas(c, 'KR'));
    const failed = abroad.map((c) => ({ c, v: transferVerdict(model, d, party, c, 'KR') })).filter(({ v }) => !v.ok);
    // Missing 28-8(2) items of an entrusted transfer are OVERSEAS_NOTICE_INCOMPLETE's finding: reported once.
    const first = failed.find(({ v }) => v.problem !== 'items_missing');
    if (!first) return [];
    const where = failed.map(({ c }) => c).join(', ');
    return [
      finding(
        meta,
        d.transfer ? at(index, 'transfer', 'ground') : at(index, 'transfer'),
        `declaration "${d.id}" transfers data of Korean residents to ${text(party.name, 'en')} (${where}) ${first.v.problem === 'no_ground' ? 'without any transfer ground; declare `transfer.ground`' : `on a ground that does not hold: ${first.v.detail}`}`,
        `선언 "${d.id}"은(는) 국내 정보주체의 개인정보를 ${text(party.name, 'ko')}(${where})에게 국외 이전하지만 ${problemKo(first.v.problem)}`,
      ),
    ];
  });
}

export const overseasGroundKrRule = defineRule(meta, overseasTransferGroundKr);
