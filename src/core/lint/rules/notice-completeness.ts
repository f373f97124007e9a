import type { RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'NOTICE_INCOMPLETE',
  severity: 'error',
  articles: ['PIPA 17(2)', 'GDPR 13'],
  title: "Third-party provision by consent states the recipient's purpose",
  description:
    "A declaration that gives data to a third party or affiliate on the basis of consent must carry everything the consent notice shows: " +
    "recipient, the recipient's own purpose (`recipient_purpose`), items and retention. Recipient and items are guaranteed by the " +
    'structural checks, retention by RETENTION_INDEFINITE, and the right to refuse is generated, so this rule checks `recipient_purpose`.',
};

/** PIPA 17(2): the notice for provision to a third party must name the recipient's purpose of use. */
export function thirdPartyNoticeComplete(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (d.legal_basis !== 'consent' || !party || party.role === 'processor' || d.recipient_purpose) return [];
    return [
      finding(
        meta,
        at(index, 'recipient_purpose'),
        `declaration "${d.id}" gives data to ${text(party.name, 'en')} by consent but does not state the recipient's purpose of use, which the consent notice must show`,
        `선언 "${d.id}"은(는) 동의에 근거하여 ${text(party.name, 'ko')}에게 제3자 제공하지만, 동의 안내에 표시해야 할 제공받는 자의 이용 목적(recipient_purpose)이 없습니다`,
      ),
    ];
  });
}

export const noticeCompletenessRule = defineRule(meta, thirdPartyNoticeComplete);
