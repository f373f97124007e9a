import { EU_ADEQUACY } from './eu-adequacy.ts';
import { PIPC_CERTIFICATIONS } from './pipc-certifications.ts';
import { PIPC_EQUIVALENCE } from './pipc-equivalence.ts';
import type { ReferenceData } from './types.ts';

export type { CountryDecision, DesignatedCertification, ReferenceData, ReferenceEntry } from './types.ts';
export { inForce } from './types.ts';

/** The built-in reference data every verdict uses unless a test passes its own. */
export const REFERENCE: ReferenceData = Object.freeze({
  euAdequacy: EU_ADEQUACY,
  pipcEquivalence: PIPC_EQUIVALENCE,
  pipcCertifications: PIPC_CERTIFICATIONS,
});
