/**
 * Who may mint which key (issue 17 item 1). A key may only create keys whose kind and scopes lie
 * within its own: otherwise `keys:write` alone would be `*` — mint a `*` key, then use it — and
 * `recipients:write` or `consents:write` would be a reading right over subjects' data through a
 * recipient key or a subject token. Pure: the HTTP routes and `ApiKeys` ask it before writing.
 *
 * Recipient and subject keys carry a fixed capability instead of admin scopes, so each kind is
 * weighed in the admin scopes that buy the same reach (`KIND_REACH`); only an admin key mints.
 */

export type MintKind = 'admin' | 'recipient' | 'subject';

export interface KeyAuthority {
  readonly kind: MintKind;
  readonly scopes: readonly string[];
}

/**
 * The admin scopes a non-admin key's reach is worth:
 * - a subject token reads and changes one subject's consents, data and rights requests — what
 *   `subjects:read`, `subjects:write` and `consents:write` allow an admin key on those routes;
 * - a recipient key obtains subjects' data through releases (explained under `subjects:read`),
 *   reads its deletion requests (`recipients:read`), and is a recipient credential, which only
 *   `recipients:write` manages (POST /v1/recipients/{id}/keys).
 */
export const KIND_REACH: Readonly<Record<Exclude<MintKind, 'admin'>, readonly string[]>> = {
  subject: ['subjects:read', 'subjects:write', 'consents:write'],
  recipient: ['recipients:write', 'recipients:read', 'subjects:read'],
};

/** The admin scopes a key of `target`'s kind and scopes is worth. */
export function reachOf(target: KeyAuthority): readonly string[] {
  return target.kind === 'admin' ? target.scopes : KIND_REACH[target.kind];
}

/**
 * The scopes `holder` lacks to mint `target` (empty: allowed). Only admin keys mint; `*` holds
 * every scope, and only `*` may mint `*`.
 */
export function missingToMint(holder: KeyAuthority, target: KeyAuthority): string[] {
  const need = [...new Set(reachOf(target))];
  if (holder.kind !== 'admin') return need.length > 0 ? need : ['*'];
  if (holder.scopes.includes('*')) return [];
  return need.filter((s) => !holder.scopes.includes(s));
}
