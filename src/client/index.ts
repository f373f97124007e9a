/**
 * `consentgate/client`: a small typed client for the ConsentGate HTTP API, for recipients
 * (release, explain, redeem) and operators (registry, members, orders, subject data, consents).
 * Dependency-free: global `fetch` (Node 20+, browsers, Deno) or one you pass in.
 *
 * ```ts
 * import { ConsentGateClient, ConsentGateError } from 'consentgate/client';
 * const cg = new ConsentGateClient({ baseUrl: 'https://gate.example', apiKey: process.env.CG_KEY! });
 * try {
 *   const r = await cg.release({ subject: 'cust-42', purpose: 'order_fulfilment', order_ref: 'A-1001' });
 *   ship(r.items.name, r.items.address, r.items.phone);            // phone is a relay number
 * } catch (e) {
 *   if (e instanceof ConsentGateError && e.status === 403) console.log(e.code, e.article);  // e.g. NO_CONSENT, PIPA 17(1)
 *   else throw e;
 * }
 * ```
 */

// Wire types stand alone (./wire.ts), checked equal to the server's own by a compile-time test,
// so the published client needs nothing of the server, not even its types.
import type { ConsentChoice, ConsentProblemCode, DenyCode, Explanation, Order, Release, ReleaseForm, SubjectDataSummary, TraceStep } from './wire.ts';

export type { ConsentChoice, ConsentProblemCode, DenyCode, TraceStep, ReleaseForm, Explanation, Release, SubjectDataSummary, Order };

/** An RFC 9457 problem document as ConsentGate sends it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly path?: string;
  readonly errors?: ReadonlyArray<{ code: string; message: string; path?: string; line?: number; column?: number }>;
  readonly instance?: string;
  readonly article?: string;
  readonly decision_id?: string;
  readonly ledger_index?: number;
  readonly [extra: string]: unknown;
}

/** Every non-2xx answer. `code` is stable; refusals of the gate carry `article` and their decision record. */
export class ConsentGateError extends Error {
  override readonly name = 'ConsentGateError';
  readonly status: number;
  readonly code: string;
  /** The first offending field, e.g. `items[0]` (input errors). */
  readonly path: string | undefined;
  /** Statutory article of a gate refusal, e.g. `PIPA 17(1)`. */
  readonly article: string | undefined;
  readonly decisionId: string | undefined;
  readonly ledgerIndex: number | undefined;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.path = problem.path;
    this.article = problem.article;
    this.decisionId = problem.decision_id;
    this.ledgerIndex = problem.ledger_index;
  }

  /** A refusal by the release gate (as opposed to bad input or authentication). */
  get isDenial(): boolean {
    return this.status === 403 && this.decisionId !== undefined;
  }
}

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8080` (no trailing path). */
  readonly baseUrl: string;
  /** A recipient, admin or subject API key. */
  readonly apiKey: string;
  readonly fetch?: typeof fetch;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

export interface ReleaseRequest {
  readonly subject: string;
  readonly purpose: string;
  /** Omit for everything the declaration and the consent allow. */
  readonly items?: readonly string[];
  readonly order_ref?: string;
}

export interface Redemption {
  readonly decision_id: string;
  readonly ledger_index: number;
  readonly category: string;
  readonly value: string;
  readonly expires_at: string | null;
}

export interface ActiveRegistry {
  readonly version: number;
  readonly hash: string;
  readonly activated_at: string;
  readonly activated_by: string;
  readonly document: Record<string, unknown>;
}

export interface IssuedKey {
  /** The secret: shown once. */
  readonly key: string;
  readonly id: string;
  readonly [field: string]: unknown;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One notice version's decisions, all or nothing. */
export interface ConsentGrant {
  readonly noticeHash: string;
  readonly decisions: ReadonlyArray<{ declarationId: string; grant: boolean; recipientId?: string; expiresAt?: string; eventId?: string }>;
  readonly channel?: 'web' | 'app' | 'api' | 'phone' | 'in_person' | 'paper';
  readonly evidence?: Record<string, string>;
}

export class ConsentGateClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  // ── recipients ──

  /** Asks for a subject's data; throws `ConsentGateError` (403, `code`, `article`) when refused. */
  release(req: ReleaseRequest): Promise<Release> {
    return this.call('POST', '/v1/releases', req);
  }

  /** The decision with its trace, no data. Admin keys must name `recipient`. */
  explain(req: ReleaseRequest & { readonly recipient?: string }): Promise<Explanation> {
    return this.call('POST', '/v1/releases/explain', req);
  }

  /** Exchanges a token from a release for the real value (only the recipient it was issued to). */
  redeem(token: string): Promise<Redemption> {
    return this.call('POST', '/v1/tokens/redeem', { token });
  }

  // ── operators ──

  readonly registry = {
    active: (): Promise<ActiveRegistry> => this.call('GET', '/v1/registry'),
    validate: (yaml: string): Promise<{ hash: string; valid: boolean; counts: { errors: number; warnings: number }; findings: unknown[] }> =>
      this.call('POST', '/v1/registry/validate', yaml, 'text/yaml'),
    store: (yaml: string): Promise<{ version: number; hash: string; created: boolean; counts: { errors: number; warnings: number }; findings: unknown[] }> =>
      this.call('POST', '/v1/registry/versions', yaml, 'text/yaml'),
    activate: (version: number): Promise<{ version: number; hash: string; activated_at: string; changed: boolean }> =>
      this.call('POST', `/v1/registry/versions/${version}/activate`),
  };

  readonly members = {
    /** `agreementVersion`: the class's current agreement version the member accepted (PIPA 28-8(4)). */
    register: (m: { id?: string; class: string; name: string; country: string; contact?: Record<string, string>; agreementVersion?: string }): Promise<Record<string, unknown>> =>
      this.call('POST', '/v1/members', m),
    /** Records that a member accepted a new version of its class's agreement. */
    acceptAgreement: (id: string, agreementVersion: string): Promise<Record<string, unknown>> =>
      this.call('POST', `/v1/members/${enc(id)}/agreement`, { agreementVersion }),
    get: (id: string): Promise<Record<string, unknown>> => this.call('GET', `/v1/members/${enc(id)}`),
    /** A recipient key for a member or a fixed recipient; the secret is in `key`. */
    issueKey: (recipientId: string, opts: { label?: string; expires_at?: string } = {}): Promise<IssuedKey> =>
      this.call('POST', `/v1/recipients/${enc(recipientId)}/keys`, opts),
  };

  readonly subjects = {
    /** Creates a data subject; `token` (the subject's own key) is returned once unless `issueToken: false`. */
    create: (s: { id: string; jurisdiction: 'KR' | 'EU'; birthDate?: string; isChild?: boolean; issueToken?: boolean }): Promise<{ id: string; pseudonym: string; jurisdiction: 'KR' | 'EU'; token?: string }> =>
      this.call('POST', '/v1/subjects', s),
    /** Stores items (category → value; null removes) in the encrypted vault. */
    putData: (id: string, items: Record<string, string | null>): Promise<{ subject: string; stored: string[]; removed: string[] }> =>
      this.call('PUT', `/v1/subjects/${enc(id)}/data`, items),
    /** Categories, sizes and dates held for a subject — never values. */
    describeData: (id: string): Promise<SubjectDataSummary> => this.call('GET', `/v1/subjects/${enc(id)}/data`),
    /** Crypto-shredding: destroys the subject's data key. */
    eraseData: (id: string): Promise<{ subject: string; erased: true; erased_at: string }> => this.call('DELETE', `/v1/subjects/${enc(id)}/data`),
  };

  /**
   * Orders (admin key with `orders:write`): a seller's release must name one of the customer with
   * that seller (`order_ref`), or it is refused with NO_ORDER. Idempotent on `id`.
   */
  readonly orders = {
    register: (o: { id: string; subject: string; recipient: string; declarations: readonly string[]; placedAt?: string }): Promise<Order> =>
      this.call('POST', '/v1/orders', o),
    get: (id: string): Promise<Order> => this.call('GET', `/v1/orders/${enc(id)}`),
  };

  /** Notices and consents (admin key, or the subject's own key for its own consents). */
  readonly consents = {
    /**
     * The current notice of a collection point; its `hash` is what a grant refers to. With
     * `recipient` (a class member: the seller of the order) the notice names that member, and a
     * grant scoped to it must cite this hash (PIPA 17(2)1).
     */
    notice: (collectionPoint: string, lang?: 'ko' | 'en', recipient?: string): Promise<{ hash: string; [field: string]: unknown }> => {
      const q = new URLSearchParams();
      if (lang) q.set('lang', lang);
      if (recipient) q.set('recipient', recipient);
      const qs = q.toString();
      return this.call('GET', `/v1/notices/${enc(collectionPoint)}${qs ? `?${qs}` : ''}`);
    },
    grant: (subject: string, body: ConsentGrant, opts: { gpc?: boolean } = {}): Promise<{ replayed: boolean; receipt: Record<string, unknown> }> =>
      this.call('POST', `/v1/subjects/${enc(subject)}/consents`, body, 'application/json', opts.gpc ? { 'sec-gpc': '1' } : {}),
    withdraw: (subject: string, body: { declarationIds?: string[]; recipientId?: string; eventId?: string; channel?: string } = {}): Promise<{ replayed: boolean; receipt: Record<string, unknown> }> =>
      this.call('POST', `/v1/subjects/${enc(subject)}/consents/withdraw`, body),
    list: (subject: string): Promise<{ subject: { id: string; pseudonym: string; jurisdiction: string }; consents: Array<Record<string, unknown>>; objections: string[] }> =>
      this.call('GET', `/v1/subjects/${enc(subject)}/consents`),
  };

  /** Any other endpoint, with the same error handling. */
  async call<T>(method: Method, path: string, body?: unknown, contentType = 'application/json', extraHeaders: Record<string, string> = {}): Promise<T> {
    const headers: Record<string, string> = { ...extraHeaders, authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json, application/problem+json' };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      payload = typeof body === 'string' && contentType !== 'application/json' ? body : JSON.stringify(body);
    }
    const res = await this.doFetch(this.base + path, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    const parsed = text === '' ? undefined : safeJson(text);
    if (!res.ok) throw new ConsentGateError(asProblem(res.status, parsed, text));
    return parsed as T;
  }
}

const enc = encodeURIComponent;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whatever came back, as a problem: proxies and load balancers do not always speak RFC 9457. */
function asProblem(status: number, body: unknown, text: string): Problem {
  if (body && typeof body === 'object' && typeof (body as Problem).code === 'string') return { ...(body as Problem), status };
  return {
    type: 'about:blank',
    title: `HTTP ${status}`,
    status,
    code: status === 401 ? 'UNAUTHENTICATED' : `HTTP_${status}`,
    detail: text.slice(0, 200) || `HTTP ${status}`,
  };
}
