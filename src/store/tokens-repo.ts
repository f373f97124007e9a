import type { Sql } from './sql.ts';

/**
 * Tokens and relay numbers. Neither table holds a personal-data value: a token maps to
 * (subject, category) and redemption decrypts the vault's current value; a relay number maps to
 * the same pair for the relay to look up when it routes a call or an e-mail.
 */
export interface TokenRow {
  readonly recipient: string;
  readonly subject: string;
  readonly category: string;
  readonly declarationId: string;
  readonly decisionId: string;
  /** The order the issuing release named: a redemption is judged under the same order. */
  readonly orderRef: string | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface RelayRow {
  readonly relay: string;
  readonly kind: 'phone' | 'email';
  readonly recipient: string;
  readonly subject: string;
  readonly category: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

interface RelayDbRow {
  relay: string;
  kind: 'phone' | 'email';
  recipient: string;
  subject: string;
  category: string;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const toRelay = (r: RelayDbRow): RelayRow => ({
  relay: r.relay,
  kind: r.kind,
  recipient: r.recipient,
  subject: r.subject,
  category: r.category,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

const UNIQUE_VIOLATION = '23505';

export class TokensRepo {
  constructor(private readonly sql: Sql) {}

  async findToken(hash: Uint8Array): Promise<TokenRow | undefined> {
    const [r] = await this.sql.query<{
      recipient: string;
      subject: string;
      category: string;
      declaration_id: string;
      decision_id: string;
      order_ref: string | null;
      expires_at: Date | null;
      revoked_at: Date | null;
    }>(
      `SELECT t.recipient, t.subject, t.category, t.declaration_id, t.decision_id, d.order_ref, t.expires_at, t.revoked_at
       FROM release_tokens t LEFT JOIN release_decisions d ON d.id = t.decision_id WHERE t.token_hash = $1`,
      [Buffer.from(hash)],
    );
    return r
      ? { recipient: r.recipient, subject: r.subject, category: r.category, declarationId: r.declaration_id, decisionId: r.decision_id, orderRef: r.order_ref ?? null, expiresAt: r.expires_at, revokedAt: r.revoked_at }
      : undefined;
  }

  async markRedeemed(hash: Uint8Array, at: Date): Promise<void> {
    await this.sql.query('UPDATE release_tokens SET last_redeemed_at = $2 WHERE token_hash = $1', [Buffer.from(hash), at]);
  }

  /**
   * The live relay of (recipient, subject, category), extended to `expiresAt` if that is later,
   * or a new one using `candidate` when there is none (or the old one expired or was revoked).
   * Returns undefined when `candidate` is already taken by another binding: pick another.
   */
  async upsertRelay(
    binding: { recipient: string; subject: string; category: string; kind: 'phone' | 'email' },
    candidate: string,
    at: Date,
    expiresAt: Date | null,
  ): Promise<RelayRow | undefined> {
    try {
      const [r] = await this.sql.query<RelayDbRow>(
        `INSERT INTO safe_numbers AS s (relay, kind, recipient, subject, category, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (recipient, subject, category) DO UPDATE SET
           relay = CASE WHEN s.revoked_at IS NOT NULL OR (s.expires_at IS NOT NULL AND s.expires_at <= $6) THEN excluded.relay ELSE s.relay END,
           issued_at = CASE WHEN s.revoked_at IS NOT NULL OR (s.expires_at IS NOT NULL AND s.expires_at <= $6) THEN excluded.issued_at ELSE s.issued_at END,
           expires_at = CASE
             WHEN s.revoked_at IS NOT NULL OR (s.expires_at IS NOT NULL AND s.expires_at <= $6) THEN excluded.expires_at
             WHEN s.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
             ELSE GREATEST(s.expires_at, excluded.expires_at) END,
           revoked_at = NULL,
           kind = excluded.kind
         RETURNING relay, kind, recipient, subject, category, expires_at, revoked_at`,
        [candidate, binding.kind, binding.recipient, binding.subject, binding.category, at, expiresAt],
      );
      return toRelay(r!);
    } catch (e) {
      if ((e as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw e;
    }
  }

  async findRelay(relay: string): Promise<RelayRow | undefined> {
    const [r] = await this.sql.query<RelayDbRow>(
      'SELECT relay, kind, recipient, subject, category, expires_at, revoked_at FROM safe_numbers WHERE relay = $1',
      [relay],
    );
    return r ? toRelay(r) : undefined;
  }

  /** Ends every token and relay of a subject, for one recipient or all. Returns how many. */
  async revoke(subject: string, recipient: string | null, at: Date): Promise<{ tokens: number; relays: number }> {
    const t = await this.sql.query(
      `UPDATE release_tokens SET revoked_at = $3 WHERE subject = $1 AND ($2::text IS NULL OR recipient = $2) AND revoked_at IS NULL RETURNING 1`,
      [subject, recipient, at],
    );
    const r = await this.sql.query(
      `UPDATE safe_numbers SET revoked_at = $3 WHERE subject = $1 AND ($2::text IS NULL OR recipient = $2) AND revoked_at IS NULL RETURNING 1`,
      [subject, recipient, at],
    );
    return { tokens: t.length, relays: r.length };
  }

  /** Frees relay numbers that ended before `before`, so the pool can reuse them. */
  async purgeRelays(before: Date): Promise<number> {
    const rows = await this.sql.query(
      `DELETE FROM safe_numbers WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR (expires_at IS NOT NULL AND expires_at < $1) RETURNING 1`,
      [before],
    );
    return rows.length;
  }
}
