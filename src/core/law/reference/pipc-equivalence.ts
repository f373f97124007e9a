import type { CountryDecision } from './types.ts';

/** EU member states and the three other EEA states. */
const EEA_30 = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT',
  'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
];

/**
 * PIPA 28-8(1)5: countries and regions the PIPC has recognised as protecting personal data at a level
 * equivalent to the Act. The PIPC's first (and, in our sources, only) recognition is the EU: the 27
 * member states and Norway, Liechtenstein and Iceland, in force 16 September 2025, excluding resident
 * registration numbers and personal credit information. An EU adequacy decision or a US Data Privacy
 * Framework listing is GDPR adequacy, never PIPA equivalence.
 */
export const PIPC_EQUIVALENCE: readonly CountryDecision[] = [
  Object.freeze({
    id: 'pipc-equivalence-eu',
    title: 'European Union and EEA (PIPC equivalence recognition)',
    reference: 'PIPC recognition of the EU under PIPA 28-8(1)5, announced 16 September 2025',
    effectiveFrom: '2025-09-16',
    source: 'https://www.kimchang.com/ko/insights/detail.kc?idx=32951&sch_section=4',
    countries: EEA_30,
    exclusions: ['Resident registration numbers.', 'Personal credit information (Credit Information Use and Protection Act).'],
    excludedKinds: ['resident_registration_number', 'personal_credit_information'],
    notes:
      'The PIPC’s own notice is not in our sources; the recognition, its date, scope and exclusions are as reported by ' +
      'the PIPC’s press release reproduced at https://zdnet.co.kr/view/?no=20250917081816 and by Kim & Chang.',
  }),
];
