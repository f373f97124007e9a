import type { Retention } from '../registry/schema.ts';
import type { Text } from './types.ts';
import { text, type LocalText } from '../registry/local-text.ts';

/**
 * The fixed wording of notices in both languages. Kept apart from the builder so a legal
 * reviewer can read every sentence we generate in one place.
 */
const PARTS: ReadonlyArray<[string, string, string]> = [
  ['년', 'year', 'years'],
  ['개월', 'month', 'months'],
  ['주', 'week', 'weeks'],
  ['일', 'day', 'days'],
  ['시간', 'hour', 'hours'],
  ['분', 'minute', 'minutes'],
  ['초', 'second', 'seconds'],
];
const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** `P1Y6M` → { ko: '1년 6개월', en: '1 year 6 months' }. */
export function durationText(iso: string): Text {
  const m = ISO_DURATION.exec(iso);
  if (!m) return { ko: iso, en: iso };
  const ko: string[] = [];
  const en: string[] = [];
  PARTS.forEach(([k, one, many], i) => {
    const v = m[i + 1];
    if (v === undefined) return;
    const n = Number(v);
    ko.push(`${n}${k}`);
    en.push(`${n} ${n === 1 ? one : many}`);
  });
  return { ko: ko.join(' '), en: en.join(' ') };
}

export function retentionText(r: Retention): Text {
  if (r === 'indefinite') return { ko: '목적 달성 시까지', en: 'until the purpose is achieved' };
  const d = durationText(r.duration);
  switch (r.from) {
    case 'contract_end':
      return { ko: `계약 종료 후 ${d.ko}`, en: `${d.en} after the contract ends` };
    case 'collection':
      return { ko: `수집일로부터 ${d.ko}`, en: `${d.en} from collection` };
    default:
      return { ko: `제공일로부터 ${d.ko}`, en: `${d.en} from when the data is provided` };
  }
}

export function refusalText(required: boolean, collectionPoint: Text, custom?: Text): Text {
  const right = {
    ko: '귀하는 동의를 거부할 권리가 있습니다.',
    en: 'You have the right to refuse.',
  };
  const consequence =
    custom ??
    (required
      ? {
          ko: `거부하시는 경우 ${collectionPoint.ko} 서비스를 이용하실 수 없습니다.`,
          en: `If you refuse, you cannot use ${collectionPoint.en}.`,
        }
      : {
          ko: '선택 항목이므로 거부하셔도 서비스 이용에는 제한이 없습니다.',
          en: 'This is optional: refusing does not limit your use of the service.',
        });
  return { ko: `${right.ko} ${consequence.ko}`, en: `${right.en} ${consequence.en}` };
}

export const RIGHTS: Text = {
  ko:
    '귀하는 언제든지 개인정보의 열람, 정정·삭제, 처리정지 및 동의 철회를 요구할 수 있으며(개인정보 보호법 제35조~제37조), ' +
    '개인정보보호위원회 또는 개인정보 침해신고센터에 신고할 수 있습니다.',
  en:
    'You may at any time ask for access to, rectification or erasure of your data, restriction of or objection to its ' +
    'processing and its portability, and withdraw consent without affecting earlier processing (GDPR 15–21, 7(3); PIPA 35–37). ' +
    'You may lodge a complaint with a supervisory authority (GDPR 13(2)(d)) or the Personal Information Protection Commission.',
};

export const WITHDRAWAL: Text = {
  // No API path in Korean: the subject withdraws in the privacy centre or through the officer (PIPA 22; docs/legal/korean-text.md).
  ko: '동의 철회는 동의하신 것과 같은 방법으로 언제든지 한 번에 할 수 있습니다: 개인정보 센터에서 철회하시거나 개인정보 보호책임자에게 연락하십시오.',
  en: 'You can withdraw consent at any time, as easily as you gave it, in one step: POST /v1/subjects/{id}/consents/withdraw or contact the privacy officer.',
};

/** The receipt's version: the endpoint and contact are fields of their own there. */
export const WITHDRAWAL_SHORT: Text = {
  ko: '언제든지 동의한 것과 같이 쉽게, 한 번에 철회할 수 있습니다.',
  en: 'Withdraw at any time, in one step, as easily as you consented.',
};

export function childrenText(krAge: number, gdprAge: number, method?: LocalText): Text {
  const ko = text(method, 'ko');
  const en = text(method, 'en');
  return {
    ko: `만 ${krAge}세 미만 아동의 개인정보 처리에는 법정대리인의 동의가 필요합니다(제22조의2)${ko ? `. 확인 방법: ${ko}` : ''}.`,
    en: `Children under ${krAge} in Korea (PIPA 22-2) and under ${gdprAge} in the EU (GDPR 8) need the consent of a parent or guardian${en ? `, verified by ${en}` : ''}.`,
  };
}

/** Operator's own purposes have no declaration retention; the notice says how long the operator keeps the data. */
export const PURPOSE_RETENTION: Text = {
  ko: '회원 탈퇴 또는 목적 달성 시까지(관계 법령에 따른 보존 기간 제외)',
  en: 'until you close your account or the purpose is achieved, except where a law requires longer retention',
};
