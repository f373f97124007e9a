import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';

/**
 * OpenID Connect sign-in for the officer console: the authorization code flow with PKCE (S256),
 * `state` and `nonce`, through `openid-client` (which validates the ID token: issuer, audience,
 * signature, expiry, nonce). Configured by CONSENTGATE_OIDC_* (src/config.ts, docs/deploy.md).
 *
 * What a browser starts with (`state`, `nonce`, the PKCE verifier) stays on the server, keyed by
 * the digest of a random id in a short-lived cookie of the browser that started: a callback from
 * another browser, a replayed callback, or a late one (after `ttlMs`) finds nothing and is refused.
 * Kept in this process's memory like the sessions themselves (session.ts).
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

const MAX_PENDING = 10_000;
const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

export class OidcSignIn {
  private configuration: Promise<client.Configuration> | undefined;
  private readonly pending = new Map<string, PendingSignIn>();

  constructor(
    readonly config: OidcConfig,
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
    this.sweep();
    const pendingId = randomBytes(32).toString('base64url');
    this.pending.set(digest(pendingId), p);
    return { url, pendingId };
  }

  /** Takes (once) what the browser with this cookie started; undefined when unknown or expired. */
  take(pendingId: string | undefined): PendingSignIn | undefined {
    if (!pendingId || !/^[A-Za-z0-9_-]{43}$/.test(pendingId)) return undefined;
    const key = digest(pendingId);
    const p = this.pending.get(key);
    this.pending.delete(key);
    return p && p.expiresAt > this.now() ? p : undefined;
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

  private sweep(): void {
    const t = this.now();
    for (const [k, p] of this.pending) if (p.expiresAt <= t) this.pending.delete(k);
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
  }
}
