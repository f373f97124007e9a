import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { accountKeyId, type Account } from '../../app/accounts-service.ts';
import type { AppContext } from '../../app/context.ts';
import { CgError } from '../../core/errors.ts';
import { guardedSignIn } from '../auth.ts';
import { OidcSignIn, PendingSignIns } from '../oidc.ts';
import { defineRoute, mount } from '../route.ts';
import { readCookie, type SessionStore } from '../session.ts';

/**
 * Console sign-in through the company's OpenID provider (oidc.ts):
 * `GET /console/auth/oidc/start` redirects to the provider; the provider redirects back to
 * `GET /console/auth/oidc/callback`, which opens the same console session as a password or key
 * sign-in and redirects to the console. A refusal redirects to `/console/?sign_in_error=<reason>`,
 * which the sign-in page explains.
 *
 * Which account: the one bound to the provider's issuer and subject. A first sign-in may link the
 * enabled, not yet bound account whose login is the e-mail the provider says it *verified*
 * (CONSENTGATE_OIDC_LINK_EMAIL, default on) — and that binding is an admin action in the log. An
 * identity without an account is refused: accounts are only ever created by an officer (or the
 * CLI), never by signing in, so no one becomes an officer by having a login at the provider.
 *
 * Browser redirects, not an API: kept out of the OpenAPI document.
 */
const PENDING_COOKIE = 'cg_oidc';
const PENDING_PATH = '/console/auth/oidc';

export type OidcRefusal = 'not_configured' | 'expired' | 'state' | 'provider' | 'unknown_account' | 'disabled' | 'rate_limited';

export function consoleOidcRoutes(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  const oidc = ctx.config.oidc ? new OidcSignIn(ctx.config.oidc, new PendingSignIns(ctx.db)) : undefined;
  const tags = ['console'];
  const refuse = (reply: FastifyReply, why: OidcRefusal) => reply.redirect(`/console/?sign_in_error=${why}`, 302);

  // The sign-in page asks which ways in this server offers (public: it is what the page shows anyway).
  mount(app, defineRoute({
    method: 'GET',
    url: '/console/auth/options',
    operationId: 'getConsoleSignInOptions',
    summary: 'Console: the sign-in methods this server offers',
    tags,
    hide: true,
    auth: { kind: 'public' },
    response: { 200: z.object({ oidc: z.boolean(), password: z.boolean(), key: z.boolean() }) },
    handler: async () => ({ oidc: oidc !== undefined, password: true, key: true }),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: `${PENDING_PATH}/start`,
    operationId: 'startConsoleOidcSignIn',
    summary: 'Console: sign in with the OpenID provider (redirect)',
    tags,
    hide: true,
    auth: { kind: 'public' },
    rateLimit: { max: 20, timeWindow: 60_000 },
    response: { 302: z.null() },
    handler: async ({ request, reply }) => {
      if (!oidc) return refuse(reply, 'not_configured');
      let started;
      try {
        started = await oidc.start();
      } catch (e) {
        request.log.warn({ err: (e as Error).message }, 'OpenID provider discovery failed');
        return refuse(reply, 'provider');
      }
      // SameSite=Lax: the provider's redirect back is a cross-site navigation; Strict would drop it.
      reply.header('set-cookie', pendingCookie(request, started.pendingId, 600));
      return reply.redirect(started.url.href, 302);
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: `${PENDING_PATH}/callback`,
    operationId: 'finishConsoleOidcSignIn',
    summary: "Console: the OpenID provider's redirect back (sets the console session cookie, redirects to the console)",
    tags,
    hide: true,
    auth: { kind: 'public' },
    rateLimit: { max: 20, timeWindow: 60_000 },
    query: z.object({ state: z.string().max(512).optional(), code: z.string().max(4096).optional(), error: z.string().max(256).optional() }).passthrough(),
    response: { 302: z.null() },
    handler: async ({ request, reply, query }) => {
      if (!oidc) return refuse(reply, 'not_configured');
      // The pending cookie is cleared whatever happens next, a database error included.
      reply.header('set-cookie', pendingCookie(request, '', 0));
      try {
        await guardedSignIn(request, async () => {
          const p = await oidc.take(readCookie(request.headers.cookie, PENDING_COOKIE)).catch((e: unknown) => {
            request.log.warn({ err: (e as Error).message }, 'OpenID sign-in state could not be read');
            throw new Refused('provider');
          });
          if (!p) throw new Refused('expired');
          // Checked here too (openid-client checks it again): a wrong state never reaches the token endpoint.
          if (query.state !== p.state) throw new Refused('state');
          let account: Account | undefined;
          try {
            const id = await oidc.finish(p, new URL(request.url, 'http://x').search);
            account = await findAccount(ctx, oidc.config.linkByEmail ?? true, id);
          } catch (e) {
            if (e instanceof Refused) throw e;
            request.log.warn({ err: (e as Error).message }, 'OpenID sign-in failed at the provider');
            throw new Refused('provider');
          }
          await sessions.signInAccount(request, reply, account.id, 'oidc');
        });
      } catch (e) {
        if (e instanceof Refused) return refuse(reply, e.why);
        if (e instanceof CgError && e.status === 429) return refuse(reply, 'rate_limited');
        if (e instanceof CgError && e.code === 'SIGN_IN_FAILED') return refuse(reply, 'disabled');
        throw e;
      }
      return reply.redirect('/console/', 302);
    },
  }));
}

/** A refused OpenID sign-in: a 401 for the failed-authentication budget, a reason for the page. */
class Refused extends CgError {
  constructor(readonly why: OidcRefusal) {
    super('SIGN_IN_FAILED', `OpenID sign-in refused: ${why}`, 401);
  }
}

async function findAccount(ctx: AppContext, linkByEmail: boolean, id: { issuer: string; subject: string; verifiedEmail: string | undefined }): Promise<Account> {
  const bound = await ctx.accounts.findByOidc(id.issuer, id.subject);
  if (bound) {
    if (bound.disabledAt) throw new Refused('disabled');
    return bound;
  }
  if (!linkByEmail || !id.verifiedEmail) throw new Refused('unknown_account');
  const byEmail = await ctx.accounts.findByLogin(id.verifiedEmail);
  // Only an account nobody has bound yet: a second identity with the same e-mail is not the same person.
  if (!byEmail || byEmail.oidc !== null) throw new Refused('unknown_account');
  if (byEmail.disabledAt) throw new Refused('disabled');
  const linked = await ctx.accounts.bindOidc(byEmail.id, id.issuer, id.subject, accountKeyId(byEmail.id));
  // The binding is conditional (a concurrent sign-in may have taken the subject): trust only what holds.
  if (linked.oidc?.issuer !== id.issuer || linked.oidc.subject !== id.subject) throw new Refused('unknown_account');
  return linked;
}

function pendingCookie(request: FastifyRequest, value: string, maxAge: number): string {
  const parts = [`${PENDING_COOKIE}=${value}`, `Path=${PENDING_PATH}`, `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Lax'];
  if (request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}
