import type { RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'DOMESTIC_AGENT_MISSING',
  severity: 'error',
  articles: ['PIPA 31-2'],
  title: 'A foreign operator serving Korea names a domestic agent',
  description:
    'When `operator.country` is not KR and `operator.jurisdictions` includes KR, `operator.domestic_agents` must contain an entry with ' +
    '`jurisdiction: KR` (name and address in Korea).',
};

/** PIPA 31-2: an operator with no address in Korea designates a domestic agent. */
export function domesticAgentForForeignOperator(model: RegistryModel): RuleFinding[] {
  const op = model.operator;
  if (op.country === 'KR' || !op.jurisdictions.includes('KR')) return [];
  if (op.domestic_agents.some((a) => a.jurisdiction === 'KR')) return [];
  return [
    finding(
      meta,
      ['operator', 'domestic_agents'],
      `${text(op.legal_name, 'en')} is established in ${op.country} and serves Korean residents but names no domestic agent for KR`,
      `${text(op.legal_name, 'ko')}은(는) ${op.country}에 소재하면서 국내 정보주체에게 서비스를 제공하지만 국내대리인을 지정하지 않았습니다`,
    ),
  ];
}

export const domesticAgentRule = defineRule(meta, domesticAgentForForeignOperator);
