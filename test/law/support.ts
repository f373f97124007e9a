import { legalBasisVerdict, transferVerdict, agreementVerdict, entrustmentVerdict, type LawOptions } from '../../src/core/law/verdicts.ts';
import type { Verdict } from '../../src/core/law/types.ts';
import type { Jurisdiction, Registry } from '../../src/core/registry/schema.ts';
import { modelWith } from '../lint/fixtures.ts';

export type Mutate = (r: Registry) => void;

/** Verdicts on the clean demo registry after one change: the cases the pack tests judge. */
export function basisOf(declarationId: string, j: Jurisdiction, mutate: Mutate = () => {}, o?: LawOptions): Verdict {
  const m = modelWith(mutate);
  const d = m.declarations.get(declarationId)!;
  return legalBasisVerdict(m, d, m.parties.get(d.recipient)!, j, o);
}

export function transferOf(declarationId: string, j: Jurisdiction, mutate: Mutate = () => {}, country?: string, o?: LawOptions): Verdict {
  const m = modelWith(mutate);
  const d = m.declarations.get(declarationId)!;
  return transferVerdict(m, d, m.parties.get(d.recipient)!, country ?? m.destinationCountries(d)[0]!, j, o);
}

export function agreementOf(partyId: string, j: Jurisdiction, mutate: Mutate = () => {}): Verdict {
  const m = modelWith(mutate);
  return agreementVerdict(m, m.parties.get(partyId)!, j);
}

export function entrustmentOf(partyId: string, j: Jurisdiction, mutate: Mutate = () => {}): Verdict {
  const m = modelWith(mutate);
  return entrustmentVerdict(m, m.parties.get(partyId)!, j);
}
