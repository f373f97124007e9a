import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CgError } from '../core/errors.ts';
import { parseKey, type ApiKeys, type Verification } from '../app/api-keys.ts';
import { hasScopes, type AuthSpec } from './principal.ts';
import type { AuthFailureGuard } from './auth-failures.ts';

/**
 * Authentication runs in two steps so the rate limiter sits between them:
 * 1. `identify` (global onRequest): reads `Authorization: Bearer <key>` or `x-api-key`, verifies
 *    it and sets `request.principal` — never rejects by itself;
 * 2. rate limiting (per verified key id, else per client address), so failed guesses are limited —
 *    and failed authentications have their own, much smaller budget per address (auth-failures.ts);
 * 3. `authorize` (per route, from `config.auth`): 401 `UNAUTHENTICATED` / 403 `FORBIDDEN_*`,
 *    before the body is even parsed.
 */
export function installAuth(app: FastifyInstance, keys: ApiKeys, failures?: AuthFailureGuard): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('authFailure', null);
  // Sign-in forms (session.ts) take the key from a body: they consult the same per-address budget.
  app.decorateRequest('authFailures', { getter: () => failures ?? null });
  const refuse = (reply: FastifyReply, e: CgError, done: (err?: Error) => void) => {
    reply.header('retry-after', String(e.extra.retry_after ?? 60));
    done(e);
  };
  // Callback-style hooks (here and below): no promise of their own per request.
  app.addHook('onRequest', (request, reply, done) => {
    const token = presentedKey(request);
    if (token === undefined) return done();
    // An address over its failed-authentication budget: no key of it is verified (auth-failures.ts).
    const locked = failures?.refusal(request.ip);
    if (locked) return refuse(reply, locked, done);
    // A key whose row is cached (the common case) is verified in this turn, without a promise.
    // (No named closure here: the tsx loader `npm start` runs gives each one a `name` property
    // as it is made, which allocates on every request.)
    const cached = keys.verifyCached(token);
    if (cached) return verified(request, reply, done, cached);
    keys.verify(token).then((v) => verified(request, reply, done, v), done);
  });
  function verified(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void, v: Verification): void {
    if (v.ok) {
      request.principal = v.principal;
      return done();
    }
    request.authFailure = v.reason;
    if (!failures) return done();
    failures.failed(request.ip).then((over) => (over ? refuse(reply, over, done) : done()), done);
  }
}

/** Adds `authorize` to every route that declares `config.auth`; call after the rate limiter is registered. */
export function installAuthorize(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    if (!auth) return;
    const hook = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
      try {
        authorize(request, auth);
      } catch (e) {
        return done(e as Error);
      }
      done();
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
  });
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h === 'string' && h.length > 0) return bearerToken(h);
  const x = request.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

/** The token of an `Authorization` value, '' when it is not `Bearer <token>`. */
export function bearerToken(h: string): string {
  return /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] ?? '';
}

export function authorize(request: FastifyRequest, auth: AuthSpec): void {
  // Session routes: the handler checks the cookie (SessionStore.require), see principal.ts.
  if (auth.kind === 'public' || auth.kind === 'session') return;
  const p = request.principal;
  if (!p) {
    const why = request.authFailure;
    const detail =
      why === 'expired' ? 'the API key has expired'
      : why === 'revoked' ? 'the API key has been revoked'
      : why ? 'the API key is not valid'
      : 'an API key is required (Authorization: Bearer <key>)';
    throw new CgError('UNAUTHENTICATED', detail, 401);
  }
  const kinds: readonly string[] = typeof auth.kind === 'string' ? [auth.kind] : auth.kind;
  if (!kinds.includes(p.kind)) {
    throw new CgError('FORBIDDEN_KEY_KIND', `this endpoint needs a ${kinds.join(' or ')} key, not a ${p.kind} key`, 403);
  }
  if (p.kind === 'admin' && auth.scopes && !hasScopes(p, auth.scopes)) {
    throw new CgError('FORBIDDEN_SCOPE', `this endpoint needs the scope(s) ${auth.scopes.join(', ')}`, 403, [], { required_scopes: [...auth.scopes] });
  }
}

/**
 * What the access log says about the key (docs/security.md "Logs"): the verified key's id — never
 * its secret — so an incident traces to a key; for a refused key, why, and the id it claimed when
 * it was well-formed (a malformed token could be anything, a pasted secret included: not logged).
 * The field is `keyId`, not `key`: `key` is a redacted path (server.ts), which hid the id.
 */
export function keyFields(request: FastifyRequest): { keyId?: string; authFailure?: string; claimedKeyId?: string } {
  if (request.principal) return { keyId: request.principal.keyId };
  const why = request.authFailure;
  if (!why) return {};
  const claimed = why === 'malformed' ? undefined : parseKey(presentedKey(request) ?? '')?.id;
  return { authFailure: why, ...(claimed ? { claimedKeyId: claimed } : {}) };
}

/**
 * For routes that take a key from a body (console and privacy-centre sign-in): refused while the
 * address is over its failed-authentication budget, and a failed `attempt` counts against it —
 * one budget for every way of presenting a key.
 */
export async function guardedSignIn<T>(request: FastifyRequest, attempt: () => Promise<T>): Promise<T> {
  const guard = request.authFailures;
  const locked = guard?.refusal(request.ip);
  if (locked) throw locked;
  try {
    return await attempt();
  } catch (e) {
    if (guard && e instanceof CgError && e.status === 401) {
      const over = await guard.failed(request.ip);
      if (over) throw over;
    }
    throw e;
  }
}
