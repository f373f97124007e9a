import type { RegistryModel } from '../../registry/model.ts';
import { defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'PROCESSOR_NO_DPA',
  severity: 'error',
  articles: ['PIPA 26', 'GDPR 28'],
  title: 'Every processor has a processing agreement',
  description:
    'A recipient or recipient class with `role: processor` must reference its written outsourcing / data processing agreement in ' +
    '`safeguards.dpa` (PIPA 26(1), GDPR 28(3)).',
};

/** PIPA 26(1), GDPR 28(3): processing on the operator's behalf rests on a written agreement. */
export function processorHasAgreement(model: RegistryModel): RuleFinding[] {
  const lists = [
    ['recipients', model.doc.recipients],
    ['recipient_classes', model.doc.recipient_classes],
  ] as const;
  return lists.flatMap(([key, list]) =>
    list.flatMap((p, i) =>
      p.role !== 'processor' || p.safeguards.dpa
        ? []
        : [
            finding(
              meta,
              [key, i, 'safeguards', 'dpa'],
              `processor ${p.name} ("${p.id}") has no data processing agreement reference (safeguards.dpa)`,
              `수탁자 ${p.name}("${p.id}")의 위탁 계약(safeguards.dpa) 참조가 없습니다`,
            ),
          ],
    ),
  );
}

export const processorAgreementRule = defineRule(meta, processorHasAgreement);
