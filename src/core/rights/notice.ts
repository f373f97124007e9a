import type { HistoryStep, RightsRequest, RightsType } from './request.ts';
import { refusalGrounds } from './grounds.ts';

/**
 * What the data subject is told at each step of their request: received, identity confirmed,
 * work started, deadline extended (with the reason, GDPR 12(3)), completed, or refused (with the
 * reason, the provision, and where to complain — PIPA 38(5) and Decree 42(2); GDPR 12(4)).
 * Korean for Korean subjects, English for EU subjects. Pure: the service stores the result, shows
 * it in the privacy centre and hands it to the operator's delivery webhook.
 */
export type NoticeLang = 'ko' | 'en';

export interface RightsNotice {
  readonly lang: NoticeLang;
  readonly title: string;
  readonly text: string;
}

const TYPE: Readonly<Record<RightsType, { ko: string; en: string }>> = {
  access: { ko: '개인정보 열람', en: 'access to your personal data' },
  portability: { ko: '개인정보 전송', en: 'a copy of your data to take elsewhere' },
  withdrawal: { ko: '동의 철회', en: 'withdrawal of your consent' },
  objection: { ko: '처리 거부', en: 'objection to processing' },
  suspension: { ko: '처리 정지', en: 'restriction of processing' },
  erasure: { ko: '개인정보 삭제', en: 'erasure of your personal data' },
  correction: { ko: '개인정보 정정', en: 'correction of your personal data' },
};

/** A free text as a sentence: the officer's reason may or may not end with a full stop. */
const sentence = (s: string | undefined) => {
  const t = (s ?? '').trim();
  return /[.!?。]$/.test(t) ? t : `${t}.`;
};

export function noticeLang(req: Pick<RightsRequest, 'jurisdiction'>): NoticeLang {
  return req.jurisdiction === 'KR' ? 'ko' : 'en';
}

/** The notice for the last step of `req` (`controller`: the operator's legal name). */
export function rightsNotice(req: RightsRequest, controller: string): RightsNotice {
  const step = req.history[req.history.length - 1]!;
  const lang = noticeLang(req);
  return lang === 'ko' ? ko(req, step, controller) : en(req, step, controller);
}

function ko(req: RightsRequest, step: HistoryStep, c: string): RightsNotice {
  const what = TYPE[req.type].ko;
  const due = `처리 기한: ${req.deadline.dueDate}까지`;
  switch (step.action) {
    case 'receive':
      return { lang: 'ko', title: `${what} 요구를 접수했습니다`, text: `${c}는 고객님의 ${what} 요구(${req.article})를 접수했습니다. ${due}.` };
    case 'verify':
      return { lang: 'ko', title: `본인 확인을 마쳤습니다`, text: `${what} 요구에 대한 본인 확인을 마쳤습니다. ${due}.` };
    case 'start':
      return { lang: 'ko', title: `${what} 요구를 처리하고 있습니다`, text: `${c}는 고객님의 ${what} 요구를 처리하고 있습니다. ${due}.` };
    case 'extend':
      return { lang: 'ko', title: `처리 기한이 연장되었습니다`, text: `${what} 요구의 처리 기한을 ${req.deadline.dueDate}까지 연장합니다. 사유: ${sentence(step.reason)}` };
    case 'complete':
      return { lang: 'ko', title: `${what} 요구를 처리했습니다`, text: `${c}는 고객님의 ${what} 요구(${req.article})를 처리했습니다.` };
    case 'reject': {
      const ground = refusalGrounds(req.jurisdiction, req.type).find((g) => g.article === step.article);
      return {
        lang: 'ko',
        title: `${what} 요구를 처리할 수 없습니다`,
        text:
          `${c}는 다음 사유로 고객님의 ${what} 요구를 처리할 수 없습니다. 근거: ${step.article ?? ''}${ground ? ` (${ground.ko})` : ''}. 사유: ${sentence(step.reason)} ` +
          `이 결정에 이의가 있으시면 개인정보 보호책임자에게 이의를 제기하거나 개인정보침해 신고센터(국번 없이 118) 또는 개인정보 분쟁조정위원회에 도움을 요청하실 수 있습니다.`,
      };
    }
  }
}

function en(req: RightsRequest, step: HistoryStep, c: string): RightsNotice {
  const what = TYPE[req.type].en;
  const due = `We will answer by ${req.deadline.dueDate}.`;
  switch (step.action) {
    case 'receive':
      return { lang: 'en', title: 'We received your request', text: `${c} received your request for ${what} (${req.article}). ${due}` };
    case 'verify':
      return { lang: 'en', title: 'We confirmed your identity', text: `We confirmed your identity for your request for ${what}. ${due}` };
    case 'start':
      return { lang: 'en', title: 'We are working on your request', text: `${c} is working on your request for ${what}. ${due}` };
    case 'extend':
      return { lang: 'en', title: 'We need more time', text: `We extended the period for answering your request for ${what} to ${req.deadline.dueDate} (GDPR Article 12(3)). Reason: ${sentence(step.reason)}` };
    case 'complete':
      return { lang: 'en', title: 'Your request is done', text: `${c} has carried out your request for ${what} (${req.article}).` };
    case 'reject': {
      const ground = refusalGrounds(req.jurisdiction, req.type).find((g) => g.article === step.article);
      return {
        lang: 'en',
        title: 'We cannot act on your request',
        text:
          `${c} cannot act on your request for ${what}. Provision relied on: ${step.article ?? ''}${ground ? ` (${ground.en})` : ''}. Reason: ${sentence(step.reason)} ` +
          'You may lodge a complaint with a supervisory authority and seek a judicial remedy (GDPR Article 12(4)).',
      };
    }
  }
}
