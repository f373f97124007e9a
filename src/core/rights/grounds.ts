import type { Jurisdiction } from '../registry/schema.ts';
import type { RightsType } from './request.ts';

/**
 * What a request needs before it can move on: how the requester's identity was checked, and on
 * which provision a refusal rests. Both are closed lists so that the record says something a
 * regulator can check, and so that no free text (a name, an ID number) ends up in the log.
 */

/** How identity was checked (PIPA 38(1) with the Enforcement Decree; GDPR 12(6)). */
export const VERIFY_METHODS = ['signed_in_account', 'mobile_identity', 'ipin', 'id_document', 'in_person', 'email_confirmation', 'agent_mandate'] as const;
export type VerifyMethod = (typeof VERIFY_METHODS)[number];

/**
 * The evidence's reference: a case or ticket number in the operator's own system, never the
 * evidence itself. An identifier alphabet (no spaces, no Hangul) keeps names and prose out; the
 * console says not to paste ID numbers.
 */
export const EVIDENCE_REF_RE = /^[A-Za-z0-9][A-Za-z0-9_.:#/-]{0,99}$/;

export interface VerifyEvidence {
  readonly method: VerifyMethod;
  readonly reference: string;
}

export interface RefusalGround {
  /** The citation stored with the request, e.g. `GDPR 17(3)(b)`. */
  readonly article: string;
  readonly en: string;
  readonly ko: string;
}

const KR_COMMON: readonly RefusalGround[] = [
  { article: 'PIPA 38(1)', en: 'the requester could not be identified as the data subject or their agent', ko: '정보주체 본인 또는 정당한 대리인임을 확인할 수 없음' },
];
const EU_COMMON: readonly RefusalGround[] = [
  { article: 'GDPR 12(2)', en: 'the controller is not in a position to identify the data subject (Art. 11(2))', ko: '정보주체를 식별할 수 없음(제11조제2항)' },
  { article: 'GDPR 12(5)(b)', en: 'the request is manifestly unfounded or excessive', ko: '명백히 근거가 없거나 과도한 요구' },
  { article: 'GDPR 23', en: 'a restriction provided by Union or Member State law', ko: '유럽연합 또는 회원국 법률에 따른 제한' },
];

const KR_BY_TYPE: Readonly<Record<RightsType, readonly RefusalGround[]>> = {
  access: [{ article: 'PIPA 35(4)', en: 'access is restricted by law, or would harm the life, body, property or interests of another person', ko: '법률에 따른 열람 제한 또는 다른 사람의 생명·신체·재산과 그 밖의 이익을 부당하게 침해할 우려' }],
  portability: [{ article: 'PIPA 35-2', en: 'the data is not within the scope of the transmission right, or transmission would infringe the rights of others', ko: '전송요구 대상이 아니거나 다른 사람의 권리를 침해할 우려' }],
  correction: [{ article: 'PIPA 36(1)', en: 'another law names the data as data to be collected', ko: '다른 법령에서 그 개인정보가 수집 대상으로 명시되어 있음' }],
  erasure: [{ article: 'PIPA 36(1)', en: 'another law names the data as data to be collected', ko: '다른 법령에서 그 개인정보가 수집 대상으로 명시되어 있음' }],
  withdrawal: [{ article: 'PIPA 37(2)', en: 'a ground of PIPA 37(2): required by law, harm to others, or the contract cannot be performed otherwise', ko: '법 제37조제2항 각 호의 사유(법률 규정, 타인 이익 침해, 계약 이행 곤란 등)' }],
  objection: [{ article: 'PIPA 37(2)', en: 'a ground of PIPA 37(2): required by law, harm to others, or the contract cannot be performed otherwise', ko: '법 제37조제2항 각 호의 사유(법률 규정, 타인 이익 침해, 계약 이행 곤란 등)' }],
  suspension: [{ article: 'PIPA 37(2)', en: 'a ground of PIPA 37(2): required by law, harm to others, or the contract cannot be performed otherwise', ko: '법 제37조제2항 각 호의 사유(법률 규정, 타인 이익 침해, 계약 이행 곤란 등)' }],
};

const g = (article: string, en: string, ko: string): RefusalGround => ({ article, en, ko });
const EU_BY_TYPE: Readonly<Record<RightsType, readonly RefusalGround[]>> = {
  access: [g('GDPR 15(4)', 'a copy would adversely affect the rights and freedoms of others', '사본 제공이 다른 사람의 권리와 자유를 침해함')],
  portability: [
    g('GDPR 20(1)', 'the processing is not based on consent or contract, or not carried out by automated means', '동의 또는 계약에 근거하지 않거나 자동화된 처리가 아님'),
    g('GDPR 20(4)', 'porting would adversely affect the rights and freedoms of others', '다른 사람의 권리와 자유를 침해함'),
  ],
  correction: [g('GDPR 16', 'the data is accurate and complete', '개인정보가 정확하고 완전함')],
  erasure: [
    g('GDPR 17(3)(a)', 'necessary for exercising the right of freedom of expression and information', '표현과 정보의 자유 행사에 필요'),
    g('GDPR 17(3)(b)', 'necessary for compliance with a legal obligation', '법적 의무 준수에 필요'),
    g('GDPR 17(3)(d)', 'necessary for archiving, research or statistics (Art. 89(1))', '공익적 기록보존, 연구 또는 통계 목적에 필요(제89조제1항)'),
    g('GDPR 17(3)(e)', 'necessary for the establishment, exercise or defence of legal claims', '법적 청구의 입증, 행사 또는 방어에 필요'),
  ],
  withdrawal: [],
  objection: [g('GDPR 21(1)', 'compelling legitimate grounds override, or the data is needed for legal claims', '정보주체의 이익보다 우선하는 정당한 이익 또는 법적 청구에 필요')],
  suspension: [g('GDPR 18(1)', 'none of the conditions of Art. 18(1) applies', '제18조제1항의 요건에 해당하지 않음')],
};

/** The provisions a refusal of a `type` request from a `j` subject may rest on. */
export function refusalGrounds(j: Jurisdiction, type: RightsType): readonly RefusalGround[] {
  return j === 'KR' ? [...KR_COMMON, ...KR_BY_TYPE[type]] : [...EU_COMMON, ...EU_BY_TYPE[type]];
}
