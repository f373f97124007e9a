import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/demo-seed.ts';
import { insertOutboxMessages } from '../../src/store/outbox-repo.ts';
import { OPERATION_ID_RE, routesWithoutOperationId } from '../../src/http/route.ts';
import { PROBLEM_MEDIA_TYPE } from '../../src/http/problem.ts';
import { DEMO_YAML, testApp, type TestApp } from './app-support.ts';
import { ContractValidator, operations, redoclyLint, type Answer, type Json, type Operation } from './openapi-support.ts';

/**
 * The API contract (issue 18 item 4): /openapi.json passes `redocly lint` (recommended ruleset)
 * with no errors and no warnings, every operation is named and secured, and live responses of
 * every operation — to valid input and to invalid input — are what the document says: a
 * declared status, a declared content type, a body valid against that media type's schema.
 *
 * Valid input: SAMPLES below, one or more per operationId, run in order against the demo data
 * (`npm start`'s sellers and customers). A route without a sample fails "every operation answers
 * a valid request": add one. Invalid input is generic, derived from the document: the operation
 * without credentials (401), and a valid sample with one body, query or path value broken
 * (400/422 VALIDATION_FAILED) — so routes added later are covered without writing anything.
 */
type Credential = 'none' | 'admin' | 'seller' | 'ads' | 'subject' | 'euSubject' | 'customer' | 'console' | 'privacy';

interface Sample {
  readonly op: string;
  readonly as: Credential;
  readonly params?: (s: State) => Record<string, string | number>;
  readonly query?: Record<string, string> | ((s: State) => Record<string, string>);
  /** JSON unless `type` says otherwise. */
  readonly body?: ((s: State) => unknown) | Json | string;
  readonly type?: string;
  readonly headers?: Record<string, string>;
  /** Expected status (default: any 2xx). */
  readonly status?: number;
  readonly after?: (body: Json, s: State, res: Answer) => unknown;
}

interface State {
  adminKey: string;
  seller: string;
  /** The ad partner's recipient key (issued by createRecipientKey): its e-mail item comes as a token. */
  ads: string;
  euSubject: string;
  marketingHash: string;
  /** cust-kim-minji's subject token (consented at checkout in the demo). */
  customer: string;
  /** cust-lee-junho's subject token, for the privacy centre. */
  privacyKey: string;
  /** A subject created by the test (createSubject). */
  subjectToken: string;
  registryVersion: number;
  noticeHash: string;
  apiKeyId: string;
  receiptId: string;
  rightsId: string;
  /** An open request the console acts on. */
  consoleRightsId: string;
  deletionId: string;
  outboxId: string;
  releaseToken: string;
  /** A PIPC suspension order recorded by createTransferSuspension. */
  suspensionId: string;
  /** A console account added by createConsoleAccount. */
  accountId: string;
  console: { cookie: string; csrf: string };
  /** The console registry dry run's confirmation digest, for activateConsoleRegistry. */
  registryConfirmation: string;
  privacy: { cookie: string; csrf: string };
}

const SUBJECT = 'cust-contract-1';
const EU_SUBJECT = 'cust-contract-eu';
const MEMBER = 'seller-contract';
const SELLER = 'seller-sz-gadgets';
const CUSTOMER = 'cust-kim-minji';
const today = () => new Date().toISOString().slice(0, 10);
const cookieOf = (res: Answer) => String([res.headers['set-cookie']].flat()[0] ?? '').split(';')[0]!;

const SAMPLES: readonly Sample[] = [
  { op: 'getHealth', as: 'none' },
  { op: 'getReadiness', as: 'none' },
  { op: 'getActiveRegistry', as: 'admin' },
  { op: 'validateRegistry', as: 'admin', type: 'text/yaml', body: DEMO_YAML },
  { op: 'validateRegistry', as: 'admin', body: { yaml: DEMO_YAML } },
  { op: 'createRegistryVersion', as: 'admin', type: 'text/yaml', body: DEMO_YAML, after: (b, s) => (s.registryVersion = b.version as number) },
  { op: 'listRegistryVersions', as: 'admin' },
  { op: 'getRegistryVersion', as: 'admin', params: (s) => ({ version: s.registryVersion }) },
  { op: 'activateRegistryVersion', as: 'admin', params: (s) => ({ version: s.registryVersion }) },
  { op: 'listRecipients', as: 'admin' },
  { op: 'createMember', as: 'admin', body: { id: MEMBER, class: 'cn_sellers', name: 'Contract Test Seller', country: 'CN' }, status: 201 },
  { op: 'listMembers', as: 'admin', query: { class: 'cn_sellers', country: 'CN' } },
  { op: 'getMember', as: 'admin', params: () => ({ id: MEMBER }) },
  { op: 'createRecipientKey', as: 'admin', params: () => ({ id: MEMBER }), body: { label: 'contract' }, status: 201 },
  { op: 'acceptMemberAgreement', as: 'admin', params: () => ({ id: MEMBER }), body: { agreementVersion: '2026-01' } },
  // Orders (a seller's release names one) and PIPC suspension orders (for the test's own member only).
  { op: 'createOrder', as: 'admin', body: { id: 'A-CONTRACT-1', subject: CUSTOMER, recipient: SELLER, declarations: ['sellers_fulfilment'] }, status: 201 },
  { op: 'createOrder', as: 'admin', body: { id: 'A-CONTRACT-1', subject: CUSTOMER, recipient: SELLER, declarations: ['sellers_fulfilment'] }, status: 200 },
  { op: 'getOrder', as: 'admin', params: () => ({ id: 'A-CONTRACT-1' }) },
  {
    op: 'createTransferSuspension',
    as: 'admin',
    body: { recipient: MEMBER, effective_from: '2026-01-01T00:00:00Z', reference: 'PIPC order (contract test)' },
    status: 201,
    after: (b, s) => (s.suspensionId = b.id as string),
  },
  { op: 'listTransferSuspensions', as: 'admin' },
  { op: 'getTransferSuspension', as: 'admin', params: (s) => ({ id: s.suspensionId }) },
  { op: 'liftTransferSuspension', as: 'admin', params: (s) => ({ id: s.suspensionId }), body: { lifted_from: '2026-02-01T00:00:00Z', reference: 'PIPC lifting (contract test)' } },
  { op: 'createApiKey', as: 'admin', body: { kind: 'admin', scopes: ['registry:read'], label: 'contract' }, status: 201, after: (b, s) => (s.apiKeyId = b.id as string) },
  { op: 'listApiKeys', as: 'admin', query: { kind: 'admin' } },
  { op: 'rotateApiKey', as: 'admin', params: (s) => ({ id: s.apiKeyId }), body: { grace_seconds: 0 }, status: 201 },
  { op: 'revokeApiKey', as: 'admin', params: (s) => ({ id: s.apiKeyId }) },
  { op: 'getLatestCheckpoint', as: 'none' },
  { op: 'getLatestCheckpoint', as: 'none', query: { format: 'json' } },
  { op: 'listCheckpoints', as: 'none', query: { limit: '5' } },
  { op: 'getLedgerEntry', as: 'none', params: () => ({ index: 0 }) },
  { op: 'getConsistencyProof', as: 'none', query: { from: '1' } },
  { op: 'getLedgerKeys', as: 'none' },
  { op: 'listSubjectLedgerEntries', as: 'customer', params: () => ({ id: CUSTOMER }) },
  {
    op: 'listNotices',
    as: 'none',
    after: (b, s) => {
      const hash = (cp: string) => (b.notices as Json[]).find((n) => n.collection_point === cp)!.hash as string;
      s.noticeHash = hash('checkout');
      s.marketingHash = hash('marketing');
    },
  },
  // The checkout notice naming the order's seller: what a consent scoped to that seller cites (PIPA 17(2)1).
  { op: 'getNotice', as: 'none', params: () => ({ collectionPoint: 'checkout' }), query: { lang: 'en', recipient: SELLER }, after: (b, s) => (s.noticeHash = b.hash as string) },
  { op: 'getNotice', as: 'none', params: () => ({ collectionPoint: 'checkout' }), query: { format: 'html' } },
  { op: 'getNoticeByHash', as: 'none', params: (s) => ({ hash: s.noticeHash }) },
  { op: 'getReceiptKeys', as: 'none' },
  { op: 'createSubject', as: 'admin', body: { id: SUBJECT, jurisdiction: 'KR', birthDate: '1990-04-01' }, status: 201, after: (b, s) => (s.subjectToken = b.token as string) },
  {
    op: 'recordConsents',
    as: 'subject',
    params: () => ({ id: SUBJECT }),
    body: (s) => ({
      noticeHash: s.noticeHash,
      channel: 'web',
      decisions: [
        { declarationId: 'sellers_fulfilment', grant: true, recipientId: SELLER, eventId: 'contract-consent-1' },
        { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: SELLER, eventId: 'contract-consent-1-t' },
      ],
    }),
    after: (b, s) => (s.receiptId = (b.receipt as Json).receiptId as string),
  },
  { op: 'listConsents', as: 'subject', params: () => ({ id: SUBJECT }) },
  { op: 'listConsentHistory', as: 'subject', params: () => ({ id: SUBJECT }) },
  { op: 'getReceipt', as: 'subject', params: (s) => ({ id: SUBJECT, receiptId: s.receiptId }) },
  { op: 'putSubjectData', as: 'admin', params: () => ({ id: SUBJECT }), body: { name: 'Contract Person', phone: '010-0000-0000' } },
  { op: 'getSubjectData', as: 'admin', params: () => ({ id: SUBJECT }) },
  {
    op: 'createRelease',
    as: 'seller',
    body: { subject: CUSTOMER, purpose: 'order_fulfilment', order_ref: 'A-CONTRACT-1' },
  },
  { op: 'createRelease', as: 'seller', body: { subject: 'cust-park-seoyeon', purpose: 'order_fulfilment' }, status: 403 },
  { op: 'explainRelease', as: 'seller', body: { subject: 'cust-park-seoyeon', purpose: 'order_fulfilment' } },
  // A token to redeem: the ad partner gets an EU customer's e-mail address as a token.
  { op: 'createSubject', as: 'admin', body: { id: EU_SUBJECT, jurisdiction: 'EU' }, status: 201, after: (b, s) => (s.euSubject = b.token as string) },
  { op: 'putSubjectData', as: 'admin', params: () => ({ id: EU_SUBJECT }), body: { email: 'contract@mail.example', order_history: '[]', browsing_history: '[]' } },
  {
    op: 'recordConsents',
    as: 'euSubject',
    params: () => ({ id: EU_SUBJECT }),
    // Ad targeting in the US: the provision and, apart, the transfer abroad (PIPA 22(1), 28-8(1)1).
    body: (s) => ({
      noticeHash: s.marketingHash,
      decisions: [
        { declarationId: 'ad_partner', grant: true, eventId: 'contract-consent-2' },
        { declarationId: 'ad_partner:transfer', grant: true, eventId: 'contract-consent-2-t' },
      ],
    }),
    status: 201,
  },
  { op: 'createRecipientKey', as: 'admin', params: () => ({ id: 'adreach' }), status: 201, after: (b, s) => (s.ads = b.key as string) },
  {
    op: 'createRelease',
    as: 'ads',
    body: { subject: EU_SUBJECT, purpose: 'ad_targeting', items: ['email'] },
    after: (b, s) => (s.releaseToken = (b.items as Json).email as string),
  },
  { op: 'redeemReleaseToken', as: 'ads', body: (s) => ({ token: s.releaseToken }) },
  { op: 'listSubjectRecipients', as: 'customer', params: () => ({ id: CUSTOMER }) },
  { op: 'getUsageNotice', as: 'customer', params: () => ({ id: CUSTOMER }), query: () => ({ year: String(new Date().getUTCFullYear()) }) },
  { op: 'exportSubjectData', as: 'customer', params: () => ({ id: CUSTOMER }) },
  { op: 'exportSubjectData', as: 'customer', params: () => ({ id: CUSTOMER }), query: { format: 'csv' } },
  { op: 'setRecipientWebhook', as: 'admin', params: () => ({ id: SELLER }), body: { url: `https://${SELLER}.example/hooks/consentgate` } },
  {
    op: 'createRightsRequest',
    as: 'customer',
    params: () => ({ id: CUSTOMER }),
    body: { type: 'withdrawal', scope: { declarations: ['sellers_fulfilment'] } },
    status: 201,
    after: (b, s) => (s.rightsId = b.id as string),
  },
  { op: 'listRightsRequests', as: 'customer', params: () => ({ id: CUSTOMER }) },
  { op: 'getRightsRequest', as: 'admin', params: (s) => ({ rid: s.rightsId }) },
  { op: 'advanceRightsRequest', as: 'admin', params: (s) => ({ rid: s.rightsId }), body: { action: 'verify', evidence: { method: 'signed_in_account', reference: 'case-1' } } },
  { op: 'advanceRightsRequest', as: 'admin', params: (s) => ({ rid: s.rightsId }), body: { action: 'start' } },
  { op: 'advanceRightsRequest', as: 'admin', params: (s) => ({ rid: s.rightsId }), body: { action: 'complete' } },
  { op: 'listOverdueRightsRequests', as: 'admin' },
  { op: 'listDeletionRequests', as: 'seller', after: (b, s) => (s.deletionId = (b.deletions as Json[])[0]!.id as string) },
  { op: 'confirmDeletionRequest', as: 'seller', params: (s) => ({ id: s.deletionId }) },
  // beforeAll left a dead letter to requeue.
  { op: 'listOutboxMessages', as: 'admin', after: (b, s) => (s.outboxId = (b.dead as Json[])[0]!.id as string) },
  { op: 'requeueOutboxMessage', as: 'admin', params: (s) => ({ id: s.outboxId }) },
  { op: 'bindRecipientCertificate', as: 'admin', params: () => ({ id: MEMBER }), body: { fingerprint: 'ab'.repeat(32) } },
  { op: 'unbindRecipientCertificate', as: 'admin', params: () => ({ id: MEMBER }) },
  { op: 'getProcessingReport', as: 'admin', query: () => ({ from: '2020-01-01', to: today() }) },
  { op: 'getProcessingReport', as: 'admin', query: () => ({ from: '2020-01-01', to: today(), format: 'csv' }) },
  { op: 'getProcessingReport', as: 'admin', query: () => ({ from: '2020-01-01', to: today(), format: 'html', lang: 'ko' }) },
  { op: 'createBreachReport', as: 'admin', body: () => ({ recipient: SELLER, discovered_at: new Date().toISOString() }) },
  { op: 'withdrawConsents', as: 'subject', params: () => ({ id: SUBJECT }), body: { declarationIds: ['sellers_fulfilment'] } },
  { op: 'eraseSubjectData', as: 'admin', params: () => ({ id: SUBJECT }) },
  { op: 'getWidgetRecipient', as: 'none', params: () => ({ id: SELLER }) },
  // The officer console: a session cookie from an admin key, the CSRF token on DELETE.
  { op: 'createConsoleSession', as: 'none', body: (s) => ({ key: s.adminKey }), after: (b, s, res) => (s.console = { cookie: cookieOf(res), csrf: b.csrf as string }) },
  { op: 'getConsoleSession', as: 'console' },
  { op: 'getConsoleOverview', as: 'console' },
  { op: 'getConsoleRecipients', as: 'console' },
  { op: 'listConsoleDecisions', as: 'console', query: { limit: '5' } },
  { op: 'listConsoleStaleConsents', as: 'console', query: { limit: '5' } },
  { op: 'getConsoleCharts', as: 'console', query: { days: '7' } },
  { op: 'getConsoleLedger', as: 'console' },
  { op: 'listConsoleRightsRequests', as: 'console' },
  { op: 'listConsoleRightsQueue', as: 'console' },
  { op: 'getConsoleRightsRequest', as: 'console', params: (s) => ({ rid: s.rightsId }) },
  { op: 'createRightsRequest', as: 'customer', params: () => ({ id: CUSTOMER }), body: { type: 'access' }, status: 201, after: (b, s) => (s.consoleRightsId = b.id as string) },
  { op: 'actOnConsoleRightsRequest', as: 'console', params: (s) => ({ rid: s.consoleRightsId }), body: { action: 'verify', evidence: { method: 'mobile_identity', reference: 'ticket-77' } } },
  { op: 'exportConsoleReport', as: 'console', query: () => ({ kind: 'transfers', format: 'csv', from: '2026-01-01', to: today(), lang: 'ko', tz: 'Asia/Seoul' }) },
  { op: 'getConsoleReport', as: 'console', params: () => ({ name: 'findings.json' }) },
  { op: 'getConsoleReport', as: 'console', params: () => ({ name: 'findings.sarif' }) },
  // People (officer only; the admin-key session holds `*`): add, change the role and password, disable.
  {
    op: 'createConsoleAccount',
    as: 'console',
    body: { login: 'contract-auditor@shop.example', display_name: 'Contract Auditor', role: 'auditor', password: 'contract password 1' },
    status: 201,
    after: (b, s) => (s.accountId = b.id as string),
  },
  { op: 'listConsoleAccounts', as: 'console' },
  { op: 'setConsoleAccountRole', as: 'console', params: (s) => ({ id: s.accountId }), body: { role: 'support' } },
  { op: 'setConsoleAccountPassword', as: 'console', params: (s) => ({ id: s.accountId }), body: { password: 'another contract password' } },
  { op: 'disableConsoleAccount', as: 'console', params: (s) => ({ id: s.accountId }) },
  // The console registry editor: lint, diff, dry run, store, confirmed activation, history.
  { op: 'getConsoleActiveRegistrySource', as: 'console' },
  { op: 'lintConsoleRegistry', as: 'console', body: { yaml: DEMO_YAML } },
  { op: 'lintConsoleRegistry', as: 'console', body: { yaml: 'version: 1\noperator: [' } },
  { op: 'diffConsoleRegistry', as: 'console', body: { yaml: DEMO_YAML.replace('kr_age: 14', 'kr_age: 15') } },
  { op: 'diffConsoleRegistry', as: 'console', body: (s) => ({ from: s.registryVersion, to: s.registryVersion }) },
  { op: 'createConsoleRegistryVersion', as: 'console', body: { yaml: DEMO_YAML } },
  { op: 'dryRunConsoleRegistry', as: 'console', body: (s) => ({ version: s.registryVersion }), after: (b, s) => (s.registryConfirmation = b.confirmation as string) },
  { op: 'activateConsoleRegistry', as: 'console', body: (s) => ({ version: s.registryVersion, confirmation: s.registryConfirmation }) },
  { op: 'listConsoleRegistryVersions', as: 'console', query: { limit: '5' } },
  { op: 'getConsoleRegistryVersion', as: 'console', params: (s) => ({ version: s.registryVersion }) },
  { op: 'deleteConsoleSession', as: 'console', status: 204 },
  // The privacy centre: a session cookie from a subject token (cust-lee-junho, still consenting).
  { op: 'createPrivacySession', as: 'none', body: (s) => ({ key: s.privacyKey }), after: (b, s, res) => (s.privacy = { cookie: cookieOf(res), csrf: b.csrf as string }) },
  { op: 'getPrivacySession', as: 'privacy' },
  { op: 'listMyConsents', as: 'privacy' },
  { op: 'listMyReleases', as: 'privacy' },
  { op: 'exportMyData', as: 'privacy' },
  { op: 'listMyRightsRequests', as: 'privacy' },
  { op: 'listMyRightsNotices', as: 'privacy' },
  { op: 'createMyRightsRequest', as: 'privacy', body: { type: 'access' }, status: 201 },
  { op: 'withdrawMyConsent', as: 'privacy', body: { declarationId: 'sellers_fulfilment' } },
  { op: 'deletePrivacySession', as: 'privacy', status: 204 },
];

let app: TestApp;
let doc: Json;
let ops: Operation[];
let validator: ContractValidator;
const state = {} as State;
/** operationId → statuses validated against the document. */
const covered = new Map<string, number[]>();
const violations: string[] = [];

function credentials(as: Credential, method: string): Record<string, string> {
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
  switch (as) {
    case 'none':
      return {};
    case 'admin':
      return bearer(state.adminKey);
    case 'seller':
      return bearer(state.seller);
    case 'ads':
      return bearer(state.ads);
    case 'euSubject':
      return bearer(state.euSubject);
    case 'customer':
      return bearer(state.customer);
    case 'subject':
      return bearer(state.subjectToken);
    case 'console':
    case 'privacy': {
      const s = state[as];
      return { cookie: s.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': s.csrf }) };
    }
  }
}

interface Request {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

const fillPath = (path: string, params: Record<string, string | number>) =>
  path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return encodeURIComponent(String(params[name]));
  });

function build(op: Operation, params: Record<string, string | number>, query: Record<string, string>, body: unknown, type: string | undefined, headers: Record<string, string>): Request {
  const qs = new URLSearchParams(query).toString();
  const hasBody = body !== undefined;
  return {
    method: op.method,
    url: fillPath(op.path, params) + (qs ? `?${qs}` : ''),
    headers: { ...headers, ...(hasBody ? { 'content-type': type ?? 'application/json' } : {}) },
    ...(hasBody ? { payload: typeof body === 'string' && type ? body : JSON.stringify(body) } : {}),
  };
}

async function send(op: Operation, req: Request): Promise<Answer & { json: () => Json }> {
  const res = await app.server.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
  const answer = { statusCode: res.statusCode, headers: res.headers, body: res.body };
  const wrong = validator.check(op, answer);
  violations.push(...wrong.map((w) => `${w} [${req.method} ${req.url}]`));
  if (wrong.length === 0) covered.set(op.operationId, [...(covered.get(op.operationId) ?? []), res.statusCode]);
  return Object.assign(answer, { json: () => JSON.parse(res.body) as Json });
}

/** The valid request of each operation, kept to derive its invalid variants. */
const validRequests = new Map<string, { sample: Sample; params: Record<string, string | number>; query: Record<string, string>; body: unknown }>();

beforeAll(async () => {
  app = await testApp({ demo: true });
  const demo = await seedDemo(app.ctx);
  if (!demo) throw new Error('demo data was not seeded');
  Object.assign(state, {
    adminKey: app.adminKey,
    seller: demo.sellerKeys[SELLER]!,
    customer: demo.customerKeys[CUSTOMER]!,
    privacyKey: demo.customerKeys['cust-lee-junho']!,
  });
  // A delivery that failed its only attempt: a dead letter for requeueOutboxMessage.
  const at = Date.now();
  const dead = { id: 'msg_contract_dead', kind: 'webhook' as const, destination: 'whk_missing', topic: 'deletion.requested', body: '{}', maxAttempts: 1, createdAt: at, nextAttemptAt: at };
  await app.ctx.db.transaction((tx) => insertOutboxMessages(tx, [dead]));
  await app.ctx.outbox.runOnce();
  doc = (await app.server.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
  ops = operations(doc);
  validator = new ContractValidator(doc);
}, 180_000);
afterAll(async () => {
  await app?.close();
});

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended ruleset) with no errors and no warnings', async () => {
    const lint = await redoclyLint(doc);
    expect(lint.problems, 'redocly lint problems').toEqual([]);
    expect(lint.errors).toBe(0);
    expect(lint.warnings).toBe(0);
  }, 120_000);

  it('names every operation with a unique lower-camelCase operationId, declared on its route', () => {
    expect(routesWithoutOperationId(), 'routes mounted without an operationId (route.ts)').toEqual([]);
    const ids = ops.map((o) => o.operationId);
    for (const o of ops) expect(o.operationId, `${o.method} ${o.path}`).toMatch(OPERATION_ID_RE);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'duplicate operationIds').toEqual([]);
    expect(ops.length).toBeGreaterThan(70);
  });

  it('declares servers, the security schemes and security on every operation', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminKey', 'consoleSession', 'csrfToken', 'privacySession', 'recipientKey', 'subjectToken']);
    for (const o of ops) expect(Array.isArray(o.op.security), `${o.operationId} security`).toBe(true);
    const security = (id: string) => ops.find((o) => o.operationId === id)!.op.security;
    expect(security('createRelease')).toEqual([{ recipientKey: [] }]);
    expect(security('listConsents')).toEqual([{ subjectToken: [] }, { adminKey: ['subjects:read'] }]);
    expect(security('getConsoleOverview')).toEqual([{ consoleSession: ['registry:read'] }]);
    expect(security('withdrawMyConsent')).toEqual([{ privacySession: [], csrfToken: [] }]);
    expect(security('getLatestCheckpoint')).toEqual([]);
  });

  it('declares errors as problem+json and the real media types of every response', () => {
    for (const o of ops) {
      for (const range of ['4XX', '5XX']) expect(Object.keys(o.op.responses[range]?.content ?? {}), `${o.operationId} ${range}`).toEqual([PROBLEM_MEDIA_TYPE]);
    }
    const types = (id: string) => Object.keys(ops.find((o) => o.operationId === id)!.op.responses['200'].content).sort();
    expect(types('getLatestCheckpoint')).toEqual(['application/json', 'text/plain']);
    expect(types('getNotice')).toEqual(['application/json', 'text/html']);
    expect(types('exportSubjectData')).toEqual(['application/json', 'text/csv']);
    expect(types('getProcessingReport')).toEqual(['application/json', 'application/pdf', 'text/csv', 'text/html']);
    expect(types('getConsoleReport')).toEqual(['application/json', 'application/sarif+json']);
  });

  it('the response check catches an undeclared status, a wrong media type and a body off its schema', () => {
    const op = (id: string) => ops.find((o) => o.operationId === id)!;
    const json = { 'content-type': 'application/json; charset=utf-8' };
    expect(validator.check(op('getHealth'), { statusCode: 200, headers: json, body: '{"status":"ok"}' })).toEqual([]);
    expect(validator.check(op('getHealth'), { statusCode: 200, headers: json, body: '{"status":"nope"}' }).join()).toMatch(/\/status must be equal to one of the allowed values/);
    expect(validator.check(op('getHealth'), { statusCode: 302, headers: json, body: '' }).join()).toMatch(/status not declared/);
    const problem = JSON.stringify({ type: 'urn:consentgate:problem:NOT_FOUND', title: 'Not Found', status: 404, code: 'NOT_FOUND', detail: 'x' });
    expect(validator.check(op('getMember'), { statusCode: 404, headers: { 'content-type': PROBLEM_MEDIA_TYPE }, body: problem })).toEqual([]);
    expect(validator.check(op('getMember'), { statusCode: 404, headers: json, body: problem }).join()).toMatch(/served as application\/json, declared application\/problem\+json/);
    expect(validator.check(op('getMember'), { statusCode: 404, headers: { 'content-type': PROBLEM_MEDIA_TYPE }, body: '{"code":1}' }).join()).toMatch(/must have required property/);
    expect(validator.check(op('getLatestCheckpoint'), { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'note' })).toEqual([]);
    expect(validator.check(op('deleteConsoleSession'), { statusCode: 204, headers: {}, body: 'x' }).join()).toMatch(/a body/);
  });

  it('with mutual TLS requested, a recipient operation takes the key alone or with the bound certificate', async () => {
    const { securityFor, securitySchemes } = await import('../../src/http/openapi-security.ts');
    expect(securitySchemes({ mutualTls: true }).recipientCertificate).toMatchObject({ type: 'mutualTLS' });
    expect(securitySchemes({ mutualTls: false }).recipientCertificate).toBeUndefined();
    expect(securityFor({ kind: 'recipient' }, 'POST', { mutualTls: true })).toEqual([{ recipientKey: [] }, { recipientKey: [], recipientCertificate: [] }]);
    // The document such a server serves lints as cleanly.
    const withTls = structuredClone(doc);
    withTls.components.securitySchemes = securitySchemes({ mutualTls: true });
    for (const o of operations(withTls)) {
      if (o.op.security.some((r: Json) => 'recipientKey' in r)) o.op.security = [...o.op.security, { recipientKey: [], recipientCertificate: [] }];
    }
    expect(operations(withTls).find((o) => o.operationId === 'createRelease')!.op.security).toEqual([{ recipientKey: [] }, { recipientKey: [], recipientCertificate: [] }]);
    const lint = await redoclyLint(withTls);
    expect(lint.problems).toEqual([]);
  }, 120_000);
});

describe('live responses match the document', () => {
  it('every operation answers a valid request as documented', async () => {
    const byId = new Map(ops.map((o) => [o.operationId, o]));
    const unknown = SAMPLES.map((s) => s.op).filter((id) => !byId.has(id));
    expect(unknown, 'samples for operations the document does not have').toEqual([]);
    const failures: string[] = [];
    for (const sample of SAMPLES) {
      const op = byId.get(sample.op)!;
      const params = sample.params?.(state) ?? {};
      const query = typeof sample.query === 'function' ? sample.query(state) : (sample.query ?? {});
      const body = typeof sample.body === 'function' ? (sample.body as (s: State) => unknown)(state) : sample.body;
      const res = await send(op, build(op, params, query, body, sample.type, { ...credentials(sample.as, op.method), ...sample.headers }));
      const ok = sample.status !== undefined ? res.statusCode === sample.status : res.statusCode >= 200 && res.statusCode < 300;
      if (!ok) failures.push(`${sample.op}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      else {
        if (res.statusCode < 300) validRequests.set(sample.op, { sample, params, query, body });
        sample.after?.(/json/.test(String(res.headers['content-type'])) ? res.json() : {}, state, res);
      }
    }
    expect(failures, 'samples that did not get the expected status').toEqual([]);
    expect(violations, 'responses that differ from the document').toEqual([]);
    const without2xx = ops.filter((o) => !(covered.get(o.operationId) ?? []).some((s) => s < 300)).map((o) => o.operationId);
    expect(without2xx, 'operations without a valid sample (add one to SAMPLES)').toEqual([]);
  }, 300_000);

  it('every operation answers invalid input with a documented problem', async () => {
    const failures: string[] = [];
    // The valid samples ended with signing out: sessions again, for the session routes' invalid input.
    for (const [name, key] of [['console', state.adminKey], ['privacy', state.privacyKey]] as const) {
      const op = ops.find((o) => o.method === 'POST' && o.path === `/${name}/api/session`)!;
      const res = await send(op, build(op, {}, {}, { key }, undefined, {}));
      state[name] = { cookie: cookieOf(res), csrf: res.json().csrf as string };
    }
    for (const op of ops) {
      const valid = validRequests.get(op.operationId);
      const params = valid?.params ?? {};
      const base = { query: valid?.query ?? {}, body: valid?.body, type: valid?.sample.type };
      const placeholders = Object.fromEntries([...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => [m[1]!, '1']));
      const broken = valid ? brokenInput(op, valid.body) : undefined;
      const brokenRequest = (headers: Record<string, string>) =>
        !broken
          ? build(op, { ...placeholders, ...params }, base.query, base.body, base.type, headers)
          : broken.part === 'body'
            ? build(op, params, base.query, broken.value, 'application/json', headers)
            : broken.part === 'query'
              ? build(op, params, { ...base.query, [broken.name]: String(broken.value) }, base.body, base.type, headers)
              : build(op, { ...params, [broken.name]: String(broken.value) }, base.query, base.body, base.type, headers);
      // No credentials where the document asks for some: 401 — before the input is even looked at
      // (so the broken input, or placeholders for path values without a sample, do).
      if (op.op.security.length > 0) {
        const res = await send(op, brokenRequest({}));
        if (res.statusCode !== 401) failures.push(`${op.operationId} without credentials: ${res.statusCode}`);
      }
      // One broken value, with the credentials of the valid sample.
      if (!broken || !valid) continue;
      const req = brokenRequest(credentials(valid.sample.as, op.method));
      const res = await send(op, req);
      const code = res.statusCode >= 400 ? (res.json().code as string) : '';
      if (![400, 422].includes(res.statusCode) || code !== 'VALIDATION_FAILED') failures.push(`${op.operationId} with ${broken.part} ${broken.name} = ${JSON.stringify(broken.value)}: ${res.statusCode} ${code}`);
    }
    expect(failures, 'invalid requests not refused as documented').toEqual([]);
    expect(violations, 'responses that differ from the document').toEqual([]);
    // Every operation that takes input or credentials was refused at least once, as documented.
    const takesSomething = ops.filter((o) => o.op.security.length > 0 || o.op.requestBody || (o.op.parameters ?? []).length > 0);
    const without4xx = takesSomething.filter((o) => !(covered.get(o.operationId) ?? []).some((s) => s >= 400)).map((o) => o.operationId);
    expect(without4xx, 'operations never refused').toEqual([]);
  }, 300_000);
});

/**
 * A value the operation's schema refuses: the JSON body replaced by a number (no body schema here
 * is a number), else the first query or path parameter with a constraint to break.
 */
function brokenInput(op: Operation, validBody: unknown): { part: 'body' | 'query' | 'path'; name: string; value: unknown } | undefined {
  if (op.op.requestBody?.content?.['application/json'] && validBody !== undefined) return { part: 'body', name: '(body)', value: 12345 };
  for (const p of (op.op.parameters ?? []) as Json[]) {
    if (p.in !== 'query' && p.in !== 'path') continue;
    const bad = violate(p.schema as Json);
    if (bad !== undefined) return { part: p.in, name: p.name, value: bad };
  }
  return undefined;
}

function violate(s: Json): string | undefined {
  if (Array.isArray(s.enum)) return 'not-one-of-them';
  if (s.type === 'integer' || s.type === 'number') return 'not-a-number';
  if (typeof s.pattern === 'string') return '!bad value!';
  if (typeof s.maxLength === 'number' && s.maxLength < 180) return 'x'.repeat(s.maxLength + 1);
  return undefined;
}
