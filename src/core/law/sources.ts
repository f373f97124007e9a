/**
 * Official sources the rules cite. Statutes on the Korean Ministry of Government Legislation's
 * National Law Information Center and on EUR-Lex (ELI addresses).
 */
export const SOURCES = {
  PIPA: 'https://www.law.go.kr/법령/개인정보보호법',
  PIPA_DECREE: 'https://www.law.go.kr/법령/개인정보보호법시행령',
  GDPR: 'https://eur-lex.europa.eu/eli/reg/2016/679/oj',
  SCC_2021_914: 'https://eur-lex.europa.eu/eli/dec_impl/2021/914/oj',
} as const;

/** PIPA as amended by Act No. 19234 of 14 March 2023, in force 15 September 2023. */
export const PIPA_2023 = '2023-09-15';
/** The GDPR applies from 25 May 2018 (Art. 99(2)). */
export const GDPR_APPLIES = '2018-05-25';
