import type { RegistryModel } from '../../registry/model.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'CONSENT_WITHOUT_NOTICE',
  severity: 'error',
  articles: ['PIPA 22', 'GDPR 7', 'GDPR 13'],
  title: 'Consent-based declarations are shown at a collection point',
  description:
    'A declaration whose `legal_basis` or `transfer.ground` is `consent` must appear in at least one notice: its `collection_points` ' +
    '(or, when omitted, its purpose’s) must not be empty. Consent that was never asked cannot be demonstrated.',
};

/** PIPA 22(1), GDPR 7(1): consent is asked for at a collection point, with its notice. */
export function consentShownAtCollection(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index }) => {
    if (d.legal_basis !== 'consent' && d.transfer?.ground !== 'consent') return [];
    if (model.collectionPointsOf(d).length > 0) return [];
    return [
      finding(
        meta,
        at(index, 'collection_points'),
        `declaration "${d.id}" relies on consent but is shown at no collection point, so no notice ever asks for that consent`,
        `선언 "${d.id}"은(는) 동의에 근거하지만 어떤 수집 화면에도 표시되지 않아 동의를 받을 수 없습니다`,
      ),
    ];
  });
}

export const consentNoticeRule = defineRule(meta, consentShownAtCollection);
