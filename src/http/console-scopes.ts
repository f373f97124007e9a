import type { FastifyRequest } from 'fastify';
import { CgError } from '../core/errors.ts';
import { hasScopes } from './principal.ts';
import type { Session, SessionStore } from './session.ts';

/** A console route's auth: a console session holding `scopes` (checked on request and again in the handler). */
export const consoleAuth = (scopes: readonly string[]) => ({ kind: 'session', session: 'console', scopes }) as const;

/**
 * The session a console handler acts for, with the route's declared scopes checked again on it.
 * The onRequest hook (console.ts) already refused a session without them; checking the session the
 * handler actually uses keeps the guarantee if an account's role changed in between.
 */
export async function sessionWithScopes(sessions: SessionStore, request: FastifyRequest): Promise<Session> {
  const s = await sessions.require(request);
  const auth = request.routeOptions.config.auth;
  const scopes = auth?.kind === 'session' ? (auth.scopes ?? []) : [];
  if (!hasScopes(s.principal, scopes)) throw new CgError('FORBIDDEN_SCOPE', `this session lacks ${scopes.join(', ')}`, 403);
  return s;
}
