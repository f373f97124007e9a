import type { Problem } from '../law/types.ts';

/**
 * Korean wording of each law-pack problem, for `message_ko`. The English message carries the pack's
 * own detail line (which names the facts); these say the same in Korean.
 */
export const PROBLEM_KO: Readonly<Record<Problem, string>> = {
  contract_not_provision: '계약 이행 필요(제15조제1항제4호)는 제3자 제공의 근거가 아닙니다. 동의 또는 제15조제1항제2호·제3호·제5호~제7호의 근거가 필요합니다',
  processor_basis_for_third_party: '수탁자가 아닌 수령자에게 처리위탁(processor)을 근거로 제공할 수 없습니다',
  transfer_mechanism: '국외 이전 수단(인증·적정성·표준계약조항·기업규칙·예외)은 처리의 법적 근거가 아닙니다',
  no_balancing_test: '정당한 이익을 근거로 하면서 이익형량 기록(balancing_test)이 없습니다',
  not_a_gdpr_basis: 'GDPR 제6조제1항의 처리 근거가 아닙니다',
  no_basis: '처리의 법적 근거가 없습니다',
  no_ground: '국외 이전 근거(transfer.ground)가 없습니다',
  not_a_ground: '해당 법의 국외 이전 근거가 아닌 것을 근거로 합니다',
  no_instrument: '법률·조약을 근거로 하면서 그 법률·조약(transfer.instrument)을 밝히지 않았습니다',
  entrustment_only: '제28조의8제1항제3호는 처리위탁·보관에만 적용되며 판매자 등 제3자 제공에는 적용되지 않습니다',
  not_disclosed: '개인정보 처리방침 등 공개 위치가 없습니다',
  items_missing: '제28조의8제2항의 고지 사항 일부가 레지스트리에 없습니다',
  not_necessary: '선택 목적이므로 계약 이행에 필요하다고 볼 수 없습니다',
  no_certification: '보호위원회가 고시한 인증(safeguards.pipc_certification)이 없습니다',
  operator_flag: '운영자가 입력한 표시(safeguards.adequacy, safeguards.certification 등)는 이전 근거가 될 수 없습니다',
  certification_not_designated: '보호위원회가 고시한 인증이 아니거나 유효하지 않습니다',
  certification_measures_missing: '인증에 따라 요구되는 조치(안전조치·권리보장, 이전국에서의 이행)가 선언되지 않았습니다',
  not_recognised: '이전 국가가 보호위원회의 동등성 인정(또는 EU 적정성 결정) 대상이 아닙니다',
  excluded_items: '인정(결정)에서 제외된 정보(주민등록번호·개인신용정보 등)를 이전합니다',
  no_safeguard: '수령자가 근거로 든 보호조치를 갖추지 않았습니다',
  scc_module_mismatch: '표준계약조항의 모듈이 수령자의 지위에 맞지 않습니다',
  bcr_outside_group: '구속력 있는 기업규칙은 그룹 밖의 제3자에게 적용되지 않습니다',
  not_occasional: 'GDPR 제49조의 예외는 반복적이지 않은 일시적 이전(transfer.occasional)에만 적용됩니다',
  no_risk_notice: 'GDPR 제49조제1항(a)의 동의에 필요한 위험 고지(transfer.risks)가 없습니다',
  agreement_missing: '수령자와의 계약(agreement)이 레지스트리에 없습니다',
  clauses_missing: '계약(agreement)에 법이 요구하는 조항이 빠져 있습니다',
  entrustment_missing: '처리위탁 정보(entrustment: 위탁 업무와 공개 위치)가 없습니다',
  marketing_not_notified: '위탁 업무가 마케팅인데 정보주체에 대한 통지(entrustment.subject_notice)가 없습니다',
  re_entrustment_without_consent: '위탁자의 동의 기록(operator_consent) 없이 재위탁을 허용합니다',
};

export const problemKo = (p: Problem | undefined): string => PROBLEM_KO[p ?? 'no_basis'];
