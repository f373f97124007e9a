import type { RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'PROCESSOR_OWN_PURPOSE',
  severity: 'error',
  articles: ['PIPA 26', 'GDPR 28'],
  title: 'Processors act only for the operator’s purpose',
  description:
    'A processor processes only for the operator’s purpose. A declaration to a processor must not carry a `recipient_purpose` that ' +
    'differs from the labels of its purpose; a recipient with a purpose of its own is a third party.',
};

/** PIPA 26(5), GDPR 28(10): a processor that sets its own purposes is a controller (a third party). */
export function processorActsForOperatorPurpose(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index, party, purpose }) => {
    const own = d.recipient_purpose;
    if (!own || !party || party.role !== 'processor' || !purpose) return [];
    if (own.en === purpose.labels.en && own.ko === purpose.labels.ko) return [];
    return [
      finding(
        meta,
        at(index, 'recipient_purpose'),
        `declaration "${d.id}" gives processor ${text(party.name, 'en')} a purpose of its own ("${own.en}") instead of the operator's purpose "${purpose.labels.en}"; a recipient with its own purpose is a third party`,
        `선언 "${d.id}"은(는) 수탁자 ${text(party.name, 'ko')}에게 위탁 목적("${purpose.labels.ko}")과 다른 자체 목적("${own.ko}")을 부여합니다. 자신의 목적으로 처리하는 자는 제3자입니다`,
      ),
    ];
  });
}

export const processorPurposeRule = defineRule(meta, processorActsForOperatorPurpose);
