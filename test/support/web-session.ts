import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { readCookie } from '../../src/http/session.ts';

/** The headers of a JSON request from the console's own origin (http://cg.test). */
export const JSON_FROM_CONSOLE = { 'content-type': 'application/json', host: 'cg.test' };

/** A console (`/console`) or privacy-centre (`/privacy`) session opened over `server.inject`. */
export interface WebSession {
  /** The sign-in answer. */
  readonly res: LightMyRequestResponse;
  readonly setCookie: string;
  /** `name=value` for a Cookie header (an empty value when sign-in was refused). */
  readonly cookie: string;
  /** The CSRF token ('' when sign-in was refused). */
  readonly csrf: string;
  get(url: string): Promise<LightMyRequestResponse>;
  /** A JSON POST with the session's cookie and, unless `csrf: false`, its CSRF token. */
  post(url: string, payload: unknown, opts?: { csrf?: boolean }): Promise<LightMyRequestResponse>;
}

/**
 * Signs in: an admin key or a login and password at `/console`, a subject token at `/privacy`.
 * Does not judge the answer (`res`): tests of refusals use it as is; `signedIn` expects 200.
 */
export async function signInSession(
  server: FastifyInstance,
  credentials: Record<string, string>,
  opts: { path?: '/console' | '/privacy'; headers?: Record<string, string> } = {},
): Promise<WebSession> {
  const path = opts.path ?? '/console';
  const res = await server.inject({ method: 'POST', url: `${path}/api/session`, headers: { ...JSON_FROM_CONSOLE, ...opts.headers }, payload: credentials });
  const setCookie = String(res.headers['set-cookie'] ?? '');
  const name = path === '/console' ? 'cg_console' : 'cg_privacy';
  const cookie = `${name}=${readCookie(setCookie.split(';')[0], name) ?? ''}`;
  const csrf = res.statusCode === 200 ? (res.json() as { csrf: string }).csrf : '';
  return {
    res,
    setCookie,
    cookie,
    csrf,
    get: (url) => server.inject({ method: 'GET', url, headers: { cookie, host: JSON_FROM_CONSOLE.host } }),
    post: (url, payload, o = {}) =>
      server.inject({ method: 'POST', url, headers: { ...JSON_FROM_CONSOLE, cookie, ...((o.csrf ?? true) ? { 'x-csrf-token': csrf } : {}) }, payload: payload as object }),
  };
}

/** `signInSession` that must succeed (200). */
export async function signedIn(server: FastifyInstance, credentials: Record<string, string>, opts: { path?: '/console' | '/privacy' } = {}): Promise<WebSession> {
  const s = await signInSession(server, credentials, opts);
  expect(s.res.statusCode, s.res.body).toBe(200);
  return s;
}
