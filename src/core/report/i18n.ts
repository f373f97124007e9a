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
  data_of: { ko: '{c} (자료)', en: '{c} (data)' },
  bad_rows: { ko: '읽을 수 없는 행', en: 'Unreadable rows' },
  replay_period_note: { ko: '재생 기록의 기간({a} ~ {b})이 보고서 기간과 다릅니다.', en: 'The replayed records span {a} .. {b}, not the report period.' },
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
  vital_interest: { ko: '생명·신체 보호', en: 'vital interest' },
  processor: { ko: '처리 위탁', en: 'processor (on the controller’s behalf)' },
  certification: { ko: '인증', en: 'certification' },
  adequacy: { ko: '적정성 결정', en: 'adequacy' },
  scc: { ko: '표준계약조항', en: 'standard contractual clauses' },
};

const GROUND: Record<TransferGround, { ko: string; en: string }> = {
  consent: { ko: '별도 동의', en: 'separate consent' },
  contract_necessity: { ko: '계약 이행에 필요(처리방침 공개)', en: 'contract necessity (disclosed)' },
  law_or_treaty: { ko: '법률·조약', en: 'law or treaty' },
  certification: { ko: '수령자 인증', en: 'certification of the recipient' },
  adequacy: { ko: '동등성 인정 국가', en: 'adequacy / equivalence' },
  scc: { ko: '표준계약조항', en: 'standard contractual clauses' },
  bcr: { ko: '구속력 있는 기업규칙', en: 'binding corporate rules' },
  derogation: { ko: '예외 사유', en: 'derogation' },
};

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
