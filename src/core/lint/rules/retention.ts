import type { RegistryModel } from '../../registry/model.ts';
import { at, defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'RETENTION_INDEFINITE',
  severity: 'error',
  articles: ['PIPA 21', 'GDPR 5'],
  title: 'Every declaration has a finite retention',
  description: '`retention: indefinite` is an error: data must be destroyed when its retention period ends (an ISO 8601 duration).',
};

/** PIPA 21, GDPR 5(1)(e): storage limitation. */
export function retentionIsFinite(model: RegistryModel): RuleFinding[] {
  return model.doc.declarations.flatMap((d, i) =>
    d.retention === 'indefinite'
      ? [
          finding(
            meta,
            at(i, 'retention'),
            `declaration "${d.id}" keeps data indefinitely; declare a finite ISO 8601 duration after which the recipient destroys it`,
            `선언 "${d.id}"의 보유 기간이 무기한입니다. 파기 시점을 정할 수 있도록 기간(ISO 8601)을 지정해야 합니다`,
          ),
        ]
      : [],
  );
}

export const retentionRule = defineRule(meta, retentionIsFinite);
