import { contentHash } from '../canonical.ts';
import type { NoticeDeclaration } from './types.ts';

/**
 * The terms of a declaration a consent is given to (PIPA 15(2), 17(2), 28-8(2); GDPR 7, 13):
 * the recipient (and, for a class, the countries its members may be in), the purpose, the items
 * with their forms, the retention and the transfer ground. A consent records the fingerprint of
 * these terms as its notice showed them; when a newly activated registry changes any of them the
 * gate's fingerprint differs and the consent no longer covers releases (CONSENT_STALE) until the
 * subject consents to the new notice. Wording, labels, contact details, the member a notice names
 * and safeguards do not change the terms: the consent is to *what* goes *where* for *what*.
 */
export interface DeclarationTerms {
  readonly recipient: string;
  readonly countries: readonly string[];
  readonly purpose: string;
  readonly items: ReadonlyArray<readonly [string, string]>;
  readonly retention: { readonly duration: string; readonly from: string | null };
  readonly transferGround: string | null;
}

export function declarationTerms(d: NoticeDeclaration): DeclarationTerms {
  return {
    recipient: d.recipient.id,
    countries: [...d.recipient.countries].sort(),
    purpose: d.purposeId,
    items: d.items.map((i) => [i.category, i.form] as const),
    retention: { duration: d.retention.duration, from: d.retention.from ?? null },
    transferGround: d.transfer?.ground ?? null,
  };
}

const cache = new WeakMap<NoticeDeclaration, string>();

/** SHA-256 (JCS) of the declaration's terms, hex; cached per (immutable) notice declaration. */
export function termsFingerprint(d: NoticeDeclaration): string {
  let f = cache.get(d);
  if (f === undefined) {
    f = contentHash(declarationTerms(d));
    cache.set(d, f);
  }
  return f;
}
