/** Who is calling: resolved from the API key before any handler runs. */
import type { KeyKind } from '../store/keys-repo.ts';
import type { AuthFailureGuard } from './auth-failures.ts';

export type { KeyKind };

export interface Principal {
  readonly kind: KeyKind;
  /** Admin: the key's own id; recipient: recipient or member id; subject: subject id. */
  readonly id: string;
  /** The API key's id (never the secret): what logs, rate limits and the ledger name. */
  readonly keyId: string;
  readonly scopes: readonly string[];
}

/**
 * What a route demands: which key kinds may call it, and which scopes an ADMIN key must hold
 * (all of them; `*` holds every scope). Recipient and subject keys carry a fixed capability
 * (recipient: `release`; subject: its own data only — the handler must compare `principal.id`),
 * so `scopes` is not checked for them. Several kinds may be allowed:
 * `{ kind: ['subject', 'admin'], scopes: ['consents:write'] }`.
 */
export type AuthSpec =
  | { readonly kind: 'public' }
  | { readonly kind: KeyKind | readonly KeyKind[]; readonly scopes?: readonly string[] }
  | SessionAuth;

/**
 * A browser interface's API (`/console/api`, `/privacy/api`): authenticated by that interface's
 * session cookie, not by a key header. The route's handler enforces it (`SessionStore.require`,
 * which also checks `x-csrf-token` on state-changing methods) — the key hook has nothing to check —
 * and the console checks `scopes` against the admin key the session was opened with.
 * Declared here so the OpenAPI document names the cookie and scopes (openapi-security.ts).
 */
export interface SessionAuth {
  readonly kind: 'session';
  readonly session: 'console' | 'privacy';
  readonly scopes?: readonly string[];
}

export const ADMIN_SCOPES = [
  'registry:read',
  'registry:write',
  'recipients:read',
  'recipients:write',
  'keys:write',
  'consents:write',
  'subjects:read',
  'subjects:write',
  'orders:write',
  'rights:write',
  'ledger:read',
  'reports:read',
  'metrics:read',
  '*',
] as const;

export function hasScopes(p: Principal, required: readonly string[]): boolean {
  if (p.scopes.includes('*')) return true;
  return required.every((s) => p.scopes.includes(s));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook; null when no (valid) key was presented. */
    principal: Principal | null;
    /** Why authentication failed, when a key was presented but rejected. */
    authFailure: string | null;
    /** The per-address failed-authentication budget (src/http/auth-failures.ts), for sign-in forms. */
    readonly authFailures: AuthFailureGuard | null;
  }
  interface FastifyContextConfig {
    auth?: AuthSpec;
  }
}
