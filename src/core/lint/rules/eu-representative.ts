import { EEA, type RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'EU_REPRESENTATIVE_MISSING',
  severity: 'error',
  articles: ['GDPR 27'],
  title: 'A non-EEA operator serving the EU names a representative',
  description:
    'When `operator.country` is outside the EEA and `operator.jurisdictions` includes EU, `operator.domestic_agents` must contain an ' +
    'entry with `jurisdiction: EU`.',
};

/** GDPR 27: a controller not established in the Union designates a representative there. */
export function euRepresentativeForNonEeaOperator(model: RegistryModel): RuleFinding[] {
  const op = model.operator;
  if (EEA.has(op.country) || !op.jurisdictions.includes('EU')) return [];
  if (op.domestic_agents.some((a) => a.jurisdiction === 'EU')) return [];
  return [
    finding(
      meta,
      ['operator', 'domestic_agents'],
      `${text(op.legal_name, 'en')} is established in ${op.country}, outside the EEA, and serves EU residents but names no representative in the Union`,
      `${text(op.legal_name, 'ko')}은(는) EEA 밖(${op.country})에 소재하면서 EU 정보주체에게 서비스를 제공하지만 EU 대리인을 지정하지 않았습니다`,
    ),
  ];
}

export const euRepresentativeRule = defineRule(meta, euRepresentativeForNonEeaOperator);
