/**
 * Official sources the rules cite. Statutes on the Korean Ministry of Government Legislation's
 * National Law Information Center and on EUR-Lex (ELI addresses).
 */
export const SOURCES = {
  PIPA: 'https://www.law.go.kr/법령/개인정보보호법',
  /**
   * The PIPA as amended by Act No. 16930 of 4 February 2020 (in force 5 August 2020): the text of
   * former Articles 17(3) and 39-12 in force until 14 September 2023. law.go.kr addresses a
   * version by (Act number, promulgation date).
   */
  PIPA_2020: 'https://www.law.go.kr/법령/개인정보보호법/(16930,20200204)',
  PIPA_DECREE: 'https://www.law.go.kr/법령/개인정보보호법시행령',
  GDPR: 'https://eur-lex.europa.eu/eli/reg/2016/679/oj',
  SCC_2021_914: 'https://eur-lex.europa.eu/eli/dec_impl/2021/914/oj',
} as const;

/**
 * PIPA as amended by Act No. 16930 of 4 February 2020, in force 5 August 2020: the special rules for
 * information-and-communications service providers moved from the Network Act (Art. 63) into PIPA
 * Chapter 6 (Art. 39-12 for transfers abroad).
 */
export const PIPA_2020 = '2020-08-05';
/** Last day of the former transfer rules (17(3), 39-12): the day before PIPA_2023. */
export const PIPA_2020_LAST_DAY = '2023-09-14';
/** PIPA as amended by Act No. 19234 of 14 March 2023, in force 15 September 2023. */
export const PIPA_2023 = '2023-09-15';
/** The GDPR applies from 25 May 2018 (Art. 99(2)). */
export const GDPR_APPLIES = '2018-05-25';
