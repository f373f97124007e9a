import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { viewAccount } from '../../app/accounts-service.ts';
import { ROLES } from '../../core/accounts/roles.ts';
import { defineRoute, mount } from '../route.ts';
import type { SessionStore } from '../session.ts';

/**
 * The console's "People" API: list, add and disable the accounts people sign in with, change a
 * role or a password. Officer only — the scope `*`, which only the officer role (or a full admin
 * key) holds: an account that could add accounts could make itself an officer.
 * Every change is an admin action in the transparency log with the acting session's key id
 * (`account:<id>` for a person) as the actor.
 */
const auth = { kind: 'session', session: 'console', scopes: ['*'] } as const;
const tags = ['console'];
const role = z.enum(ROLES);
const idParam = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) });

const accountSchema = z.object({
  id: z.string(),
  login: z.string(),
  display_name: z.string(),
  role,
  scopes: z.array(z.string()),
  password: z.boolean().describe('whether a local password is set'),
  oidc: z.object({ issuer: z.string() }).nullable().describe('the OpenID provider the account is bound to'),
  created_at: z.string(),
  created_by: z.string(),
  disabled_at: z.string().nullable(),
});

export function consoleAccountsApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  // The session-first hook (console.ts) has checked the scope; this is the actor.
  const actor = async (request: Parameters<SessionStore['require']>[0]) => (await sessions.require(request)).principal.keyId;

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/accounts',
    operationId: 'listConsoleAccounts',
    summary: 'Console: the people who may sign in, with their roles (officer session)',
    tags,
    auth,
    response: { 200: z.object({ accounts: z.array(accountSchema), roles: z.array(z.string()) }) },
    handler: async ({ request }) => {
      await sessions.require(request);
      return { accounts: (await ctx.accounts.list()).map(viewAccount), roles: [...ROLES] };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/accounts',
    operationId: 'createConsoleAccount',
    summary: 'Console: add a person with a role; a password (12+ characters) is optional when they sign in with OpenID Connect (officer session)',
    tags,
    auth,
    body: z.strictObject({
      login: z.string().min(1).max(300).describe('a login or e-mail address; an e-mail matching a verified OpenID e-mail links that identity on first sign-in'),
      display_name: z.string().min(1).max(200),
      role,
      password: z.string().min(1).max(256).optional(),
    }),
    bodyLimit: 4096,
    response: { 201: accountSchema },
    handler: async ({ request, body }) =>
      viewAccount(await ctx.accounts.create({ login: body.login, displayName: body.display_name, role: body.role, password: body.password }, await actor(request))),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/accounts/:id/disable',
    operationId: 'disableConsoleAccount',
    summary: "Console: disable an account — its sessions end with their next request (officer session)",
    tags,
    auth,
    params: idParam,
    response: { 200: accountSchema },
    handler: async ({ request, params }) => viewAccount(await ctx.accounts.disable(params.id, await actor(request))),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/accounts/:id/role',
    operationId: 'setConsoleAccountRole',
    summary: "Console: change an account's role — effective on its sessions' next request (officer session)",
    tags,
    auth,
    params: idParam,
    body: z.strictObject({ role }),
    response: { 200: accountSchema },
    handler: async ({ request, params, body }) => viewAccount(await ctx.accounts.setRole(params.id, body.role, await actor(request))),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/accounts/:id/password',
    operationId: 'setConsoleAccountPassword',
    summary: "Console: set (or with null remove) an account's local password (officer session)",
    tags,
    auth,
    params: idParam,
    body: z.strictObject({ password: z.string().min(1).max(256).nullable() }),
    bodyLimit: 2048,
    response: { 200: accountSchema },
    handler: async ({ request, params, body }) => viewAccount(await ctx.accounts.setPassword(params.id, body.password, await actor(request))),
  }));
}
