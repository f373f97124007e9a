import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/store/open.ts';
import { ADMIN_KEY, must, PERSON, sharedSecrets, startServer, type ServerProcess } from '../test/hardening/server-process.ts';
import { report, round } from './lib.ts';

/**
 * `npm run bench load [-- --seconds N] [--connections C]`: the real server (`node bin/server.mjs`)
 * on loopback, on PostgreSQL (a fresh schema; PGlite if no server answers — said in the output),
 * under a mixed autocannon workload for 60 s: every connection cycles through
 *   create a customer → grant consent (both choices of sellers_fulfilment, naming the seller, on
 *   the notice naming it) → register the customer's order with the seller → release a stable
 *   customer's data (naming its order) → withdraw the new customer's consent → try to release the
 *   withdrawn customer (naming its order: must be 403 CONSENT_WITHDRAWN) → fetch an inclusion
 *   proof of an acknowledged ledger entry.
 * Any other status is an error. At the end every acknowledged write (customers, receipts,
 * decisions) is looked up in the database and the log is checked gapless. Baseline, same run:
 * GET /healthz (the server's floor cost per request).
 */
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 60);
const CONNECTIONS = arg('connections', 32);
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Step = 'subject' | 'grant' | 'order' | 'release' | 'withdraw' | 'release_withdrawn' | 'proof';
const EXPECTED: Record<Step, number> = { subject: 201, grant: 201, order: 201, release: 200, withdraw: 201, release_withdrawn: 403, proof: 200 };

/** The seller every release comes from; customers consent to it by name and have an order with it. */
const SELLER = 'seller-a';
const orderOf = (subject: string) => `${subject}/A`;
/** A grant of both choices of sellers_fulfilment (provision, overseas transfer) naming the seller (PIPA 17(2)1, 28-8(1)1). */
const grantBody = (noticeHash: string) => ({
  noticeHash,
  decisions: ['sellers_fulfilment', 'sellers_fulfilment:transfer'].map((declarationId) => ({ declarationId, grant: true, recipientId: SELLER })),
});
const orderBody = (subject: string) => ({ id: orderOf(subject), subject, recipient: SELLER, declarations: ['sellers_fulfilment'] });

/** The seller (holding the class's current agreement) and its key, and the checkout notice naming it. */
async function seedSeller(base: string): Promise<{ sellerKey: string; noticeHash: string }> {
  const registry = await must(base, 'GET', '/v1/registry', ADMIN_KEY);
  const agreementVersion = (registry.document.recipient_classes as Array<{ id: string; agreement?: { version: string } }>).find((c) => c.id === 'cn_sellers')!.agreement!.version;
  await must(base, 'POST', '/v1/members', ADMIN_KEY, { id: SELLER, class: 'cn_sellers', name: 'Seller A', country: 'CN', agreementVersion });
  const { key: sellerKey } = await must(base, 'POST', `/v1/recipients/${SELLER}/keys`, ADMIN_KEY, {});
  const noticeHash = (await must(base, 'GET', `/v1/notices/checkout?recipient=${SELLER}`, ADMIN_KEY)).hash as string;
  return { sellerKey, noticeHash };
}

/** A customer with vault data, a consent naming the seller and an order with it. */
async function customer(base: string, id: string, noticeHash: string): Promise<string> {
  await must(base, 'POST', '/v1/subjects', ADMIN_KEY, { id, jurisdiction: 'KR' });
  await must(base, 'PUT', `/v1/subjects/${id}/data`, ADMIN_KEY, PERSON);
  await must(base, 'POST', `/v1/subjects/${id}/consents`, ADMIN_KEY, grantBody(noticeHash));
  await must(base, 'POST', '/v1/orders', ADMIN_KEY, orderBody(id));
  return id;
}

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

function cannon(opts: Record<string, unknown>): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts as never, (err, r) => (err ? reject(err) : resolve(r))));
}

export async function run(): Promise<void> {
  const onPostgres = await postgresReachable();
  const schema = `cg_load_${process.pid}_${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cg-load-'));
  if (!onPostgres) console.log(`PostgreSQL at ${POSTGRES_URL} is unreachable: FALLING BACK to PGlite (${dir}) — numbers are not representative of production.`);
  let server: ServerProcess | undefined = await startServer(
    onPostgres ? { databaseUrl: POSTGRES_URL, schema, env: { ...sharedSecrets(), CONSENTGATE_LOG_LEVEL: 'error' } } : { dataDir: join(dir, 'data'), env: { CONSENTGATE_LOG_LEVEL: 'error' } },
  );
  try {
    const base = server.url;
    const { sellerKey, noticeHash: checkoutHash } = await seedSeller(base);
    const stable: string[] = [];
    for (let i = 0; i < 50; i++) stable.push(await customer(base, `stable-${i}`, checkoutHash));
    const withdrawnSeed = await customer(base, 'warmup', checkoutHash);
    await must(base, 'POST', `/v1/subjects/${withdrawnSeed}/consents/withdraw`, ADMIN_KEY, { declarationIds: ['sellers_fulfilment'] });

    const acks = { subjects: [] as string[], receipts: [] as string[], decisions: [] as string[], leaves: [] as number[] };
    const counts: Record<Step, { ok: number; bad: number }> = Object.fromEntries(Object.keys(EXPECTED).map((s) => [s, { ok: 0, bad: 0 }])) as never;
    const unexpected: Record<string, number> = {};
    let seq = 0;
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const seller = { authorization: `Bearer ${sellerKey}`, 'content-type': 'application/json' };
    const check = (step: Step) => (status: number, body: string, ctx: Record<string, unknown>) => {
      if (status !== EXPECTED[step]) {
        counts[step].bad++;
        const key = `${step} ${status} ${/"code":"([A-Z_]+)"/.exec(body)?.[1] ?? ''}`;
        unexpected[key] = (unexpected[key] ?? 0) + 1;
        ctx.broken = true;
        return;
      }
      counts[step].ok++;
      const j = JSON.parse(body) as Record<string, any>;
      if (step === 'subject') acks.subjects.push(j.id);
      else if (step === 'grant' || step === 'withdraw') {
        acks.receipts.push(j.receipt.receiptId);
        acks.leaves.push(j.receipt.ledger.leafIndex);
      } else if (step === 'release') {
        acks.decisions.push(j.decision_id);
        acks.leaves.push(j.ledger_index);
      } else if (step === 'release_withdrawn' && j.code !== 'CONSENT_WITHDRAWN') counts[step].bad++;
    };
    const requests = [
      { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ((ctx.subject = `ld-${seq++}`), (ctx.broken = false), { ...req, path: '/v1/subjects', body: JSON.stringify({ id: ctx.subject, jurisdiction: 'KR' }) }), onResponse: check('subject') },
      { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ({ ...req, path: `/v1/subjects/${ctx.subject}/consents`, body: JSON.stringify(grantBody(checkoutHash)) }), onResponse: check('grant') },
      { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ({ ...req, path: '/v1/orders', body: JSON.stringify(orderBody(ctx.subject)) }), onResponse: check('order') },
      { method: 'POST', headers: seller, setupRequest: (req: any) => ({ ...req, path: '/v1/releases', body: JSON.stringify((() => { const subject = stable[seq % stable.length]!; return { subject, purpose: 'order_fulfilment', items: ['name', 'address'], order_ref: orderOf(subject) }; })()) }), onResponse: check('release') },
      { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ({ ...req, path: `/v1/subjects/${ctx.broken ? withdrawnSeed : ctx.subject}/consents/withdraw`, body: JSON.stringify({ declarationIds: ['sellers_fulfilment'] }) }), onResponse: check('withdraw') },
      { method: 'POST', headers: seller, setupRequest: (req: any, ctx: any) => ({ ...req, path: '/v1/releases', body: JSON.stringify((() => { const subject = ctx.broken ? withdrawnSeed : ctx.subject; return { subject, purpose: 'order_fulfilment', items: ['name'], order_ref: orderOf(subject) }; })()) }), onResponse: check('release_withdrawn') },
      { method: 'GET', setupRequest: (req: any) => ({ ...req, path: `/v1/ledger/entries/${acks.leaves.length ? acks.leaves[(seq * 7919) % acks.leaves.length] : 0}` }), onResponse: check('proof') },
    ];

    console.log(`load: ${SECONDS}s, ${CONNECTIONS} connections, ${onPostgres ? 'PostgreSQL' : 'PGlite'} …`);
    const mixed = await cannon({ url: base, connections: CONNECTIONS, duration: SECONDS, requests });
    const baselineSeconds = Math.max(3, Math.round(SECONDS / 6));
    const healthz = await cannon({ url: `${base}/healthz`, connections: CONNECTIONS, duration: baselineSeconds });

    // Zero lost acknowledged writes: stop the server cleanly, then look every ack up.
    await server.kill('SIGTERM');
    server = undefined;
    const db = await openDatabase(onPostgres ? { databaseUrl: POSTGRES_URL, schema } : { dataDir: join(dir, 'data') });
    let lost: Record<string, number>;
    let ledger: { entries: number; gapless: boolean };
    try {
      const missing = async (table: string, col: string, ids: readonly string[]) => {
        const found = new Set<string>();
        for (let i = 0; i < ids.length; i += 5000) {
          for (const r of await db.query<{ id: string }>(`SELECT ${col} AS id FROM ${table} WHERE ${col} = ANY($1::text[])`, [ids.slice(i, i + 5000)])) found.add(r.id);
        }
        return ids.filter((id) => !found.has(id)).length;
      };
      lost = {
        subjects: await missing('subjects', 'id', acks.subjects),
        consent_receipts: await missing('consent_receipts', 'receipt_id', acks.receipts),
        release_decisions: await missing('release_decisions', 'id', acks.decisions),
      };
      const [s] = await db.query<{ n: number; hi: number }>('SELECT count(*)::int8 AS n, coalesce(max(idx), -1)::int8 AS hi FROM ledger_entries');
      ledger = { entries: s!.n, gapless: s!.hi === s!.n - 1 && acks.leaves.every((l) => l <= s!.hi) };
      if (onPostgres) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await db.close();
    }

    const errors = mixed.errors + mixed.timeouts + Object.values(counts).reduce((a, c) => a + c.bad, 0);
    const acknowledged = acks.subjects.length + acks.receipts.length + acks.decisions.length;
    const lostTotal = Object.values(lost).reduce((a, b) => a + b, 0);
    report('load', {
      database: onPostgres ? 'postgresql' : 'pglite (fallback: PostgreSQL unreachable)',
      seconds: SECONDS,
      connections: CONNECTIONS,
      workload: 'per connection: create customer → grant (naming the seller, both choices) → register order → release (stable customer, its order) → withdraw → release withdrawn (its order; expect 403) → inclusion proof',
      requests: mixed.requests.total,
      throughput_rps: round(mixed.requests.average, 1),
      latency_ms: { p50: mixed.latency.p50, p99: mixed.latency.p99, mean: round(mixed.latency.average, 2) },
      per_step: counts,
      errors,
      unexpected,
      acknowledged_writes: acknowledged,
      lost_acknowledged_writes: lostTotal,
      lost,
      ledger,
      baseline: { what: 'GET /healthz, same server, same connections', seconds: baselineSeconds, throughput_rps: round(healthz.requests.average, 1), p50_ms: healthz.latency.p50, p99_ms: healthz.latency.p99 },
      ratio_vs_healthz: round(mixed.requests.average / Math.max(1, healthz.requests.average), 3),
      summary: `${round(mixed.requests.average, 0)} req/s mixed (p50 ${mixed.latency.p50} ms, p99 ${mixed.latency.p99} ms), ${errors} errors, ${lostTotal} of ${acknowledged} acknowledged writes lost, ${SECONDS}s on ${onPostgres ? 'PostgreSQL' : 'PGlite'}`,
    });
    if (errors > 0 || lostTotal > 0 || !ledger.gapless) process.exitCode = 1;
  } finally {
    await server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
