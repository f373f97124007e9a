import type { Lang } from './model.ts';
import type { LegalBasis, Retention, TransferGround } from '../registry/schema.ts';
import { parseDuration } from '../time/duration.ts';

/** Every fixed string of the reports, in Korean and English. */
const STRINGS = {
  title: { ko: '개인정보 처리 현황 보고서', en: 'Personal data processing report' },
  period: { ko: '대상 기간', en: 'Period' },
  generated: { ko: '작성 시각', en: 'Generated' },
  registry: { ko: '레지스트리 해시', en: 'Registry hash' },
  checkpoint: { ko: '투명성 로그 체크포인트', en: 'Transparency-log checkpoint' },
  sources: { ko: '데이터 출처', en: 'Data sources' },
  notes: { ko: '참고', en: 'Notes' },
  contents: { ko: '목차', en: 'Contents' },
  yes: { ko: '예', en: 'yes' },
  no: { ko: '아니오', en: 'no' },
  none: { ko: '없음', en: 'none' },
  required: { ko: '필수', en: 'required' },
  optional: { ko: '선택', en: 'optional' },
  // GDPR 30
  ropa: { ko: '처리활동 기록 (GDPR 제30조)', en: 'Record of processing activities (GDPR Art. 30)' },
  controller: { ko: '개인정보처리자', en: 'Controller' },
  representative: { ko: 'EU 대리인', en: 'Representative in the Union' },
  dpo: { ko: '개인정보 보호책임자', en: 'Privacy officer' },
  subjects_cat: { ko: '정보주체 범주', en: 'Categories of data subjects' },
  subjects_value: { ko: '서비스 이용자(고객)', en: 'Users of the service (customers)' },
  purpose: { ko: '처리 목적', en: 'Purpose' },
  basis: { ko: '법적 근거', en: 'Legal basis' },
  items: { ko: '개인정보 항목', en: 'Personal data' },
  recipients: { ko: '수령자', en: 'Recipients' },
  third_country: { ko: '제3국 이전 및 보호조치', en: 'Third-country transfers and safeguards' },
  retention: { ko: '보유 기간', en: 'Retention' },
  security: { ko: '안전조치', en: 'Security measures' },
  security_text: {
    ko: '레지스트리에는 안전조치가 기록되지 않습니다. 안전조치 기준(GDPR 제32조, 개인정보 보호법 제29조)에 관한 문서를 첨부하십시오.',
    en: 'The registry does not record security measures: attach the security policy (GDPR Art. 32, PIPA 29).',
  },
  // PIPA 30
  policy: { ko: '개인정보 처리방침 기재사항 (개인정보 보호법 제30조)', en: 'Privacy-policy items (PIPA 30)' },
  policy_purposes: { ko: '처리 목적 및 항목', en: 'Purposes and items processed' },
  required_or_optional: { ko: '필수/선택', en: 'Required or optional' },
  policy_retention: { ko: '보유 및 이용 기간', en: 'Retention periods' },
  policy_third: { ko: '제3자 제공', en: 'Provision to third parties' },
  recipient: { ko: '제공받는 자', en: 'Recipient' },
  recipient_purpose: { ko: '제공받는 자의 이용 목적', en: 'Recipient’s purpose' },
  policy_processors: { ko: '처리 위탁', en: 'Processors (outsourcing)' },
  processor: { ko: '수탁자', en: 'Processor' },
  task: { ko: '위탁 업무', en: 'Task' },
  policy_overseas: { ko: '국외 이전', en: 'Overseas transfers' },
  country: { ko: '이전 국가', en: 'Country' },
  timing_method: { ko: '이전 일시 및 방법', en: 'Timing and method' },
  contact: { ko: '연락처', en: 'Contact' },
  ground: { ko: '이전 근거', en: 'Ground' },
  refusal: { ko: '이전 거부 방법 및 거부의 효과', en: 'How to refuse, and what refusing means' },
  refuse_consent: { ko: '국외 이전 동의를 거부할 수 있으며, 거부하면 해당 제공이 이루어지지 않습니다', en: 'Refuse the separate transfer consent; the transfer then does not take place' },
  work: { ko: '위탁 업무', en: 'Entrusted work' },
  disclosed: { ko: '공개 위치', en: 'Disclosed in' },
  policy_rights: { ko: '정보주체의 권리와 행사 방법', en: 'Rights of data subjects and how to exercise them' },
  rights_text: {
    ko: '정보주체는 개인정보의 열람(제35조), 전송 요구(제35조의2), 정정·삭제(제36조), 처리정지 및 동의 철회(제37조)를 요구할 수 있으며, 아래 개인정보 보호책임자에게 요청할 수 있습니다.',
    en: 'Data subjects may request access (PIPA 35), transmission (35-2), correction or deletion (36), suspension of processing and withdrawal of consent (37) from the privacy officer below.',
  },
  domestic_agent: { ko: '국내대리인', en: 'Domestic agent (Korea)' },
  no_agent: { ko: '지정되지 않음', en: 'none designated' },
  // Transfers
  register: { ko: '국외 이전 대장', en: 'Cross-border transfer register' },
  valid: { ko: '근거 유효', en: 'Ground valid' },
  releases: { ko: '제공 건수', en: 'Releases' },
  subjects: { ko: '정보주체 수', en: 'Subjects' },
  undeclared_recipient: { ko: '미신고 수령자', en: 'undeclared recipient' },
  no_volumes: { ko: '제공 건수 자료가 없습니다(--replay로 재생 요약을 지정).', en: 'No volume source: pass a replay summary (--replay) for releases and subjects.' },
  register_text: {
    ko: '신고된 선언의 국외 목적지별 이전과, 재생 결과 확인된 미신고 수령자에 대한 국외 이전입니다. 정보주체 수는 선언·국가별 고유 정보주체 수입니다.',
    en: 'Declared transfers per destination outside the subjects’ jurisdiction, and transfers abroad to undeclared recipients found by the replay. Subjects are distinct per declaration and country.',
  },
  // Replay
  replay: { ko: '공유 기록 재생 결과', en: 'Replay of share records' },
  replay_text: { ko: '과거 공유 기록을 각 기록 시점의 레지스트리와 동의 이력으로 판정한 결과입니다.', en: 'Legacy share records judged as of their own timestamps against the registry and the consent history.' },
  code: { ko: '위반 코드', en: 'Code' },
  article: { ko: '조문', en: 'Article' },
  records: { ko: '기록 수', en: 'Records' },
  violating: { ko: '위반 기록', en: 'Violating records' },
  affected: { ko: '영향받은 정보주체', en: 'Affected subjects' },
  month: { ko: '월', en: 'Month' },
  by_rule_chart: { ko: '위반 코드별 기록 수', en: 'Records by violation code' },
  by_country_chart: { ko: '이전 국가별 위반 기록 수', en: 'Violating records by destination country' },
  by_month_chart: { ko: '월별 공유 및 위반 기록', en: 'Shares and violations per month' },
  totals: { ko: '합계', en: 'Totals' },
  by_law: { ko: '기록 날짜에 시행 중이던 법 버전별 위반', en: 'Violations by the law version in force on each record’s date' },
  law_version: { ko: '법 버전', en: 'Law version' },
  in_force: { ko: '시행 기간', en: 'In force' },
  several_codes: {
    ko: '한 기록에 여러 위반 코드가 붙을 수 있어 코드별 기록 수의 합({n})은 위반 기록 수({v})보다 큽니다.',
    en: 'One record can carry several codes: the per-code counts add up to {n}, more than the {v} violating records.',
  },
  data_of: { ko: '{c} (자료)', en: '{c} (data)' },
  bad_rows: { ko: '읽을 수 없는 행', en: 'Unreadable rows' },
  replay_period_note: { ko: '재생 기록의 기간({a} ~ {b})이 보고서 기간과 다릅니다.', en: 'The replayed records span {a} .. {b}, not the report period.' },
  // Stored decisions, consents, rights (stored.ts)
  stored_register: { ko: '수령자별 국외 이전 (저장된 제공 결정)', en: 'Cross-border transfers by recipient (stored release decisions)' },
  stored_register_text: {
    ko: '게이트가 허용한 제공 결정 중 정보주체의 관할 밖으로 이전된 것입니다. 클래스 수령자는 개별 구성원(판매자)별로 표시합니다.',
    en: 'Releases the gate allowed to a destination outside the subject’s jurisdiction. Class recipients are listed per member (e.g. per seller).',
  },
  class: { ko: '수령자 분류', en: 'Class' },
  declaration: { ko: '선언', en: 'Declaration' },
  provisions: { ko: '개인정보 제3자 제공 기록 (개인정보 보호법 제17조)', en: 'Third-party provision records (PIPA 17)' },
  provisions_text: { ko: '허용된 제공 결정 {n}건 중 {k}건을 표시합니다. 전체 목록은 CSV 형식에 있습니다.', en: 'Showing {k} of {n} allowed releases; the CSV format has the full list.' },
  provisions_all: { ko: '허용된 제공 결정 {n}건 전체입니다.', en: 'All {n} allowed releases.' },
  at: { ko: '일시', en: 'When' },
  pseudonym: { ko: '정보주체(가명)', en: 'Subject (pseudonym)' },
  leaf: { ko: '로그 인덱스', en: 'Log index' },
  consents: { ko: '목적별 동의 통계', en: 'Consent statistics per purpose' },
  consents_text: {
    ko: '거부는 고지에 대해 동의하지 않음으로 응답하고 그 전에 동의한 적이 없는 경우입니다. 거부율 = 거부 / (동의 + 거부).',
    en: 'A refusal is a "no" answered on a notice by a subject who had not granted that declaration before. Refusal rate = refusals / (grants + refusals).',
  },
  grants: { ko: '동의', en: 'Grants' },
  withdrawals: { ko: '철회', en: 'Withdrawals' },
  refusals: { ko: '거부', en: 'Refusals' },
  objections: { ko: '처리 거부(반대)', en: 'Objections' },
  refusal_rate: { ko: '거부율', en: 'Refusal rate' },
  consents_chart: { ko: '기간별 동의·철회·거부', en: 'Grants, withdrawals and refusals over time' },
  day: { ko: '일', en: 'Day' },
  denies: { ko: '제공 거부 통계 (코드·조문별)', en: 'Denied releases by code and article' },
  denies_chart: { ko: '거부 코드별 건수', en: 'Denied releases by code' },
  decisions_chart: { ko: '기간별 허용 및 거부 결정', en: 'Allowed and denied releases over time' },
  allowed: { ko: '허용', en: 'Allowed' },
  denied: { ko: '거부', en: 'Denied' },
  count: { ko: '건수', en: 'Count' },
  rights: { ko: '정보주체 권리 행사 요청과 처리 기한', en: 'Rights requests and deadlines' },
  rights_period: { ko: '기간 중 접수된 요청. 기준 시각: {at}.', en: 'Requests received in the period, as of {at}.' },
  type: { ko: '유형', en: 'Type' },
  received: { ko: '접수', en: 'Received' },
  in_time: { ko: '기한 내 처리', en: 'Closed in time' },
  late: { ko: '기한 후 처리', en: 'Closed late' },
  open_in_time: { ko: '처리 중(기한 내)', en: 'Open, not yet due' },
  overdue: { ko: '처리 중(기한 경과)', en: 'Open, overdue' },
  verification: { ko: '검증 정보', en: 'Verification' },
  verification_text: {
    ko: '이 보고서의 모든 수치는 크기 {n}의 서명된 체크포인트에 대해 계산되었습니다. 집계된 모든 제공 결정과 동의 이벤트의 로그 인덱스는 {n} 미만입니다. 아래 검증 키로 체크포인트 서명을 확인하고, 각 결정의 포함 증명은 GET /v1/ledger/entries/{index}로 받을 수 있습니다.',
    en: 'Every number in this report was computed against the signed checkpoint of size {n}: every counted release decision and consent event has a log index below {n}. Check the note’s signature with the verifier key below; GET /v1/ledger/entries/{index} returns any decision’s inclusion proof.',
  },
  checkpoint_note: { ko: '체크포인트 (C2SP tlog-checkpoint)', en: 'Checkpoint note (C2SP tlog-checkpoint)' },
  verifier_key: { ko: '검증 키', en: 'Verifier key' },
  // Breach (breach.ts)
  breach: { ko: '침해 영향 평가 (개인정보 보호법 제34조, GDPR 제33조·제34조)', en: 'Breach impact (PIPA 34, GDPR 33, 34)' },
  any: { ko: '전체', en: 'any' },
  window: { ko: '침해 의심 기간', en: 'Window believed compromised' },
  discovered: { ko: '인지 시각', en: 'Discovered' },
  pipc_required: { ko: '개인정보위 신고 대상', en: 'PIPC report required' },
  deadlines: { ko: '통지·신고 기한', en: 'Notification deadlines' },
  duty: { ko: '의무', en: 'Duty' },
  due: { ko: '기한', en: 'Due' },
  applies: { ko: '해당', en: 'Applies' },
  sensitivity: { ko: '민감도', en: 'Sensitivity' },
  affected_pseudonyms: { ko: '영향받은 정보주체(가명)', en: 'Affected subjects (pseudonyms)' },
  unauthorised_access: { ko: '외부로부터의 불법적인 접근에 의한 유출', en: 'Leak by unauthorised access from outside' },
  not_stated: { ko: '밝히지 않음', en: 'not stated' },
  subject_communication: { ko: '정보주체 통지 (GDPR 제34조)', en: 'Communication to data subjects (GDPR 34)' },
  subject_notice_draft: { ko: '정보주체 통지문 초안 ([[…]]: 개인정보처리자가 채울 부분)', en: 'Draft notice to the affected subjects ([[…]]: to be written by the controller)' },
  without_undue_delay: { ko: '지체 없이', en: 'without undue delay' },
  pseudonyms_in_csv: { ko: '영향받은 정보주체의 가명 목록은 CSV 형식에 있습니다.', en: 'The pseudonyms of the affected subjects are in the CSV format.' },
} as const;

export type Key = keyof typeof STRINGS;

export function t(lang: Lang, key: Key, vars: Record<string, string> = {}): string {
  let s: string = STRINGS[key][lang];
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}

const BASIS: Record<LegalBasis, { ko: string; en: string }> = {
  consent: { ko: '동의', en: 'consent' },
  contract_necessity: { ko: '계약 이행', en: 'contract necessity' },
  legal_obligation: { ko: '법령상 의무', en: 'legal obligation' },
  public_task: { ko: '공공기관의 법령상 업무', en: 'public task' },
  vital_interest: { ko: '생명·신체 보호', en: 'vital interest' },
  legitimate_interest: { ko: '명백히 우선하는 정당한 이익', en: 'legitimate interests' },
  public_safety: { ko: '공공의 안전', en: 'urgent public safety' },
  processor: { ko: '처리 위탁', en: 'processor (on the controller’s behalf)' },
  // Transfer mechanisms: never legal bases (the lint refuses them); labelled so a report can say what was declared.
  certification: { ko: '인증(법적 근거 아님)', en: 'certification (not a legal basis)' },
  adequacy: { ko: '적정성 결정(법적 근거 아님)', en: 'adequacy (not a legal basis)' },
  scc: { ko: '표준계약조항(법적 근거 아님)', en: 'standard contractual clauses (not a legal basis)' },
  bcr: { ko: '구속력 있는 기업규칙(법적 근거 아님)', en: 'binding corporate rules (not a legal basis)' },
  derogation: { ko: '예외 사유(법적 근거 아님)', en: 'derogation (not a legal basis)' },
};

const GROUND: Record<TransferGround, { ko: string; en: string }> = {
  consent: { ko: '별도 동의', en: 'separate consent' },
  contract_necessity: { ko: '계약 이행을 위한 처리위탁·보관(처리방침 공개)', en: 'entrusted processing or storage for the contract (disclosed)' },
  law_or_treaty: { ko: '법률·조약', en: 'law or treaty' },
  certification: { ko: '수령자 인증', en: 'certification of the recipient' },
  adequacy: { ko: '동등성 인정 국가·적정성 결정', en: 'adequacy / equivalence' },
  scc: { ko: '표준계약조항', en: 'standard contractual clauses' },
  bcr: { ko: '구속력 있는 기업규칙', en: 'binding corporate rules' },
  derogation: { ko: '예외 사유', en: 'derogation' },
};

/** What actually carries a valid transfer: the mechanism of the rule that granted it, else the declared ground. */
export function carryingGround(declared: TransferGround | undefined, v: { ok: boolean; rule: string }): TransferGround | undefined {
  if (!v.ok) return declared;
  const byRule: Record<string, TransferGround> = { 'EU.ADEQUACY': 'adequacy', 'EU.SCC': 'scc', 'EU.BCR': 'bcr', 'KR.TRANSFER_EQUIVALENCE': 'adequacy' };
  return byRule[v.rule] ?? declared;
}

export const basisLabel = (lang: Lang, b: LegalBasis) => BASIS[b][lang];
export const groundLabel = (lang: Lang, g: TransferGround | undefined) => (g ? GROUND[g][lang] : t(lang, 'none'));

/** `P90D from contract_end` → "90 days after the end of the contract" / "계약 종료 후 90일". */
export function retentionLabel(lang: Lang, r: Retention): string {
  if (r === 'indefinite') return lang === 'ko' ? '기한 없음(목적 달성 시 파기)' : 'no fixed period (until the purpose is achieved)';
  const d = parseDuration(r.duration);
  const amounts = [d.years, d.months, d.weeks, d.days, d.hours, d.minutes, d.seconds];
  const units = lang === 'ko' ? ['년', '개월', '주', '일', '시간', '분', '초'] : ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  const parts = amounts.flatMap((n, i) => (n === 0 ? [] : [lang === 'ko' ? `${n}${units[i]}` : `${n} ${units[i]}${n === 1 ? '' : 's'}`]));
  const span = parts.join(lang === 'ko' ? ' ' : ', ') || r.duration;
  const from = {
    release: { ko: '제공일로부터', en: 'after each release' },
    contract_end: { ko: '계약 종료 후', en: 'after the end of the contract' },
    collection: { ko: '수집일로부터', en: 'after collection' },
  }[r.from];
  return lang === 'ko' ? `${from.ko} ${span}` : `${span} ${from.en}`;
}
