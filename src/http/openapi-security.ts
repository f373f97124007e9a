import type { AuthSpec, KeyKind } from './principal.ts';
import { CONSOLE_SESSION, PRIVACY_SESSION } from './routes/console.ts';

/**
 * How the OpenAPI document says who may call an operation: derived from the route's `auth`, so
 * it cannot drift from what `authorize` (auth.ts) and the session routes enforce. The contract
 * test (test/http/openapi-contract.test.ts) calls every secured operation without credentials
 * and expects the 401 this promises.
 *
 * Every key is a bearer token (`Authorization: Bearer cg_<kind>_<keyId>_<secret>`, or the same
 * value in `x-api-key`); the three kinds are three schemes because each opens different
 * operations. Admin scopes are listed as the requirement's roles (OpenAPI 3.1 allows role names
 * for non-OAuth schemes). The browser interfaces' APIs take their session cookie instead, and a
 * state-changing request also the session's CSRF token in `x-csrf-token` — both together.
 */
type Scheme = Record<string, unknown>;
export type SecurityRequirement = Record<string, string[]>;

const bearer = (kind: KeyKind, who: string): Scheme => ({
  type: 'http',
  scheme: 'bearer',
  bearerFormat: `cg_${kind}_<keyId>_<secret>`,
  description: `${who} Also accepted as the \`x-api-key\` header. A revoked, expired or unknown key: 401 UNAUTHENTICATED; another kind of key: 403 FORBIDDEN_KEY_KIND.`,
});

export function securitySchemes(opts: { mutualTls: boolean }): Record<string, Scheme> {
  return {
    adminKey: bearer('admin', "An operator's API key. Its scopes (`*` holds all) are listed per operation; a missing one is 403 FORBIDDEN_SCOPE."),
    recipientKey: bearer('recipient', "A recipient's (seller's, courier's, processor's) API key: releases, token redemption, deletion requests."),
    subjectToken: bearer('subject', "A data subject's (customer's) token: that subject's own consents, data and requests only (403 FORBIDDEN_SUBJECT otherwise)."),
    ...(opts.mutualTls
      ? {
          recipientCertificate: {
            type: 'mutualTLS',
            description: 'A recipient whose client certificate is bound (PUT /v1/recipients/{id}/certificate) must present exactly that certificate with its key: 401 CLIENT_CERT_REQUIRED, 403 CLIENT_CERT_MISMATCH.',
          },
        }
      : {}),
    consoleSession: {
      type: 'apiKey',
      in: 'cookie',
      name: CONSOLE_SESSION.cookie,
      description: 'The officer console session (POST /console/api/session with an admin key). Scopes are those of the admin key signed in with. 401 NO_SESSION without one.',
    },
    privacySession: {
      type: 'apiKey',
      in: 'cookie',
      name: PRIVACY_SESSION.cookie,
      description: "The privacy centre session (POST /privacy/api/session with a subject token): the signed-in subject's own data only. 401 NO_SESSION without one.",
    },
    csrfToken: {
      type: 'apiKey',
      in: 'header',
      name: 'x-csrf-token',
      description: 'The `csrf` of the session (sign-in or GET …/session answer), on every state-changing session request: 403 CSRF_FAILED otherwise.',
    },
  };
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The operation's `security`: alternatives, each a set of schemes needed together. `[]`: none. */
export function securityFor(auth: AuthSpec | undefined, method: string, opts: { mutualTls: boolean }): SecurityRequirement[] {
  if (!auth || auth.kind === 'public') return [];
  if (auth.kind === 'session') {
    const cookie = auth.session === 'console' ? 'consoleSession' : 'privacySession';
    const req: SecurityRequirement = { [cookie]: [...(auth.scopes ?? [])] };
    if (!SAFE_METHODS.has(method.toUpperCase())) req.csrfToken = [];
    return [req];
  }
  const kinds: readonly KeyKind[] = typeof auth.kind === 'string' ? [auth.kind] : auth.kind;
  return kinds.flatMap((kind): SecurityRequirement[] => {
    if (kind === 'admin') return [{ adminKey: [...(auth.scopes ?? [])] }];
    if (kind === 'subject') return [{ subjectToken: [] }];
    // A recipient bound to a certificate needs both; the others the key alone.
    return opts.mutualTls ? [{ recipientKey: [] }, { recipientKey: [], recipientCertificate: [] }] : [{ recipientKey: [] }];
  });
}
