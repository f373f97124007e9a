import type { RegistryModel } from '../../registry/model.ts';
import { at, declarationContexts, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'PROCESSOR_BASIS_MISUSED',
  severity: 'error',
  articles: ['PIPA 17', 'PIPA 26', 'GDPR 28'],
  title: 'The `processor` legal basis is used only for processors',
  description:
    'Outsourcing to a processor is not a provision to a third party and needs no consent of its own; calling a third party or affiliate ' +
    'a processor would skip the consent and notice that PIPA 17 requires. `legal_basis: processor` is an error unless the recipient ' +
    '(or class) has `role: processor`.',
};

/** PIPA 17 vs 26: a third party cannot receive data as if it were the operator's processor. */
export function processorBasisOnlyForProcessors(model: RegistryModel): RuleFinding[] {
  return declarationContexts(model).flatMap(({ d, index, party }) => {
    if (d.legal_basis !== 'processor' || !party || party.role === 'processor') return [];
    return [
      finding(
        meta,
        at(index, 'legal_basis'),
        `declaration "${d.id}" uses the processor basis, but ${party.name} has role ${party.role}: a provision to a third party needs consent or another PIPA 17 ground`,
        `선언 "${d.id}"은(는) 처리위탁(processor)을 근거로 하지만 ${party.name}의 역할은 ${party.role}입니다. 제3자 제공에는 동의 등 제17조의 근거가 필요합니다`,
      ),
    ];
  });
}

export const processorBasisRule = defineRule(meta, processorBasisOnlyForProcessors);
