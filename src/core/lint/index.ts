import type { FieldPath } from '../errors.ts';
import type { RegistryModel } from '../registry/model.ts';
import { registrySchema } from '../registry/schema.ts';
import type { Finding } from './finding.ts';
import type { Rule, RuleFinding, RuleMeta } from './rule.ts';
import { adTargetingRule } from './rules/ad-targeting-required.ts';
import { childConsentRule } from './rules/child-consent.ts';
import { consentNoticeRule } from './rules/consent-notice.ts';
import { domesticAgentRule } from './rules/domestic-agent.ts';
import { euRepresentativeRule } from './rules/eu-representative.ts';
import { koreanTextRule } from './rules/korean-text.ts';
import { minimisationRule } from './rules/minimisation.ts';
import { noticeCompletenessRule } from './rules/notice-completeness.ts';
import { optionalContractRule } from './rules/optional-contract.ts';
import { overseasGroundEuRule } from './rules/overseas-ground-eu.ts';
import { overseasGroundKrRule } from './rules/overseas-ground-kr.ts';
import { overseasNoticeRule } from './rules/overseas-notice.ts';
import { mechanismBasisRule, gdprBasisRule, legitimateInterestRule, processorBasisRule, thirdPartyBasisRule } from './rules/basis.ts';
import { entrustmentDisclosedRule, marketingEntrustmentRule, reEntrustmentRule } from './rules/entrustment.ts';
import { overseasAgreementRule, processorAgreementRule } from './rules/processor-agreement.ts';
import { processorPurposeRule } from './rules/processor-purpose.ts';
import { retentionRule } from './rules/retention.ts';
import { sensitiveBasisRule } from './rules/sensitive-basis.ts';
import { duplicateIdRule, emptyDeclarationRule, unknownReferenceRule } from './rules/structural.ts';

export type { Finding, Severity } from './finding.ts';
export { hasErrors } from './finding.ts';
export type { Rule, RuleMeta } from './rule.ts';

/** Every rule, in the order of the rule table in docs/registry.md. Codes are unique and stable. */
export const rules: readonly Rule[] = [
  thirdPartyBasisRule,
  mechanismBasisRule,
  legitimateInterestRule,
  gdprBasisRule,
  noticeCompletenessRule,
  consentNoticeRule,
  overseasGroundKrRule,
  overseasGroundEuRule,
  overseasNoticeRule,
  overseasAgreementRule,
  processorBasisRule,
  processorAgreementRule,
  entrustmentDisclosedRule,
  marketingEntrustmentRule,
  reEntrustmentRule,
  processorPurposeRule,
  minimisationRule,
  optionalContractRule,
  adTargetingRule,
  sensitiveBasisRule,
  domesticAgentRule,
  euRepresentativeRule,
  retentionRule,
  childConsentRule,
  koreanTextRule,
  duplicateIdRule,
  unknownReferenceRule,
  emptyDeclarationRule,
];

/** The rule table without the functions: for docs, SARIF `tool.driver.rules` and the HTTP API. */
export const ruleCatalog: readonly RuleMeta[] = rules.map(({ check: _check, ...meta }) => meta);

export type Locate = (path: FieldPath) => { line: number; column: number } | undefined;

/**
 * Runs every rule. The result is sorted by field path (sections in document order, indexes as numbers), then
 * code, then message, so the same registry always yields the same list in the same order.
 * With `locate` (from `parseRegistry`), each finding carries its line and column.
 */
export function lintRegistry(model: RegistryModel, locate?: Locate): Finding[] {
  const found = rules.flatMap((r) => r.check(model));
  found.sort(compareFindings);
  return found.map(({ segments, ...f }) => ({ ...f, ...(locate?.(segments) ?? {}) }));
}

function compareFindings(a: RuleFinding, b: RuleFinding): number {
  return comparePaths(a.segments, b.segments) || cmp(a.code, b.code) || cmp(a.message, b.message);
}

/** Top-level sections in the order the schema (and every example) writes them. */
const SECTION_ORDER: readonly string[] = Object.keys(registrySchema.shape);
const sectionRank = (seg: string | number | undefined) => {
  const i = SECTION_ORDER.indexOf(String(seg));
  return i === -1 ? SECTION_ORDER.length : i;
};

function comparePaths(a: FieldPath, b: FieldPath): number {
  const bySection = sectionRank(a[0]) - sectionRank(b[0]);
  if (bySection !== 0) return bySection;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // A key sorts before an index only when shapes differ, which valid registries never produce.
    return cmp(String(x), String(y));
  }
  return a.length - b.length;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
