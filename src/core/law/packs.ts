import type { Jurisdiction } from '../registry/schema.ts';
import { EU_PACK } from './eu/index.ts';
import { KR_PACK } from './kr/index.ts';
import { inForce } from './reference/types.ts';
import type { DutyQuestion, LawDate, LawPack, LawRule, LawVersion, Question, Verdict } from './types.ts';

/**
 * The pack registry: one pack per jurisdiction. Another jurisdiction is one more pack here (and one
 * more value of the registry's `jurisdiction` enum).
 */
export const PACKS: Readonly<Record<Jurisdiction, LawPack>> = { KR: KR_PACK, EU: EU_PACK };

export const packFor = (j: Jurisdiction): LawPack => PACKS[j];

export type QuestionName = 'basis' | 'transfer' | 'agreement' | 'entrustment';
export const QUESTIONS: readonly QuestionName[] = ['basis', 'transfer', 'agreement', 'entrustment'];

export type DutyName = keyof LawPack['duties'];
export const DUTIES: readonly DutyName[] = ['breach', 'usageNotice', 'rectification'];

/** Every rule of a pack, whatever its question and dates: for docs and tests. */
export function allRules(pack: LawPack): ReadonlyArray<LawRule<never>> {
  return [
    ...QUESTIONS.flatMap((q) => pack[q].rules as ReadonlyArray<LawRule<never>>),
    ...DUTIES.flatMap((d) => pack.duties[d].rules as ReadonlyArray<LawRule<never>>),
  ];
}

/** Every duty rule in force on `c.on` that speaks to `c`, in rule order (`ok`: the duty applies). */
export function dutiesOf<C extends { readonly on: LawDate | undefined }>(q: DutyQuestion<C>, c: C): Verdict[] {
  const out: Verdict[] = [];
  for (const rule of q.rules) {
    if (!inForce(rule, c.on)) continue;
    const a = rule.judge(c);
    if (a !== undefined) out.push({ ...a, rule: rule.id });
  }
  return out;
}

/**
 * The rules of a question in force on `on` (undefined: now — every rule not superseded). Replay
 * judges a record by the law of its own date through this; a superseded rule keeps its
 * `effectiveTo` and stays in the pack.
 */
export function rulesInForce<C>(q: Question<C>, on: LawDate | undefined): ReadonlyArray<LawRule<C>> {
  return q.rules.filter((r) => inForce(r, on));
}

/** Asks a question: combines the answers of the rules in force as the question's mode says. */
export function ask<C extends { readonly on: LawDate | undefined }>(q: Question<C>, c: C): Verdict {
  let firstRefusal: Verdict | undefined;
  let firstGrant: Verdict | undefined;
  for (const rule of rulesInForce(q, c.on)) {
    const a = rule.judge(c);
    if (a === undefined) continue;
    if (a.ok) {
      if (q.mode === 'any') return { ...a, rule: rule.id };
      firstGrant ??= { ...a, rule: rule.id };
    } else {
      if (q.mode === 'every') return { ...a, rule: rule.id };
      firstRefusal ??= { ...a, rule: rule.id };
    }
  }
  return firstGrant ?? firstRefusal ?? { ...q.fallback(c), rule: 'default' };
}

/** Every answer of the rules in force that speak to `c`, in rule order: for the lint, one finding per rule. */
export function answers<C extends { readonly on: LawDate | undefined }>(q: Question<C>, c: C): Verdict[] {
  const out: Verdict[] = [];
  for (const rule of rulesInForce(q, c.on)) {
    const a = rule.judge(c);
    if (a !== undefined) out.push({ ...a, rule: rule.id });
  }
  return out;
}

/** The version of a pack's law in force on `on`; undefined before the oldest version it carries. */
export function versionOn(pack: LawPack, on: LawDate): LawVersion | undefined {
  return pack.versions.find((v) => v.effectiveFrom <= on && (v.effectiveTo === undefined || on <= v.effectiveTo));
}
