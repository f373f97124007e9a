import { CgError } from '../core/errors.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { Database } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';

/**
 * Which recipients must authenticate with a client certificate as well as their API key
 * (src/http/tls.ts enforces it). A stolen key alone is then useless to an attacker without the
 * recipient's private key. Binding and unbinding are admin actions, so they are in the ledger.
 */
export const CERTS_CHANNEL_PREFIX = 'cg_certs_';
const FP_RE = /^[0-9a-f]{64}$/;

/** `AB:CD:…` (openssl, Node's fingerprint256) or plain hex → 64 lower-case hex digits, else undefined. */
export function normaliseFingerprint(s: string): string | undefined {
  if (s.length > 200) return undefined;
  const hex = s.replace(/:/g, '').toLowerCase();
  return FP_RE.test(hex) ? hex : undefined;
}

interface Entry {
  fingerprint: string | undefined;
  loadedAt: number;
}

export class ClientCertBindings {
  private readonly cache = new Map<string, Entry>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
    private readonly ttlMs = 5_000,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(CERTS_CHANNEL_PREFIX + this.db.schema, (principal) => this.cache.delete(principal), () => this.cache.clear());
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /**
   * The cached entry of a recipient if it is fresh, without waiting: the per-request check
   * (src/http/tls.ts) answers from it in its own turn, with no promise, and calls
   * fingerprintOf only on a miss.
   */
  cached(principal: string): { readonly fingerprint: string | undefined } | undefined {
    const hit = this.cache.get(principal);
    return hit && Date.now() - hit.loadedAt < this.ttlMs ? hit : undefined;
  }

  /** The bound fingerprint of a recipient (cached briefly; other servers' changes arrive by NOTIFY). */
  async fingerprintOf(principal: string): Promise<string | undefined> {
    const hit = this.cached(principal);
    if (hit) return hit.fingerprint;
    const [row] = await this.db.query<{ fingerprint: string }>('SELECT fingerprint FROM recipient_certificates WHERE principal = $1', [principal]);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(principal, { fingerprint: row?.fingerprint, loadedAt: Date.now() });
    return row?.fingerprint;
  }

  async bind(principal: string, fingerprint: string, actor: string): Promise<{ principal: string; fingerprint: string }> {
    const fp = normaliseFingerprint(fingerprint);
    if (!fp) throw new CgError('VALIDATION_FAILED', 'fingerprint must be a SHA-256 certificate fingerprint (64 hex digits, colons allowed)', 422, [{ code: 'INVALID_FINGERPRINT', message: '64 hex digits', path: 'fingerprint' }]);
    await this.admin.record({ action: 'recipient.certificate.bind', actor, target: principal, facts: { fingerprint: fp } }, async (tx, at) => {
      await tx.query(
        `INSERT INTO recipient_certificates (principal, fingerprint, bound_at, bound_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (principal) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, bound_at = EXCLUDED.bound_at, bound_by = EXCLUDED.bound_by`,
        [principal, fp, at, actor],
      );
      await notifyOnCommit(tx, CERTS_CHANNEL_PREFIX, principal);
    });
    this.cache.delete(principal);
    return { principal, fingerprint: fp };
  }

  async unbind(principal: string, actor: string): Promise<boolean> {
    if ((await this.fingerprintOf(principal)) === undefined) return false;
    // The NOTIFY is part of the writing transaction: other servers hear of it iff it commits.
    await this.admin.record({ action: 'recipient.certificate.unbind', actor, target: principal }, async (tx) => {
      await tx.query('DELETE FROM recipient_certificates WHERE principal = $1', [principal]);
      await notifyOnCommit(tx, CERTS_CHANNEL_PREFIX, principal);
    });
    this.cache.delete(principal);
    return true;
  }
}
