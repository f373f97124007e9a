/**
 * What the release gate asks the consent ledger. Implemented by the in-memory consent
 * projection; the gate depends only on this interface.
 */
export type ConsentState = 'active' | 'withdrawn' | 'expired';

export type ConsentStatus =
  | { readonly state: 'none' }
  | {
      readonly state: ConsentState;
      /** SHA-256 (JCS) of the notice version the subject saw when granting. */
      readonly noticeHash: string;
      /** Items of this declaration that notice showed: consent never covers more. */
      readonly items: readonly string[];
      /** The event that decided the state (grant, withdrawal). */
      readonly eventId: string;
      /** Epoch ms of that event. */
      readonly at: number;
      /** Fingerprint of the declaration's terms the consent was given to; null = not recorded (treated as stale). */
      readonly fingerprint: string | null;
    };

export interface ConsentLookup {
  /**
   * Consent state of `subject` for `declarationId` as it applies to `recipientId` at time `at`
   * (epoch ms): a grant scoped to another recipient does not apply; an unscoped grant covers
   * every recipient of the declaration — unless `scopedOnly`: a declaration to a recipient class
   * is covered only by a grant naming the member (PIPA 17(2)1), so an unscoped grant counts as
   * none there, while an unscoped withdrawal still ends every scoped grant before it.
   * `declarationId` is a choice id: `<id>` or `<id>:transfer` (src/core/consent/choice.ts).
   */
  status(subject: string, declarationId: string, recipientId: string, at: number, scopedOnly?: boolean): ConsentStatus;
  /** The subject objected to the purpose (GDPR 21, `Sec-GPC: 1` for ad targeting). */
  hasObjected(subject: string, purposeId: string): boolean;
}
