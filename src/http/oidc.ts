import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Sql } from '../store/sql.ts';

/**
 * OpenID Connect sign-in for the officer console: the authorization code flow with PKCE (S256),
 * `state` and `nonce`, through `openid-client` (which validates the ID token: issuer, audience,
 * signature, expiry, nonce). Configured by CONSENTGATE_OIDC_* (src/config.ts, docs/deploy.md).
 *
 * What a browser starts with (`state`, `nonce`, the PKCE verifier) stays on the server, keyed by
 * the digest of a random id in a short-lived cookie of the browser that started: a callback from
 * another browser, a replayed callback, or a late one (after `ttlMs`) finds nothing and is refused.
 * Kept in the database (`oidc_pending`, PendingSignIns): the provider's redirect back may reach
 * another server than the one the browser started on (several servers behind one name).
 */
export interface OidcConfig {
  /** The provider's issuer URL (its discovery document is at `/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly clientId: string;
  /** Confidential client (client_secret_basic); omit for a public client (PKCE only). */
  readonly clientSecret?: string | undefined;
  /** This server's callback, registered at the provider: `https://…/console/auth/oidc/callback`. */
  readonly redirectUri: string;
  /** Link a first sign-in to the existing account whose login is the provider's *verified* e-mail (default true). */
  readonly linkByEmail?: boolean | undefined;
  /** Plain-HTTP provider (development and tests only). */
  readonly allowHttp?: boolean | undefined;
}

export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly expiresAt: number;
}

export interface OidcIdentity {
  readonly issuer: string;
  readonly subject: string;
  /** Only when the provider says it verified it (`email_verified: true`). */
  readonly verifiedEmail: string | undefined;
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');
const PENDING_ID_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The sign-ins under way, shared by every server on the database. Keyed by the digest of the
 * browser's cookie id, so a database reader learns no cookie; `take` is single use — one
 * `DELETE … RETURNING`, so of two callbacks with the same cookie (two servers, a replay) at most
 * one gets the row — and refuses a row past its expiry. Expired rows are purged as sign-ins start.
 *
 * The start route is public, so the table is capped (`max`, 10,000 by default, as the in-memory
 * map before it was): beyond it the sign-ins that would expire first are dropped. Rate limits
 * (per address and server) bound how fast it fills; the cap bounds what many addresses and
 * servers together can store.
 */
export class PendingSignIns {
  constructor(
    private readonly db: Sql,
    private readonly max = 10_000,
  ) {}

  async put(pendingId: string, p: PendingSignIn, now: number): Promise<void> {
    await this.purge(now);
    await this.db.query('INSERT INTO oidc_pending (id_digest, state, nonce, verifier, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      digest(pendingId),
      p.state,
      p.nonce,
      p.verifier,
      new Date(p.expiresAt),
    ]);
    await this.db.query(
      'DELETE FROM oidc_pending WHERE id_digest IN (SELECT id_digest FROM oidc_pending ORDER BY expires_at DESC, id_digest OFFSET $1)',
      [this.max],
    );
  }

  /** Takes (once) what the browser with this cookie id started; undefined when unknown, used or expired. */
  async take(pendingId: string | undefined, now: number): Promise<PendingSignIn | undefined> {
    if (!pendingId || !PENDING_ID_RE.test(pendingId)) return undefined;
    const [row] = await this.db.query<{ state: string; nonce: string; verifier: string; expires_at: Date | string }>(
      'DELETE FROM oidc_pending WHERE id_digest = $1 RETURNING state, nonce, verifier, expires_at',
      [digest(pendingId)],
    );
    if (!row) return undefined;
    const expiresAt = new Date(row.expires_at).getTime();
    return expiresAt > now ? { state: row.state, nonce: row.nonce, verifier: row.verifier, expiresAt } : undefined;
  }

  /** Deletes the sign-ins that expired before `now`; how many. */
  async purge(now: number): Promise<number> {
    return (await this.db.query('DELETE FROM oidc_pending WHERE expires_at <= $1 RETURNING 1', [new Date(now)])).length;
  }
}

export class OidcSignIn {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(
    readonly config: OidcConfig,
    private readonly pending: PendingSignIns,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The provider's metadata, discovered on first use (and again after a failed discovery). */
  private discover(): Promise<client.Configuration> {
    this.configuration ??= client
      .discovery(
        new URL(this.config.issuer),
        this.config.clientId,
        this.config.clientSecret ? { client_secret: this.config.clientSecret } : { token_endpoint_auth_method: 'none' },
        this.config.clientSecret ? client.ClientSecretBasic(this.config.clientSecret) : client.None(),
        this.config.allowHttp ? { execute: [client.allowInsecureRequests] } : {},
      )
      .catch((e: unknown) => {
        this.configuration = undefined;
        throw e;
      });
    return this.configuration;
  }

  /** Starts a sign-in: the provider URL to redirect to, and the id for the browser's cookie. */
  async start(): Promise<{ url: URL; pendingId: string }> {
    const config = await this.discover();
    const verifier = client.randomPKCECodeVerifier();
    const p: PendingSignIn = { state: client.randomState(), nonce: client.randomNonce(), verifier, expiresAt: this.now() + this.ttlMs };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.config.redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: p.state,
      nonce: p.nonce,
    });
    const pendingId = randomBytes(32).toString('base64url');
    await this.pending.put(pendingId, p, this.now());
    return { url, pendingId };
  }

  /** Takes (once, on whichever server) what the browser with this cookie started; undefined when unknown, used or expired. */
  take(pendingId: string | undefined): Promise<PendingSignIn | undefined> {
    return this.pending.take(pendingId, this.now());
  }

  /**
   * Redeems the callback's code (state, nonce and PKCE checked) and returns who the provider says
   * signed in. `search` is the callback's query string.
   */
  async finish(p: PendingSignIn, search: string): Promise<OidcIdentity> {
    const config = await this.discover();
    const current = new URL(this.config.redirectUri);
    current.search = search;
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider returned no ID token');
    let email = typeof claims.email === 'string' && claims.email_verified === true ? claims.email : undefined;
    // Providers that keep scope claims out of the ID token (OIDC Core 5.4) answer them at userinfo,
    // for the subject of the ID token only (openid-client checks that `sub` matches).
    if (claims.email === undefined && tokens.access_token) {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub).catch(() => undefined);
      if (info && typeof info.email === 'string' && info.email_verified === true) email = info.email;
    }
    return { issuer: claims.iss, subject: claims.sub, verifiedEmail: email };
  }
}
