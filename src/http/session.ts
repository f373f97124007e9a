import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CgError } from '../core/errors.ts';
import type { KeyKind, Principal } from './principal.ts';

/**
 * Browser sessions for the officer console and the customer privacy centre.
 *
 * A person signs in once with an API key (admin or subject) — or, on the console, as a person
 * with an account (password or OpenID Connect, src/app/accounts-service.ts); the server keeps the
 * session and hands the browser only a random id in an HttpOnly, SameSite=Strict cookie (Secure
 * over TLS), scoped to the interface's path. The key stays on the server, in memory, so every
 * request re-verifies it: a revoked or expired key ends its sessions within the key cache's TTL.
 * An account session re-reads its account on every request instead: disabling the account or
 * changing its role takes effect on the very next request (the principal's scopes follow the role).
 *
 * CSRF: synchronizer token. Each session holds a random token the page reads from the sign-in
 * (or `GET …/session`) response and sends back in `x-csrf-token` on every state-changing
 * request; it is compared in constant time. Same-origin checks on `Origin` come on top.
 *
 * Sessions live in this process's memory: a restart signs everyone out, and several servers
 * behind one name need sticky routing. That is the intended trade for a console — no session
 * table to leak, nothing to clean up.
 */
export interface SessionSpec {
  /** Cookie name, e.g. `cg_console`. */
  readonly cookie: string;
  /** Cookie path: the interface's URL prefix (its pages and API). */
  readonly path: string;
  /** Which key kind may sign in. */
  readonly kind: KeyKind;
  /** Absolute lifetime (ms). */
  readonly ttlMs: number;
  /** Ends after this long without a request (ms). */
  readonly idleMs: number;
}

/** What a session was opened with, re-verified on each request: an API key, or a person's account. */
export type Credential = { readonly key: string } | { readonly account: string; readonly version: number };

/** A person's account as the session shows it (display only; the principal carries the scopes). */
export interface SessionAccount {
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
  readonly role: string;
  readonly via: 'password' | 'oidc';
  /** The account's credentials version at sign-in: a later password or binding change ends the session. */
  readonly credentialsVersion: number;
}

export interface Session {
  /** Re-derived on every request (an account's role may change while it is signed in). */
  principal: Principal;
  account: SessionAccount | null;
  readonly csrf: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  lastSeen: number;
  /** The key or account signed in with: re-verified on each request, never sent to the browser. */
  readonly credential: Credential;
}

type Verified = { ok: true; principal: Principal } | { ok: false; reason: string };
export type VerifyKey = (token: string) => Promise<Verified>;
/** Reads an account now: its current principal (scopes of its current role), or why it may no longer sign in. */
export type VerifyAccount = (id: string) => Promise<({ ok: true; principal: Principal; account: Omit<SessionAccount, 'via'> }) | { ok: false; reason: string }>;

const MAX_SESSIONS = 10_000;
const ID_BYTES = 32;
const ID_RE = /^[A-Za-z0-9_-]{43}$/;

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

export class SessionStore {
  /** sha256(id) → session: a heap dump does not hand out usable cookies. */
  private readonly sessions = new Map<string, Session>();

  /** One verification per request: the session-first hook and the handler share it. */
  private readonly checked = new WeakMap<FastifyRequest, Promise<Session>>();

  constructor(
    readonly spec: SessionSpec,
    private readonly verifyKey: VerifyKey,
    private readonly now: () => number = Date.now,
    private readonly verifyAccount?: VerifyAccount,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Verifies the key, opens a session and sets its cookie. Returns the CSRF token for the page. */
  async signIn(request: FastifyRequest, reply: FastifyReply, key: string): Promise<Session> {
    const v = await this.verifyKey(key);
    if (!v.ok || v.principal.kind !== this.spec.kind) {
      // One message for every failure: which keys exist is not for a sign-in form to tell.
      throw new CgError('SIGN_IN_FAILED', `not a valid ${this.spec.kind} key`, 401, [{ code: 'SIGN_IN_FAILED', message: 'key rejected', path: 'key' }]);
    }
    return this.open(request, reply, v.principal, { key }, null);
  }

  /**
   * Opens a session for a person's account whose credentials the caller has checked (password,
   * OpenID Connect). The account is re-read on every request of the session.
   */
  async signInAccount(request: FastifyRequest, reply: FastifyReply, accountId: string, via: SessionAccount['via']): Promise<Session> {
    const v = await this.verifyAccount?.(accountId);
    if (!v?.ok || v.principal.kind !== this.spec.kind) {
      throw new CgError('SIGN_IN_FAILED', 'sign-in refused', 401, [{ code: 'SIGN_IN_FAILED', message: 'account rejected', path: 'login' }]);
    }
    return this.open(request, reply, v.principal, { account: accountId, version: v.account.credentialsVersion }, { ...v.account, via });
  }

  private open(request: FastifyRequest, reply: FastifyReply, principal: Principal, credential: Credential, account: SessionAccount | null): Session {
    this.sweep();
    const old = this.lookup(request);
    if (old) this.sessions.delete(old.hash);
    const id = randomBytes(ID_BYTES).toString('base64url');
    const at = this.now();
    const session: Session = {
      principal,
      account,
      csrf: randomBytes(ID_BYTES).toString('base64url'),
      createdAt: at,
      expiresAt: at + this.spec.ttlMs,
      lastSeen: at,
      credential,
    };
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(digest(id), session);
    reply.header('set-cookie', this.cookie(request, id, Math.floor(this.spec.ttlMs / 1000)));
    return session;
  }

  signOut(request: FastifyRequest, reply: FastifyReply): void {
    const hit = this.lookup(request);
    if (hit) this.sessions.delete(hit.hash);
    reply.header('set-cookie', this.cookie(request, '', 0));
  }

  /**
   * The request's live session, with its key re-verified, or a 401. State-changing methods
   * also need the CSRF token and, when the browser names one, a same-origin `Origin`.
   */
  require(request: FastifyRequest): Promise<Session> {
    let p = this.checked.get(request);
    if (!p) this.checked.set(request, (p = this.check(request)));
    return p;
  }

  private async check(request: FastifyRequest): Promise<Session> {
    const hit = this.lookup(request);
    if (!hit) throw new CgError('NO_SESSION', 'sign in first', 401);
    const { session, hash } = hit;
    if ('key' in session.credential) {
      const v = await this.verifyKey(session.credential.key);
      if (!v.ok) {
        this.sessions.delete(hash);
        throw new CgError('NO_SESSION', `the key of this session is ${v.reason === 'revoked' || v.reason === 'expired' ? v.reason : 'no longer valid'}: sign in again`, 401);
      }
    } else {
      const { account, version } = session.credential;
      const found = this.verifyAccount ? await this.verifyAccount(account) : undefined;
      const v = !found ? { ok: false as const, reason: 'unknown' } : found.ok && found.account.credentialsVersion !== version ? { ok: false as const, reason: 'credentials' } : found;
      if (!v.ok) {
        this.sessions.delete(hash);
        const why = v.reason === 'disabled' ? 'is disabled' : v.reason === 'credentials' ? 'has a new password or sign-in binding' : 'is no longer valid';
        throw new CgError('NO_SESSION', `the account of this session ${why}: sign in again`, 401);
      }
      // The role as it is now, not as it was at sign-in.
      session.principal = v.principal;
      session.account = { ...v.account, via: session.account?.via ?? 'password' };
    }
    if (!SAFE_METHODS.has(request.method)) {
      checkOrigin(request);
      const given = request.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameToken(given, session.csrf)) {
        throw new CgError('CSRF_FAILED', 'missing or wrong x-csrf-token header', 403);
      }
    }
    session.lastSeen = this.now();
    return session;
  }

  private lookup(request: FastifyRequest): { session: Session; hash: string } | undefined {
    const id = readCookie(request.headers.cookie, this.spec.cookie);
    if (!id || !ID_RE.test(id)) return undefined;
    const hash = digest(id);
    const session = this.sessions.get(hash);
    if (!session) return undefined;
    const at = this.now();
    if (at >= session.expiresAt || at - session.lastSeen >= this.spec.idleMs) {
      this.sessions.delete(hash);
      return undefined;
    }
    return { session, hash };
  }

  /** Drops expired and idle sessions; runs on every sign-in, so the map cannot grow stale. */
  private sweep(): void {
    const at = this.now();
    for (const [hash, s] of this.sessions) {
      if (at >= s.expiresAt || at - s.lastSeen >= this.spec.idleMs) this.sessions.delete(hash);
    }
  }

  private cookie(request: FastifyRequest, value: string, maxAge: number): string {
    const parts = [`${this.spec.cookie}=${value}`, `Path=${this.spec.path}`, `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Strict'];
    if (request.protocol === 'https') parts.push('Secure');
    return parts.join('; ');
  }
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A browser sends `Origin` on every cross-site POST; when it is there it must be this server.
 * (Absent `Origin` — old browsers, non-browser clients — falls back to the CSRF token alone.)
 */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers.host;
  let ok = false;
  try {
    ok = host !== undefined && new URL(origin).host === host;
  } catch {
    ok = false;
  }
  if (!ok) throw new CgError('CSRF_FAILED', 'cross-origin request refused', 403);
}

/** The value of one cookie from a Cookie header (first occurrence), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
