import { hash, randomBytes, randomInt } from 'node:crypto';
import { CgError } from '../core/errors.ts';
import type { IssueRequest, Issuers as FormIssuers, SafeNumberIssuer, TokenIssuer } from '../core/transform/issuers.ts';
import type { IssuedToken } from '../store/decisions-repo.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { Database } from '../store/sql.ts';
import { TokensRepo, type RelayRow, type TokenRow } from '../store/tokens-repo.ts';
import type { VaultService } from './vault-service.ts';

/**
 * Issuers of the two stateful release forms.
 *
 * - `token`: an opaque random string bound to (recipient, subject, category), expiring with the
 *   recipient's retention. Only its SHA-256 is stored — and only together with the decision that
 *   issued it (same journal transaction), so a token exists if and only if its release is on
 *   record. Redeeming decrypts the vault's current value: erasure or revocation ends it.
 * - `safe_number`: a relay (050-XXXX-XXXX phone number, or r-…@relay.<domain> e-mail) per
 *   (recipient, subject, category), stable while it lives so a courier calling twice reaches the
 *   same customer; the relay resolves it to the real value through the vault when it routes.
 */
export interface Binding {
  readonly recipientId: string;
  readonly subject: string;
  readonly category: string;
}

export type RelayKind = 'phone' | 'email';

const TOKEN_PREFIX = 'cgt_';
const TOKEN_RE = /^cgt_[A-Za-z0-9_-]{32}$/;
const PHONE_RE = /^050-\d{4}-\d{4}$/;
const ALLOC_ATTEMPTS = 8;
const CHANNEL_PREFIX = 'cg_relays_';

// One-shot hashes (no Hash object per token, which a scavenge would have to free through its weak callback).
export const hashToken = (token: string): Uint8Array => new Uint8Array(hash('sha256', token, 'buffer'));
/** `hashToken` as hex, the form a decision row stores. */
export const tokenHashHex = (token: string): string => hash('sha256', token, 'hex');

export interface IssuersOptions {
  /** Domain proxy e-mails live under: `r-…@relay.<domain>`. Read on every issue (registry may change). */
  readonly operatorDomain: () => string;
  /** Relays kept in memory so repeat releases skip the database (LRU). */
  readonly cacheSize?: number;
}

/**
 * The issuers `applyForms` calls during one release. Tokens are only collected here: the release
 * service writes them with the decision row, so a token never outlives a failed record.
 */
export class IssueSession implements FormIssuers, TokenIssuer, SafeNumberIssuer {
  readonly issued: IssuedToken[] = [];

  constructor(private readonly issuers: Issuers) {}

  get tokens(): TokenIssuer {
    return this;
  }

  get safeNumbers(): SafeNumberIssuer {
    return this;
  }

  // Not async: nothing is waited for, so the token is answered as itself (no promise per token).
  issueToken(req: IssueRequest): string {
    const token = TOKEN_PREFIX + randomBytes(24).toString('base64url');
    this.issued.push({
      hash: tokenHashHex(token),
      subject: req.subject,
      category: req.category,
      declarationId: req.declarationId,
      expiresAt: req.expiresAt ?? null,
    });
    return token;
  }

  issueSafeNumber(req: IssueRequest & { readonly kind: RelayKind }): string | Promise<string> {
    return this.issuers.relay(req, req.kind, req.at, req.expiresAt ?? null);
  }
}

interface CachedRelay {
  relay: string;
  expiresAt: number | null;
}

export class Issuers {
  private readonly repo: TokensRepo;
  private readonly cache = new Map<string, CachedRelay>();
  private readonly cacheSize: number;
  private unlisten: (() => Promise<void>) | null = null;

  /** Erasure in the vault revokes the subject's tokens and relays here. */
  constructor(
    private readonly db: Database,
    private readonly vault: VaultService,
    private readonly opts: IssuersOptions,
  ) {
    this.repo = new TokensRepo(db);
    this.cacheSize = opts.cacheSize ?? 50_000;
    vault.onErased(async (subject, at) => {
      await this.revoke(subject, null, at);
    });
  }

  static async open(db: Database, vault: VaultService, opts: IssuersOptions): Promise<Issuers> {
    const i = new Issuers(db, vault, opts);
    await i.start();
    return i;
  }

  /** Revocations on another server reach this one's relay cache over LISTEN/NOTIFY. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(this.channel, (subject) => this.forget(subject), () => this.cache.clear());
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  close(): Promise<void> {
    return this.stop();
  }

  private get channel(): string {
    return CHANNEL_PREFIX + this.db.schema;
  }

  session(): IssueSession {
    return new IssueSession(this);
  }

  /**
   * The live relay of a binding, covering at least `expiresAt`; allocated if there is none.
   * A cached relay (nearly every release) is answered as itself: no async function (its state
   * object, register file and promise were ~0.2 KiB of young heap per release), and no promise,
   * so the release's forms are made in one turn (applyFormsNow).
   */
  relay(b: Binding, kind: RelayKind, at: number, expiresAt: number | null): string | Promise<string> {
    const key = cacheKey(b);
    const hit = this.cache.get(key);
    if (hit && covers(hit.expiresAt, expiresAt) && (hit.expiresAt === null || hit.expiresAt > at)) return hit.relay;
    return this.allocateRelay(key, b, kind, at, expiresAt);
  }

  private async allocateRelay(key: string, b: Binding, kind: RelayKind, at: number, expiresAt: number | null): Promise<string> {
    for (let attempt = 0; attempt < ALLOC_ATTEMPTS; attempt++) {
      const row = await this.repo.upsertRelay(
        { recipient: b.recipientId, subject: b.subject, category: b.category, kind },
        kind === 'phone' ? randomPhoneRelay() : randomEmailRelay(this.opts.operatorDomain()),
        new Date(at),
        expiresAt === null ? null : new Date(expiresAt),
      );
      if (row) {
        this.remember(key, row);
        return row.relay;
      }
    }
    throw new CgError('RELAY_POOL_EXHAUSTED', 'no free relay number could be allocated', 503);
  }

  /**
   * The live token `token` of `recipientId`. Anyone else — and any unknown token — gets the
   * same 404, so a token reveals nothing to a recipient that does not own it.
   */
  async findRedeemable(recipientId: string, token: string, at: number): Promise<TokenRow> {
    if (!TOKEN_RE.test(token)) {
      throw new CgError('INVALID_TOKEN', 'not a ConsentGate token', 400, [{ code: 'INVALID_TOKEN', message: 'malformed token', path: 'token' }]);
    }
    const row = await this.repo.findToken(hashToken(token));
    if (!row || row.recipient !== recipientId) throw new CgError('TOKEN_NOT_FOUND', 'no such token for this recipient', 404);
    if (row.revokedAt || this.vault.isErased(row.subject)) throw new CgError('TOKEN_REVOKED', 'the token was revoked', 410);
    if (row.expiresAt && row.expiresAt.getTime() <= at) throw new CgError('TOKEN_EXPIRED', 'the retention period of this token has ended', 410);
    return row;
  }

  markRedeemed(token: string, at: number): Promise<void> {
    return this.repo.markRedeemed(hashToken(token), new Date(at));
  }

  /** What the telephony / mail relay calls to route: the real value behind a live relay. */
  async resolveRelay(relay: string, at: number): Promise<{ recipient: string; category: string; value: string } | undefined> {
    const row: RelayRow | undefined = await this.repo.findRelay(relay);
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= at)) return undefined;
    if (this.vault.isErased(row.subject)) return undefined;
    const value = (await this.vault.read(row.subject, [row.category])).get(row.category);
    return value === undefined ? undefined : { recipient: row.recipient, category: row.category, value };
  }

  /**
   * Ends the tokens and relays of a subject for one recipient (consent withdrawn for it) or for
   * every recipient (`null`: erasure, objection).
   */
  async revoke(subject: string, recipientId: string | null, at: number): Promise<{ tokens: number; relays: number }> {
    // One transaction with its NOTIFY: no server keeps handing out a relay revoked here.
    const n = await this.db.transaction(async (tx) => {
      const counts = await new TokensRepo(tx).revoke(subject, recipientId, new Date(at));
      await notifyOnCommit(tx, CHANNEL_PREFIX, subject);
      return counts;
    });
    this.forget(subject);
    return n;
  }

  purgeRelays(before: number): Promise<number> {
    return this.repo.purgeRelays(new Date(before));
  }

  private remember(key: string, row: RelayRow): void {
    this.cache.delete(key);
    this.cache.set(key, { relay: row.relay, expiresAt: row.expiresAt ? row.expiresAt.getTime() : null });
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  private forget(subject: string): void {
    const marker = `\u0000${subject}\u0000`;
    for (const k of this.cache.keys()) if (k.includes(marker)) this.cache.delete(k);
  }
}

const cacheKey = (b: Binding) => `${b.recipientId}\u0000${b.subject}\u0000${b.category}`;

/** Whether a relay living until `have` serves a release whose retention ends at `want`. */
const covers = (have: number | null, want: number | null) => have === null || (want !== null && have >= want);

export function randomPhoneRelay(): string {
  const d = () => String(randomInt(0, 10_000)).padStart(4, '0');
  return `050-${d()}-${d()}`;
}

export function randomEmailRelay(domain: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let local = '';
  for (const b of randomBytes(12)) local += alphabet[b & 31];
  return `r-${local}@relay.${domain}`;
}

export const isPhoneRelay = (s: string) => PHONE_RE.test(s);
