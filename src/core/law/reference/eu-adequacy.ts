import type { CountryDecision } from './types.ts';

const eli = (kind: 'dec' | 'dec_impl', year: number, n: number) => `https://eur-lex.europa.eu/eli/${kind}/${year}/${n}/oj`;

/**
 * GDPR 45: the European Commission's adequacy decisions for commercial transfers, as listed on the
 * Commission's adequacy page (https://commission.europa.eu/law/law-topic/data-protection/international-dimension-data-protection/adequacy-decisions_en).
 * Decisions adopted under Directive 95/46/EC stay in force under GDPR 45(9); the Commission's first
 * review (January 2024) upheld the eleven older ones. `effectiveFrom` is the date of adoption.
 * Review when the Commission adopts, renews or withdraws a decision.
 */
export const EU_ADEQUACY: readonly CountryDecision[] = [
  decision('ad', ['AD'], 'Andorra', 'Commission Decision 2010/625/EU', '2010-10-19', eli('dec', 2010, 625)),
  decision('ar', ['AR'], 'Argentina', 'Commission Decision 2003/490/EC', '2003-06-30', eli('dec', 2003, 490)),
  decision('ca', ['CA'], 'Canada', 'Commission Decision 2002/2/EC', '2001-12-20', eli('dec', 2002, 2), {
    exclusions: ['Only recipients subject to the Personal Information Protection and Electronic Documents Act (commercial organisations).'],
  }),
  decision('ch', ['CH'], 'Switzerland', 'Commission Decision 2000/518/EC', '2000-07-26', eli('dec', 2000, 518)),
  decision('fo', ['FO'], 'Faroe Islands', 'Commission Decision 2010/146/EU', '2010-03-05', eli('dec', 2010, 146)),
  decision('gb', ['GB'], 'United Kingdom', 'Commission Implementing Decision (EU) 2021/1772', '2021-06-28', eli('dec_impl', 2021, 1772), {
    notes:
      'Extended in June 2025 to 27 December 2025 and renewed on 19 December 2025 until 27 December 2031 ' +
      '(https://www.dpocentre.com/news/eu-renews-uk-personal-data-adequacy-decisions); the renewing decision’s OJ reference is not in our sources.',
  }),
  decision('gg', ['GG'], 'Guernsey', 'Commission Decision 2003/821/EC', '2003-11-21', eli('dec', 2003, 821)),
  decision('il', ['IL'], 'Israel', 'Commission Decision 2011/61/EU', '2011-01-31', eli('dec', 2011, 61), {
    exclusions: ['Covers automated international transfers and non-automated processing in Israel of data so transferred.'],
  }),
  decision('im', ['IM'], 'Isle of Man', 'Commission Decision 2004/411/EC', '2004-04-28', eli('dec', 2004, 411)),
  decision('je', ['JE'], 'Jersey', 'Commission Decision 2008/393/EC', '2008-05-08', eli('dec', 2008, 393)),
  decision('jp', ['JP'], 'Japan', 'Commission Implementing Decision (EU) 2019/419', '2019-01-23', eli('dec_impl', 2019, 419), {
    exclusions: ['Only business operators under the Act on the Protection of Personal Information, bound by the Supplementary Rules.'],
  }),
  decision('kr', ['KR'], 'Republic of Korea', 'Commission Implementing Decision (EU) 2022/254', '2021-12-17', eli('dec_impl', 2022, 254), {
    exclusions: [
      'Personal credit information processed by entities supervised by the Financial Services Commission.',
      'Religious organisations and political parties, for their religious or political activities.',
    ],
    // The registry cannot tell a recipient's sector: credit information is excluded whoever receives it.
    excludedKinds: ['personal_credit_information'],
  }),
  decision('nz', ['NZ'], 'New Zealand', 'Commission Implementing Decision 2013/65/EU', '2012-12-19', eli('dec_impl', 2013, 65)),
  decision('us', ['US'], 'United States (EU-US Data Privacy Framework)', 'Commission Implementing Decision (EU) 2023/1795', '2023-07-10', eli('dec_impl', 2023, 1795), {
    exclusions: ['Only organisations on the Data Privacy Framework List (safeguards.dpf).'],
    requiresListing: 'dpf',
  }),
  decision('uy', ['UY'], 'Uruguay', 'Commission Implementing Decision 2012/484/EU', '2012-08-21', eli('dec_impl', 2012, 484)),
];

function decision(
  id: string,
  countries: string[],
  title: string,
  reference: string,
  effectiveFrom: string,
  source: string,
  extra: Partial<Pick<CountryDecision, 'exclusions' | 'excludedKinds' | 'requiresListing' | 'notes' | 'effectiveTo'>> = {},
): CountryDecision {
  return Object.freeze({ id: `eu-adequacy-${id}`, countries, title, reference, effectiveFrom, source, exclusions: [], excludedKinds: [], ...extra });
}
