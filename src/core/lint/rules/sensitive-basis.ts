import type { RegistryModel } from '../../registry/model.ts';
import type { LegalBasis } from '../../registry/schema.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'SENSITIVE_WITHOUT_CONSENT',
  severity: 'error',
  articles: ['PIPA 23', 'PIPA 24', 'GDPR 9'],
  title: 'Sensitive data and unique identifiers rest on separate consent or law',
  description:
    'A declaration that releases an item of sensitivity `sensitive` or `unique_identifier` must have `legal_basis` `consent` (separate, ' +
    'explicit consent) or `legal_obligation`. A declaration to a processor is accepted: outsourcing is not a provision, and the ' +
    'operator’s own ground for collecting the item is the one that counts.',
};

const ALLOWED: ReadonlySet<LegalBasis> = new Set(['consent', 'legal_obligation', 'processor']);

/** PIPA 23/24, GDPR 9(2)(a): special categories and identifiers need separate consent or a law. */
export function sensitiveNeedsConsentOrLaw(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (ALLOWED.has(d.legal_basis) || party?.role === 'processor') return [];
    return d.items.flatMap((item, j) => {
      const sensitivity = model.categories.get(item.category)?.sensitivity;
      if (sensitivity !== 'sensitive' && sensitivity !== 'unique_identifier') return [];
      const kind = sensitivity === 'sensitive' ? 'sensitive information' : 'a unique identifier';
      const kindKo = sensitivity === 'sensitive' ? '민감정보' : '고유식별정보';
      return [
        finding(
          meta,
          at(index, 'items', j, 'category'),
          `declaration "${d.id}" releases "${item.category}", ${kind}, on ${d.legal_basis}; it needs separate consent or a legal obligation`,
          `선언 "${d.id}"은(는) ${kindKo}인 "${item.category}"을(를) ${d.legal_basis}에 근거하여 제공합니다. 별도 동의 또는 법령상 근거가 필요합니다`,
        ),
      ];
    });
  });
}

export const sensitiveBasisRule = defineRule(meta, sensitiveNeedsConsentOrLaw);
