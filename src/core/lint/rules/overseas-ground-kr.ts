import type { RegistryModel } from '../../registry/model.ts';
import { declarationTransferVerdict, transferGroundOf, type TransferProblem } from '../../law/transfer.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'OVERSEAS_NO_GROUND',
  severity: 'error',
  articles: ['PIPA 28-8(1)'],
  title: 'Transfers of Korean residents’ data abroad have a PIPA ground',
  description:
    'When the operator serves KR, every declaration whose recipient (or any country of a recipient class) is outside Korea needs a ' +
    'PIPA 28-8(1) ground in `transfer.ground`: `consent` (separate consent), `contract_necessity` disclosed in the privacy policy ' +
    '(`transfer.disclosed_in` or `operator.privacy_policy_url`), `law_or_treaty`, `certification` (the recipient declares ' +
    '`safeguards.certification`) or `adequacy` (the recipient declares `safeguards.adequacy: true`; the PIPC has recognised few countries). ' +
    'SCC, BCR and GDPR derogations are not PIPA grounds. The verdict is the one the release gate applies (src/core/law/transfer.ts).',
};

const PROBLEM: Record<TransferProblem, { en: string; ko: string }> = {
  no_ground: { en: 'without any transfer ground; declare `transfer.ground`', ko: '국외 이전 근거(transfer.ground)가 없습니다' },
  not_disclosed: {
    en: 'on contract necessity, but the transfer is not disclosed in a privacy policy (`transfer.disclosed_in` or `operator.privacy_policy_url`)',
    ko: '계약 이행 필요를 근거로 하면서 개인정보 처리방침 공개(transfer.disclosed_in 또는 operator.privacy_policy_url)가 없습니다',
  },
  no_certification: {
    en: 'on certification, but the recipient declares no `safeguards.certification`',
    ko: '인증을 근거로 하면서 수령자의 인증(safeguards.certification)이 없습니다',
  },
  not_recognised: {
    en: 'on adequacy, but the recipient does not declare `safeguards.adequacy: true` (a country recognised by the PIPC)',
    ko: '동등성 인정을 근거로 하면서 수령자가 개인정보보호위원회가 인정한 국가(safeguards.adequacy: true)임을 선언하지 않았습니다',
  },
  not_a_ground: { en: 'on a ground PIPA 28-8(1) does not know', ko: '개인정보 보호법 제28조의8 제1항에 없는 근거를 사용합니다' },
  no_safeguard: { en: 'on a safeguard the recipient does not name', ko: '수령자가 선언하지 않은 보호조치를 근거로 합니다' },
  not_necessary: { en: 'on a necessity that does not hold for this purpose', ko: '이 목적에는 해당하지 않는 필요성을 근거로 합니다' },
};

/** PIPA 28-8(1): personal data of Korean residents leaves Korea only on one of five grounds. */
export function overseasTransferGroundKr(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('KR')) return [];
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (!party) return [];
    const abroad = model.destinationCountries(d).filter((c) => model.isOverseas(c, 'KR'));
    // The ground does not depend on the country under PIPA, so the first failing one speaks for all.
    const failed = abroad.map((c) => declarationTransferVerdict(model, d, party.safeguards, c, 'KR')).find((v) => !v.ok);
    if (!failed) return [];
    const problem =
      failed.problem === 'not_a_ground'
        ? {
            en: `on "${transferGroundOf(d)}", which is not a ground under PIPA 28-8(1) (use consent, contract_necessity, law_or_treaty, certification or adequacy)`,
            ko: `"${transferGroundOf(d)}"을(를) 근거로 하지만 이는 개인정보 보호법 제28조의8 제1항의 이전 근거가 아닙니다`,
          }
        : PROBLEM[failed.problem ?? 'no_ground'];
    const where = abroad.join(', ');
    return [
      finding(
        meta,
        d.transfer ? at(index, 'transfer', 'ground') : at(index, 'transfer'),
        `declaration "${d.id}" transfers data of Korean residents to ${party.name} (${where}) ${problem.en}`,
        `선언 "${d.id}"은(는) 국내 정보주체의 개인정보를 ${party.name}(${where})에게 국외 이전하지만 ${problem.ko}`,
      ),
    ];
  });
}

export const overseasGroundKrRule = defineRule(meta, overseasTransferGroundKr);
