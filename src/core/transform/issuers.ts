/**
 * The stateful release forms. The gate's core decides *that* an item leaves as a token or a safe
 * number; issuing one needs storage (a mapping that outlives the response), so the store layer
 * implements these interfaces and `applyForms` only calls them.
 */
export interface IssueRequest {
  /** The caller the value is issued to: only this recipient may redeem or reach it. */
  readonly recipientId: string;
  readonly subject: string;
  readonly category: string;
  readonly declarationId: string;
  /** Epoch ms of the release. */
  readonly at: number;
  /**
   * Epoch ms at which the mapping must stop working: the recipient's retention end. Undefined
   * while unbounded (indefinite retention, or a contract that has not ended yet); the issuer
   * then re-checks expiry against the gate when redeemed.
   */
  readonly expiresAt: number | undefined;
}

/**
 * `token` form: an opaque, unguessable string redeemable for the real value only by
 * `recipientId`, and only until `expiresAt`. Re-issuing for the same (recipient, subject,
 * category, declaration) may return the same token.
 */
export interface TokenIssuer {
  /** Never given the value: a token points at the stored item, which redemption decrypts. The token itself when made without waiting. */
  issueToken(req: IssueRequest): string | Promise<string>;
}

/**
 * `safe_number` form: a relay phone number or proxy e-mail address taken from a pool and routed
 * to the real one until `expiresAt`. `kind` follows the category's value format.
 */
export interface SafeNumberIssuer {
  /** Never given the real value: the relay resolves it through the vault when it routes. The relay itself when known without waiting (cached). */
  issueSafeNumber(req: IssueRequest & { readonly kind: 'phone' | 'email' }): string | Promise<string>;
}

export interface Issuers {
  readonly tokens: TokenIssuer;
  readonly safeNumbers: SafeNumberIssuer;
}
