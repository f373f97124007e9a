import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CgError } from '../../core/errors.ts';
import { hasScopes } from '../principal.ts';
import { defineRoute, mount } from '../route.ts';
import { guardedSignIn } from '../auth.ts';
import { checkOrigin, SessionStore, type Session, type SessionSpec } from '../session.ts';
import { loadWebAssets, type WebAsset } from '../web-assets.ts';
import { consoleApi } from './console-api.ts';
import { consoleRegistryApi } from './console-registry.ts';
import { consoleRightsApi } from './console-rights.ts';
import { consoleReportsApi } from './console-reports.ts';
import { privacyNoticesApi } from './privacy-notices.ts';
import type { RoutePlugin } from './index.ts';
import { privacyApi } from './privacy-api.ts';
import { consoleAccountsApi } from './console-accounts.ts';
import { consoleOidcRoutes } from './console-oidc.ts';
import type { AccountsService } from '../../app/accounts-service.ts';
import type { VerifyAccount } from '../session.ts';

/**
 * The web interfaces, on the API's own port:
 * - `/console/`  — the privacy officer's console (admin key → session);
 * - `/privacy/`  — the customer privacy centre, Korean and English (subject key → session);
 * - `/widget/consentgate-widget.js` — the embeddable `<consent-gate-widget>`;
 * - `/demo/checkout.html` — a marketplace checkout page embedding the widget.
 * Plain ES modules, no build step: Preact and htm come from node_modules through an import map.
 */
export const CONSOLE_SESSION: SessionSpec = { cookie: 'cg_console', path: '/console', kind: 'admin', ttlMs: 8 * 3600_000, idleMs: 30 * 60_000 };
export const PRIVACY_SESSION: SessionSpec = { cookie: 'cg_privacy', path: '/privacy', kind: 'subject', ttlMs: 2 * 3600_000, idleMs: 30 * 60_000 };

const STATIC_PREFIXES = ['console', 'privacy', 'widget', 'demo', 'shared', 'vendor'] as const;

export const consoleRoutes: RoutePlugin = (app, ctx) => {
  const assets = loadWebAssets();
  const verify = (token: string) => ctx.keys.verify(token);
  const consoleSessions = new SessionStore(CONSOLE_SESSION, verify, Date.now, accountVerifier(ctx.accounts));
  const privacySessions = new SessionStore(PRIVACY_SESSION, verify);

  for (const prefix of STATIC_PREFIXES) serveStatic(app, assets, prefix);
  requireSessionFirst(app, { console: consoleSessions, privacy: privacySessions });
  sessionRoutes(app, consoleSessions, 'console', ctx.accounts);
  sessionRoutes(app, privacySessions, 'privacy');
  consoleApi(app, ctx, consoleSessions);
  consoleAccountsApi(app, ctx, consoleSessions);
  consoleOidcRoutes(app, ctx, consoleSessions);
  consoleRegistryApi(app, ctx, consoleSessions);
  privacyApi(app, ctx, privacySessions);
  consoleRightsApi(app, ctx, consoleSessions);
  consoleReportsApi(app, ctx, consoleSessions);
  privacyNoticesApi(app, ctx, privacySessions);

  // The widget names the one seller of an order (PIPA 28-8(2): who receives, in which country).
  // A seller's trade name and country are what the notice must disclose anyway: public.
  mount(app, defineRoute({
    method: 'GET',
    url: '/widget/api/recipients/:id',
    operationId: 'getWidgetRecipient',
    summary: "Widget: a registered seller's name, country and class, for the per-seller transfer notice",
    tags: ['widget'],
    auth: { kind: 'public' },
    params: z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/) }),
    response: { 200: z.object({ id: z.string(), name: z.string(), country: z.string(), class_id: z.string() }) },
    handler: async ({ params }) => {
      const m = ctx.members.get(params.id);
      const row = m && !m.disabled ? await ctx.members.find(params.id) : undefined;
      if (!row) throw new CgError('UNKNOWN_RECIPIENT', `no registered recipient "${params.id}"`, 404, [{ code: 'UNKNOWN_RECIPIENT', message: 'unknown recipient', path: 'id' }]);
      return { id: row.id, name: row.name, country: row.country, class_id: row.classId };
    },
  }));
};

/** Console sessions of people: the account as it is now (role → scopes), or refused once disabled. */
function accountVerifier(accounts: AccountsService): VerifyAccount {
  return async (id) => {
    const v = await accounts.principalOf(id);
    if (!v.ok) return v;
    const a = v.account;
    return { ok: true, principal: v.principal, account: { id: a.id, login: a.login, displayName: a.displayName, role: a.role, credentialsVersion: a.credentialsVersion } };
  };
}

/**
 * Session routes authenticate before their input is parsed or validated, as key routes do
 * (auth.ts): without a session the answer is 401 NO_SESSION (403 CSRF_FAILED without the token),
 * 403 FORBIDDEN_SCOPE without the route's scopes — never a validation error that tells a stranger
 * about the input. The handler asks the store again for the session it uses (the same check,
 * made once per request). This hook is what enforces a console role on every console API route,
 * whichever file declares it: the route's declared scopes against the session's principal.
 */
function requireSessionFirst(app: FastifyInstance, stores: Record<'console' | 'privacy', SessionStore>): void {
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    if (auth?.kind !== 'session') return;
    const store = stores[auth.session];
    const hook = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
      store.require(request).then((session) => {
        const scopes = auth.scopes ?? [];
        done(hasScopes(session.principal, scopes) ? undefined : forbidden(session, scopes));
      }, done);
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
  });
}

function forbidden(session: Session, scopes: readonly string[]): CgError {
  const who = session.account ? `the ${session.account.role} role` : 'this admin key';
  const what = scopes.map((s) => (s === '*' ? '* (officer only)' : s)).join(', ');
  return new CgError('FORBIDDEN_SCOPE', `${who} lacks ${what}`, 403, [], { required_scopes: [...scopes] });
}

/** The app-wide headers forbid everything; a page needs its own policy, the widget script must be embeddable. */
function serveStatic(app: FastifyInstance, assets: ReadonlyMap<string, WebAsset>, prefix: string): void {
  app.route({
    method: 'GET',
    url: `/${prefix}`,
    schema: { hide: true },
    handler: async (_req, reply) => reply.redirect(`/${prefix}/`, 301),
  });
  app.route({
    method: 'GET',
    url: `/${prefix}/*`,
    schema: { hide: true },
    onSend: async (request, reply, payload) => {
      const a = (request as FastifyRequest & { webAsset?: WebAsset }).webAsset;
      if (!a) return payload;
      reply.header('content-security-policy', a.csp ?? "default-src 'none'; frame-ancestors 'none'");
      reply.header('cache-control', prefix === 'vendor' ? 'public, max-age=86400' : 'no-cache');
      // The widget is loaded by marketplaces from their own origin with a <script> tag.
      if (prefix === 'widget') reply.header('cross-origin-resource-policy', 'cross-origin');
      return payload;
    },
    handler: async (request, reply) => {
      let path = request.url.split('?')[0]!;
      if (path.endsWith('/')) path += 'index.html';
      const a = assets.get(path);
      if (!a) throw new CgError('NOT_FOUND', 'no such page', 404);
      (request as FastifyRequest & { webAsset?: WebAsset }).webAsset = a;
      reply.header('etag', a.etag);
      if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
      return reply.type(a.type).send(a.body);
    },
  });
}

const sessionView = (s: Session) => ({
  csrf: s.csrf,
  principal: { kind: s.principal.kind, id: s.principal.id, key_id: s.principal.keyId, scopes: [...s.principal.scopes] },
  ...(s.account ? { account: { id: s.account.id, login: s.account.login, display_name: s.account.displayName, role: s.account.role, via: s.account.via } } : {}),
  expires_at: new Date(s.expiresAt).toISOString(),
});

const sessionSchema = z.object({
  csrf: z.string().describe('send back in x-csrf-token on every POST/DELETE'),
  principal: z.object({ kind: z.string(), id: z.string(), key_id: z.string(), scopes: z.array(z.string()) }),
  account: z
    .object({ id: z.string(), login: z.string(), display_name: z.string(), role: z.string().describe('officer, auditor or support'), via: z.enum(['password', 'oidc']) })
    .optional()
    .describe('console only: the person signed in (absent for an admin-key session)'),
  expires_at: z.string(),
});

const keySignIn = z.strictObject({ key: z.string().min(1).max(200) });
const passwordSignIn = z.strictObject({ login: z.string().min(1).max(300), password: z.string().min(1).max(1024) });

function sessionRoutes(app: FastifyInstance, sessions: SessionStore, name: 'console' | 'privacy', accounts?: AccountsService): void {
  const url = `/${name}/api/session`;
  const who = name === 'console' ? 'an admin key' : 'a subject key (customer token)';
  const tags = [name === 'console' ? 'console' : 'privacy-centre'];

  mount(app, defineRoute({
    method: 'POST',
    url,
    operationId: `create${name === 'console' ? 'Console' : 'Privacy'}Session`,
    summary: `Sign in to the ${name === 'console' ? 'officer console' : 'privacy centre'} with ${who}: sets an HttpOnly session cookie`,
    description:
      'Returns the CSRF token the page must send in `x-csrf-token` on state-changing requests. 401 SIGN_IN_FAILED for any bad key' +
      (accounts ? ' — or, for a person with a console account, `{login, password}` (401 SIGN_IN_FAILED for any wrong login, password or disabled account).' : '.'),
    tags,
    auth: { kind: 'public' },
    body: accounts ? z.union([keySignIn, passwordSignIn]) : keySignIn,
    bodyLimit: 2048,
    // Sign-in is a key (and password) guess oracle: far fewer tries than the API's per-key limit,
    // and every failure counts against the address's failed-authentication budget.
    rateLimit: { max: 20, timeWindow: 60_000 },
    response: { 200: sessionSchema },
    handler: async ({ request, reply, body }) => {
      checkOrigin(request);
      const b = body as { key: string } | { login: string; password: string };
      if ('key' in b) return sessionView(await guardedSignIn(request, () => sessions.signIn(request, reply, b.key)));
      return sessionView(
        await guardedSignIn(request, async () => {
          const account = await accounts!.checkPassword(b.login, b.password);
          if (!account) throw new CgError('SIGN_IN_FAILED', 'wrong login or password, or the account is disabled', 401, [{ code: 'SIGN_IN_FAILED', message: 'sign-in refused', path: 'password' }]);
          return sessions.signInAccount(request, reply, account.id, 'password');
        }),
      );
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url,
    operationId: `get${name === 'console' ? 'Console' : 'Privacy'}Session`,
    summary: 'The current session and its CSRF token (401 NO_SESSION when signed out)',
    tags,
    auth: { kind: 'session', session: name },
    response: { 200: sessionSchema },
    handler: async ({ request }) => sessionView(await sessions.require(request)),
  }));

  mount(app, defineRoute({
    method: 'DELETE',
    url,
    operationId: `delete${name === 'console' ? 'Console' : 'Privacy'}Session`,
    summary: 'Sign out (x-csrf-token required)',
    tags,
    auth: { kind: 'session', session: name },
    response: { 204: z.null() },
    handler: async ({ request, reply }) => {
      await sessions.require(request);
      sessions.signOut(request, reply);
      return reply.code(204).send();
    },
  }));
}
