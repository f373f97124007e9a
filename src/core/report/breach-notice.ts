import type { RegistryModel } from '../registry/model.ts';
import { text as txt } from '../registry/local-text.ts';
import { categoryLabel } from './labels.ts';
import type { Lang } from './model.ts';

/**
 * The notice to the affected subjects (PIPA 34(1); GDPR 34(2)), drafted from what the assessment
 * knows: the items, the window, the controller's contact. What only the controller knows — how
 * the leak happened, its likely consequences, the measures taken — is left as marked gaps
 * (`to_fill`) rather than invented. One text for every affected subject: it names no subject.
 *
 * PIPA 34(1) items: 1 the items leaked, 2 when and how, 3 what the subject can do to limit the
 * harm, 4 the controller's measures and remedies, 5 the department and contact for reports.
 * GDPR 34(2): the nature of the breach, the contact point (Art. 33(3)(b)), the likely consequences
 * (33(3)(c)) and the measures taken or proposed (33(3)(d)), in clear and plain language.
 */
export type BreachNoticeGap = 'how_it_happened' | 'likely_consequences' | 'measures_taken' | 'what_you_can_do';

export interface BreachSubjectNotice {
  readonly ko: { readonly subject: string; readonly text: string };
  readonly en: { readonly subject: string; readonly text: string };
  /** Parts the controller must write before sending; each marked `[[gap]]` in the texts. */
  readonly to_fill: readonly BreachNoticeGap[];
}

const GAPS: readonly BreachNoticeGap[] = ['how_it_happened', 'likely_consequences', 'measures_taken', 'what_you_can_do'];
const gap = (g: BreachNoticeGap) => `[[${g}]]`;

const T = {
  ko: {
    subject: (c: string) => `[${c}] 개인정보 유출 사실 안내`,
    intro: (c: string) => `${c}는 고객님의 개인정보가 유출되었거나 유출되었을 가능성이 있어 「개인정보 보호법」 제34조에 따라 알려 드립니다.`,
    items: '1. 유출된 개인정보 항목',
    when: '2. 유출 시점과 경위',
    window: (f: string, t: string) => `   해당 기간: ${f} ~ ${t}`,
    discovered: (d: string) => `   인지 시점: ${d}`,
    advice: '3. 피해를 최소화하기 위하여 고객님께서 하실 수 있는 방법',
    consequences: '4. 발생할 수 있는 피해',
    measures: '5. 당사의 대응조치 및 피해 구제절차',
    contact: (n: string, e: string, p: string) => `6. 피해 신고·문의: 개인정보 보호책임자 ${n} (${e}, ${p})`,
  },
  en: {
    subject: (c: string) => `[${c}] A breach of your personal data`,
    intro: (c: string) => `${c} is telling you that your personal data has been, or may have been, exposed in a personal data breach (PIPA Article 34; GDPR Article 34).`,
    items: '1. The personal data concerned',
    when: '2. When and how it happened',
    window: (f: string, t: string) => `   Period concerned: ${f} to ${t}`,
    discovered: (d: string) => `   We became aware of it on: ${d}`,
    advice: '3. What you can do to limit the harm',
    consequences: '4. Likely consequences',
    measures: '5. What we have done and will do, and how to seek redress',
    contact: (n: string, e: string, p: string) => `6. To report harm or ask questions: our privacy officer ${n} (${e}, ${p})`,
  },
} as const;

function text(m: RegistryModel, lang: Lang, b: { items: ReadonlyArray<{ category: string }>; window: { from: string | null; to: string | null }; discovered_at: string }): { subject: string; text: string } {
  const x = T[lang];
  const op = m.operator;
  const lines = [
    x.intro(txt(op.legal_name, lang)),
    '',
    x.items,
    `   ${b.items.map((i) => categoryLabel(m, lang, i.category)).join(', ') || '—'}`,
    x.when,
    ...(b.window.from !== null || b.window.to !== null ? [x.window(b.window.from ?? '…', b.window.to ?? '…')] : []),
    x.discovered(b.discovered_at),
    `   ${gap('how_it_happened')}`,
    x.advice,
    `   ${gap('what_you_can_do')}`,
    x.consequences,
    `   ${gap('likely_consequences')}`,
    x.measures,
    `   ${gap('measures_taken')}`,
    x.contact(txt(op.privacy_officer.name, lang), op.privacy_officer.email, op.privacy_officer.phone),
  ];
  return { subject: x.subject(txt(op.legal_name, lang)), text: `${lines.join('\n')}\n` };
}

export function breachSubjectNotice(
  m: RegistryModel,
  b: { items: ReadonlyArray<{ category: string }>; window: { from: string | null; to: string | null }; discovered_at: string },
): BreachSubjectNotice {
  return { ko: text(m, 'ko', b), en: text(m, 'en', b), to_fill: GAPS };
}
