import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app/create.ts';
import { firstStart } from '../../src/app/first-start.ts';
import { testConfig, type AppConfig } from '../../src/config.ts';
import { grantRequestSchema, withdrawRequestSchema } from '../../src/core/consent/request.ts';
import { noticeDeclarations } from '../../src/core/notice/build.ts';

/**
 * A whole ConsentGate (in-memory PGlite) with the demo registry active, an admin key, recipient
 * keys for a courier, a customs broker, an ad partner and two sellers, and helpers to create
 * customers with vault data and consents.
 */
export interface Harness {
  readonly app: App;
  readonly admin: string;
  readonly keys: Record<'courier' | 'broker' | 'adreach' | 'sellerA' | 'sellerB' | 'nimbus', string>;
  /** POST/PUT/GET/DELETE through `server.inject` with a key; returns status and parsed body. */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string | undefined, body?: unknown): Promise<{ status: number; body: any; type: string }>;
  release(key: string, body: unknown): Promise<{ status: number; body: any; type: string }>;
  /**
   * A customer with vault data. Like a shopper who checked out with both sellers, it gets an order
   * with each (`<id>/A` with seller-a, `<id>/B` with seller-b, for sellers_fulfilment) unless
   * `orders: false`: a seller's release names one as `order_ref`.
   */
  customer(id: string, opts?: { jurisdiction?: 'KR' | 'EU'; data?: Record<string, string>; orders?: boolean }): Promise<void>;
  /** Registers an order through POST /v1/orders (asserts 201). */
  order(id: string, subject: string, recipient: string, declarations?: string[]): Promise<void>;
  grant(subject: string, collectionPoint: string, declarationIds: string[], opts?: { recipientId?: string; expiresAt?: string; gpc?: boolean; grant?: boolean; only?: boolean }): Promise<void>;
  withdraw(subject: string, declarationIds: string[]): Promise<void>;
  decisions(): Promise<number>;
  close(): Promise<void>;
}

export const DATA = {
  name: '홍길동',
  phone: '010-1234-5678',
  email: 'gildong@mail.example',
  address: '서울특별시 강남구 테헤란로 123 4층',
  customs_code: 'P123456789012',
};

/** A policy directory with one forbid rule the tests can trigger (the broker, for one subject). */
export function testPolicyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-policies-'));
  writeFileSync(
    join(dir, 'test.cedar'),
    `@id("no-broker-for-blocked")
forbid (principal == Recipient::"kr_customs_broker", action == Action::"release", resource == Subject::"cust-policy-blocked");
`,
  );
  return dir;
}

export async function startHarness(over: Partial<AppConfig> = {}): Promise<Harness> {
  process.env.CONSENTGATE_POLICY_DIR = testPolicyDir();
  const app = await createApp(testConfig(over));
  delete process.env.CONSENTGATE_POLICY_DIR;
  const ctx = app.ctx;
  const started = await firstStart(ctx);
  const admin = started.adminKey!;
  // Both sellers accepted the class's current agreement (PIPA 28-8(4)).
  const agreementVersion = ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version;
  await ctx.members.register({ id: 'seller-a', classId: 'cn_sellers', name: 'Seller A', country: 'CN', contact: {}, agreementVersion }, 'system');
  await ctx.members.register({ id: 'seller-b', classId: 'cn_sellers', name: 'Seller B', country: 'HK', contact: {}, agreementVersion }, 'system');
  const key = async (id: string) => (await ctx.members.issueKey(id, 'system', { label: 'test' })).key;
  const keys = {
    courier: await key('hanbit_express'),
    broker: await key('kr_customs_broker'),
    adreach: await key('adreach'),
    sellerA: await key('seller-a'),
    sellerB: await key('seller-b'),
    nimbus: await key('nimbus_cloud'),
  };

  const call: Harness['call'] = async (method, url, k, body) => {
    const res = await app.server.inject({
      method,
      url,
      headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, type: String(res.headers['content-type'] ?? '') };
  };

  const order: Harness['order'] = async (id, subject, recipient, declarations = ['sellers_fulfilment']) => {
    const res = await call('POST', '/v1/orders', admin, { id, subject, recipient, declarations });
    if (res.status !== 201) throw new Error(`POST /v1/orders failed: ${res.status} ${JSON.stringify(res.body)}`);
  };

  return {
    app,
    admin,
    keys,
    call,
    release: (k, body) => call('POST', '/v1/releases', k, body),
    async customer(id, opts = {}) {
      await ctx.subjects.create({ id, jurisdiction: opts.jurisdiction ?? 'KR', issueToken: false }, 'system');
      const res = await call('PUT', `/v1/subjects/${id}/data`, admin, opts.data ?? DATA);
      if (res.status !== 200) throw new Error(`PUT data failed: ${res.status} ${JSON.stringify(res.body)}`);
      if (opts.orders !== false) {
        await order(`${id}/A`, id, 'seller-a');
        await order(`${id}/B`, id, 'seller-b');
      }
    },
    order,
    async grant(subject, cp, declarationIds, opts = {}) {
      // A class's declaration is consented to per member, on the notice naming it (PIPA 17(2)1):
      // seller-a unless the test names another. Each declaration id stands for every choice the
      // notice offers for it (provision and overseas transfer); `<id>:transfer` or `<id>` with
      // `opts.only` decides that one choice alone.
      const generic = await ctx.consents.notice(cp);
      const classDecl = declarationIds.some((id) => noticeDeclarations(generic.notice).find((d) => d.id === id.replace(/:transfer$/, ''))?.recipient.kind === 'class');
      const recipientId = opts.recipientId ?? (classDecl && (opts.grant ?? true) ? 'seller-a' : undefined);
      const notice = classDecl && recipientId ? await ctx.consents.notice(cp, recipientId) : generic;
      const choices = (id: string) =>
        id.endsWith(':transfer') || opts.only ? [id] : (noticeDeclarations(notice.notice).find((d) => d.id === id)?.choices.map((c) => c.id) ?? [id]);
      const req = grantRequestSchema.parse({
        noticeHash: notice.hash,
        decisions: declarationIds.flatMap(choices).map((declarationId) => ({
          declarationId,
          grant: opts.grant ?? true,
          ...(recipientId ? { recipientId } : {}),
          ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
        })),
      });
      await ctx.consents.grant(subject, req, { caller: 'subject', ...(opts.gpc ? { gpc: true } : {}) });
    },
    async withdraw(subject, declarationIds) {
      await ctx.consents.withdraw(subject, withdrawRequestSchema.parse({ declarationIds }), { caller: 'subject' });
    },
    async decisions() {
      const [r] = await ctx.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM release_decisions');
      return r!.n;
    },
    close: () => app.close(),
  };
}
