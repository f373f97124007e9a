import type { RegistryModel } from '../../registry/model.ts';
import { defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'GUARDIAN_CONSENT_MISSING',
  severity: 'error',
  articles: ['PIPA 22-2', 'GDPR 8'],
  title: 'An operator serving children configures guardian consent',
  description:
    'When `operator.children.serves_children` is true, `operator.children.guardian_consent_method` must say how the legal ' +
    'representative’s consent is obtained and verified (under 14 in Korea, under `gdpr_age` in the EU).',
};

/** PIPA 22-2, GDPR 8: children's consent is given by a verified guardian. */
export function guardianConsentConfigured(model: RegistryModel): RuleFinding[] {
  const c = model.operator.children;
  if (!c.serves_children || c.guardian_consent_method) return [];
  return [
    finding(
      meta,
      ['operator', 'children', 'guardian_consent_method'],
      `the operator serves children but configures no guardian-consent method (under ${c.kr_age} in Korea, under ${c.gdpr_age} in the EU)`,
      `아동에게 서비스를 제공하지만 법정대리인 동의 확인 방법이 없습니다(국내 만 ${c.kr_age}세 미만, EU ${c.gdpr_age}세 미만)`,
    ),
  ];
}

export const childConsentRule = defineRule(meta, guardianConsentConfigured);
