import type { RegistryModel } from '../../registry/model.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'ITEMS_BEYOND_PURPOSE',
  severity: 'error',
  articles: ['PIPA 3', 'PIPA 16', 'GDPR 5'],
  title: 'Declared items stay within the purpose’s maximal items',
  description:
    'Every item a declaration releases must be listed in its purpose’s `items`, the maximal set the purpose may use (minimisation).',
};

/** PIPA 3 and 16, GDPR 5(1)(c): no item flows for a purpose that does not need it. */
export function itemsWithinPurpose(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index, purpose }) => {
    if (!purpose) return [];
    const allowed = new Set(purpose.items);
    return d.items.flatMap((item, j) =>
      allowed.has(item.category)
        ? []
        : [
            finding(
              meta,
              at(index, 'items', j, 'category'),
              `declaration "${d.id}" releases "${item.category}", which purpose "${purpose.id}" does not list among its items`,
              `선언 "${d.id}"은(는) 목적 "${purpose.id}"의 항목에 없는 "${item.category}"을(를) 제공합니다`,
            ),
          ],
    );
  });
}

export const minimisationRule = defineRule(meta, itemsWithinPurpose);
