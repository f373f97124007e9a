/**
 * The JSON the server sends, as the client's consumers see it. Written out here (not imported from
 * the server's modules) so that the published client's declarations stand alone: importing the
 * server's types would drag the server's modules — and through them Zod, PGlite and Fastify
 * types — into every consumer's build. test/package/client-wire.test.ts holds each type here equal
 * to the server's own at compile time (`tsc --noEmit`, part of `npm test`), so they cannot drift.
 */

/** Why the gate refused (src/core/gate/types.ts `DENY_CODES`). */
export type DenyCode =
  | 'UNDECLARED_RECIPIENT'
  | 'UNDECLARED_PURPOSE'
  | 'UNDECLARED_ITEMS'
  | 'NO_CONSENT'
  | 'CONSENT_WITHDRAWN'
  | 'CONSENT_EXPIRED'
  | 'NO_TRANSFER_GROUND'
  | 'RETENTION_EXPIRED'
  | 'SUBJECT_OBJECTED'
  | 'SUBJECT_ERASED'
  | 'POLICY_DENY'
  | 'UNKNOWN_SUBJECT'
  | 'NO_LEGAL_BASIS'
  | 'NO_ORDER'
  | 'NO_TRANSFER_CONSENT'
  | 'CONSENT_STALE'
  | 'TRANSFER_SUSPENDED'
  | 'NO_RECIPIENT_CONTRACT';

/**
 * Problem codes a consent request can answer with that a client acts on (docs/consent.md):
 * `RECIPIENT_REQUIRED` (422: a grant to a class names the seller), `INVALID_RECIPIENT_SCOPE` (422:
 * cite the notice naming that seller, `GET /v1/notices/:cp?recipient=`), `EVENT_ID_CONFLICT` (409:
 * the event id belongs to another event; nothing was recorded).
 */
export type ConsentProblemCode =
  | 'RECIPIENT_REQUIRED'
  | 'INVALID_RECIPIENT_SCOPE'
  | 'EVENT_ID_CONFLICT'
  | 'CONSENT_NOT_APPLICABLE'
  | 'DECLARATION_NOT_IN_NOTICE'
  | 'UNKNOWN_NOTICE'
  | 'GUARDIAN_REQUIRED';

/** A consent choice: the provision (`<declaration id>`) or the separate overseas transfer (`<declaration id>:transfer`). */
export type ConsentChoice = 'provision' | 'transfer';

/** How a released item is shaped (registry `form`). */
export type ReleaseForm = 'plain' | 'masked' | 'safe_number' | 'token';

/** One check of a decision, with the article it applies. */
export interface TraceStep {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly article?: string;
}

/** `POST /v1/releases`: the data the recipient may have, each item in its declared form. */
export interface Release {
  readonly decision_id: string;
  readonly ledger_index: number;
  readonly declaration_id: string;
  readonly basis: string;
  /** category → value in its declared form. */
  readonly items: Record<string, unknown>;
  readonly forms: Record<string, ReleaseForm>;
  /** Allowed categories the vault holds no value for. */
  readonly missing: string[];
  /** When the recipient must have deleted the data; null while unbounded (ongoing contract, indefinite). */
  readonly retention_until: string | null;
}

/** `POST /v1/releases/explain`: the decision and its trace, no data. */
export interface Explanation {
  readonly allow: boolean;
  readonly code: DenyCode | null;
  readonly article: string | null;
  readonly message: string | null;
  readonly recipient: string;
  readonly declaration_id: string | null;
  readonly basis: string | null;
  readonly items: ReadonlyArray<{ category: string; form: string }>;
  readonly retention_until: string | null;
  readonly consent_event_id: string | null;
  readonly notice_hash: string | null;
  readonly registry_hash: string;
  readonly trace: readonly TraceStep[];
}

/** `GET /v1/subjects/:id/data`: what the vault holds for a subject — never values. */
export interface SubjectDataSummary {
  readonly subject: string;
  readonly erased: boolean;
  readonly erased_at: string | null;
  readonly key_version: number | null;
  readonly items: ReadonlyArray<{ category: string; bytes: number; key_version: number; updated_at: string }>;
}

/** `POST /v1/orders`, `GET /v1/orders/:id`: an order of a customer with one seller (class member). */
export interface Order {
  readonly id: string;
  readonly subject: string;
  readonly recipient: string;
  readonly declarations: readonly string[];
  readonly placedAt: string;
  readonly createdAt: string;
  /** True when the answer is an identical earlier registration (HTTP 200 instead of 201). */
  readonly replayed: boolean;
}
