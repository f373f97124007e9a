import type { DesignatedCertification } from './types.ts';

/**
 * PIPA 28-8(1)4: certifications the PIPC has designated by notice for overseas transfers. Empty: we
 * could not source any designation (its notice, date and scope), so none is built in and the ground
 * holds for no recipient until one is added here with its source. A certification's name typed into
 * a registry (`safeguards.certification`) is never a ground.
 */
export const PIPC_CERTIFICATIONS: readonly DesignatedCertification[] = [];
