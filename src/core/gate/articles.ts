import type { Jurisdiction } from '../registry/schema.ts';
import type { DenyCode } from './types.ts';

/**
 * The article each deny cites, by the subject's jurisdiction: a Korean customer is refused under
 * PIPA, an EU resident under the GDPR. Numbers follow docs/legal/articles.yaml.
 * When the jurisdiction is not known (unknown subject) both are cited.
 */
export const DENY_ARTICLES: Readonly<Record<DenyCode, Readonly<Record<Jurisdiction, string>>>> = {
  SUBJECT_ERASED: { KR: 'PIPA 36', EU: 'GDPR 17' },
  UNKNOWN_SUBJECT: { KR: 'PIPA 17(1)', EU: 'GDPR 6(1)' },
  UNDECLARED_RECIPIENT: { KR: 'PIPA 17(1)', EU: 'GDPR 6(1)' },
  UNDECLARED_PURPOSE: { KR: 'PIPA 18(1)', EU: 'GDPR 5(1)(b)' },
  UNDECLARED_ITEMS: { KR: 'PIPA 3', EU: 'GDPR 5(1)(c)' },
  SUBJECT_OBJECTED: { KR: 'PIPA 37', EU: 'GDPR 21' },
  NO_TRANSFER_GROUND: { KR: 'PIPA 28-8(1)', EU: 'GDPR 44' },
  NO_CONSENT: { KR: 'PIPA 17(1)', EU: 'GDPR 6(1)(a)' },
  CONSENT_WITHDRAWN: { KR: 'PIPA 37', EU: 'GDPR 7(3)' },
  CONSENT_EXPIRED: { KR: 'PIPA 17(1)', EU: 'GDPR 6(1)(a)' },
  RETENTION_EXPIRED: { KR: 'PIPA 21', EU: 'GDPR 5(1)(e)' },
  POLICY_DENY: { KR: 'operator policy', EU: 'operator policy' },
  NO_LEGAL_BASIS: { KR: 'PIPA 17(1)', EU: 'GDPR 6(1)' },
  NO_ORDER: { KR: 'PIPA 18(1)', EU: 'GDPR 5(1)(b)' },
  NO_TRANSFER_CONSENT: { KR: 'PIPA 28-8(1)1', EU: 'GDPR 49(1)(a)' },
  CONSENT_STALE: { KR: 'PIPA 17(2)', EU: 'GDPR 7(1)' },
  TRANSFER_SUSPENDED: { KR: 'PIPA 28-9', EU: 'GDPR 58(2)(j)' },
  NO_RECIPIENT_CONTRACT: { KR: 'PIPA 28-8(4)', EU: 'GDPR 46' },
};

/** When consent is needed only as the ground for an overseas transfer, it is that article's consent. */
export const TRANSFER_CONSENT_ARTICLE: Readonly<Record<Jurisdiction, string>> = {
  KR: 'PIPA 28-8(1)1',
  EU: 'GDPR 49(1)(a)',
};

export function articleFor(code: DenyCode, jurisdiction: Jurisdiction | undefined): string {
  const a = DENY_ARTICLES[code];
  if (jurisdiction) return a[jurisdiction];
  return a.KR === a.EU ? a.KR : `${a.KR}/${a.EU}`;
}
