/**
 * Console roles (issue 19) and the admin scopes (src/http/principal.ts) each one grants. The
 * server checks these scopes on every console API call; the page only follows them.
 * - officer: everything;
 * - auditor: read-only, including reports and the ledger;
 * - support: rights requests only (read subjects, act on requests).
 */
export const ROLES = ['officer', 'auditor', 'support'] as const;
export type Role = (typeof ROLES)[number];

const SCOPES: Readonly<Record<Role, readonly string[]>> = {
  officer: ['*'],
  auditor: ['registry:read', 'recipients:read', 'subjects:read', 'ledger:read', 'reports:read', 'metrics:read'],
  support: ['subjects:read', 'rights:write'],
};

export const isRole = (r: unknown): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r);

export const scopesOfRole = (role: Role): readonly string[] => SCOPES[role];
