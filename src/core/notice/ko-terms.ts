import type { LegalBasis } from '../registry/schema.ts';
import { basisLabel } from '../report/i18n.ts';

/**
 * The words a notice rendered in Korean would otherwise show in English or as ids: legal bases,
 * recipient roles, article citations and safeguards (PIPA 22: the subject is told clearly, in
 * Korean; docs/legal/korean-text.md). The notice document keeps its own values (its hash is
 * unchanged); only the Korean rendering reads them through these.
 */
const ROLE = {
  ko: { third_party: '제3자', processor: '수탁자', affiliate: '계열사' },
  en: { third_party: 'third party', processor: 'processor', affiliate: 'affiliate' },
} as const;

export const roleText = (lang: 'ko' | 'en', role: string): string => (ROLE[lang] as Record<string, string>)[role] ?? role;

export const basisText = (lang: 'ko' | 'en', basis: string): string => {
  try {
    return basisLabel(lang, basis as LegalBasis);
  } catch {
    return basis;
  }
};

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const KO_LETTERS = '가나다라마바사아자차카타파하';

/** "PIPA 28-8(1)1" → "개인정보 보호법 제28조의8제1항제1호"; "GDPR 6(1)(a)" → "유럽연합 개인정보보호규정 제6조제1항 가목". */
export function citationKo(c: string): string {
  const m = /^(PIPA|GDPR) (\d+)(?:-(\d+))?((?:\(\d+\))*)(\d+)?((?:\([a-z]\))*)$/.exec(c);
  if (!m) return c;
  const [, law, art, sub, paras, item, letters] = m;
  const head = law === 'PIPA' ? '개인정보 보호법' : '유럽연합 개인정보보호규정';
  let out = `${head} 제${art}조${sub ? `의${sub}` : ''}`;
  for (const p of (paras ?? '').match(/\d+/g) ?? []) out += `제${p}항`;
  if (item) out += `제${item}호`;
  for (const l of (letters ?? '').match(/[a-z]/g) ?? []) out += ` ${KO_LETTERS[LETTERS.indexOf(l)] ?? l}목`;
  return out;
}

/** A safeguard line of the notice (build.ts `safeguardList`) in Korean. */
export function safeguardKo(s: string): string {
  const scc = /^standard contractual clauses: \(EU\) (\S+) module (\d)$/.exec(s);
  if (scc) return `유럽연합 표준계약조항(결정 ${scc[1]}, 모듈 ${scc[2]})`;
  const agreement = /^agreement: \S+ v(\S+)$/.exec(s);
  if (agreement) return `개인정보 국외 이전 계약(${agreement[1]} 판)`;
  if (s === 'EU-US Data Privacy Framework') return '유럽연합·미국 데이터 프라이버시 프레임워크 등재';
  const bcr = /^binding corporate rules: (.+) \(approved by (.+)\)$/.exec(s);
  if (bcr) return `구속력 있는 기업 규칙(${bcr[2]} 승인, ${bcr[1]})`;
  const cert = /^certification: (\S+) (.+)$/.exec(s);
  if (cert) return `개인정보보호위원회 지정 인증(${cert[2]})`;
  return s;
}
