import type { RegistryModel } from '../../registry/model.ts';
import { defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'AD_TARGETING_REQUIRED',
  severity: 'error',
  articles: ['PIPA 22', 'GDPR 7', 'GDPR 21'],
  title: 'Ad targeting is never a required purpose',
  description:
    'A purpose with `ad_targeting: true` must have `required: false`: marketing and advertising need their own consent, and refusing it ' +
    'must not cost the subject the service.',
};

/** PIPA 22(1)7 and 22(5): marketing consent is separate and optional. */
export function adTargetingNeverRequired(model: RegistryModel): RuleFinding[] {
  return model.doc.purposes.flatMap((p, i) =>
    p.ad_targeting && p.required
      ? [
          finding(
            meta,
            ['purposes', i, 'required'],
            `purpose "${p.id}" is ad targeting but marked required: subjects must be able to refuse it and still use the service`,
            `목적 "${p.id}"은(는) 맞춤형 광고인데 필수로 지정되어 있습니다. 정보주체는 이를 거부하고도 서비스를 이용할 수 있어야 합니다`,
          ),
        ]
      : [],
  );
}

export const adTargetingRule = defineRule(meta, adTargetingNeverRequired);
