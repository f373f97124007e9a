import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/store/open.ts';
import { ADMIN_KEY, must, PERSON, sharedSecrets, startServer, type ServerProcess } from '../test/hardening/server-process.ts';
import { report, round } from './lib.ts';
import { verifyStoredLog, type LogVerdict } from './verify-log.ts';

/**
 * `npm run bench load [-- --seconds N] [--connections C] [--servers 1,2,3] [--rounds R]`: the real
 * server (`node bin/server.mjs`) on loopback — one, two and three of them on one PostgreSQL
 * schema, as deploy/ runs them behind a balancer (PGlite, one server only, if no PostgreSQL
 * answers — said in the output) — under a mixed autocannon workload: every connection cycles through
 *   create a customer → grant consent (both choices of sellers_fulfilment, naming the seller, on
 *   the notice naming it) → register the customer's order with the seller → release a stable
 *   customer's data (naming its order) → withdraw the new customer's consent → try to release the
 *   withdrawn customer (naming its order: must be 403 CONSENT_WITHDRAWN) → fetch an inclusion
 *   proof of an acknowledged ledger entry.
 * Any other status is an error. The connections are split evenly over the servers, each
 * connection staying on its server as a keep-alive connection through a balancer does. At the
 * end every acknowledged write (customers, receipts, decisions) is looked up in the database and
 * the whole log is verified from its leaves (verify-log.ts). Baselines, same run: GET /healthz
 * on one server (the server's floor cost per request) and the one-server round (scaling ratios).
 * While the load runs, PostgreSQL's pg_stat_activity is sampled for the servers' sessions
 * (application_name): the share of them waiting for a lock — the ledger head's row lock, the
 * one lock every durable write takes — is where the single log head shows.
 */
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 20);
const CONNECTIONS = arg('connections', 32);
const ROUNDS = arg('rounds', 3);
const SERVERS = (() => {
  const i = process.argv.indexOf('--servers');
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : [1, 2, 3];
})();
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

export interface LoadOptions {
  servers: number;
  seconds: number;
  connections: number;
  /** Also measure GET /healthz on the first server afterwards (the floor baseline). */
  baseline?: boolean;
}

export interface LoadResult {
  database: 'postgresql' | 'pglite';
  servers: number;
  seconds: number;
  connections: number;
  requests: number;
  throughput_rps: number;
  /** Per server: autocannon's own latency figures (ms) and requests. */
  per_server: Array<{ requests: number; rps: number; p50_ms: number; p99_ms: number }>;
  /** The worst server's p99 and the request-weighted mean of the servers' p50 (ms). */
  p99_ms: number;
  p50_ms: number;
  per_step: Record<Step, { ok: number; bad: number }>;
  errors: number;
  unexpected: Record<string, number>;
  acknowledged_writes: number;
  lost_acknowledged_writes: number;
  lost: Record<string, number>;
  log: LogVerdict;
  /** pg_stat_activity samples of the servers' sessions while the load ran (PostgreSQL only). */
  sessions: SessionSamples | null;
  /** Per server, from its /metrics: group-commit batches, records per batch, mean batch commit time. */
  group_commit: Array<{ batches: number; mean_batch: number; mean_commit_ms: number }>;
  healthz?: { throughput_rps: number; p50_ms: number; p99_ms: number };
}

interface SessionSamples {
  samples: number;
  /** Mean number of the servers' sessions running a statement. */
  active: number;
  /** Mean number of those waiting for a heavyweight lock (the ledger head row: wait_event transactionid/tuple). */
  waiting_lock: number;
  /** waiting_lock / active. */
  lock_wait_share: number;
  /** Mean number waiting on the WAL flush of their own commit (IO / WALSync, LWLock WALWrite). */
  waiting_wal: number;
  /**
   * Mean number idle inside a transaction: between two statements of a batch, waiting for its
   * server to send the next one. A batch on the locked path holds the ledger head all that time.
   */
  idle_in_transaction: number;
  /**
   * Of those, the ones that have written (a transaction id assigned): a journal batch writes the
   * ledger head first, so these hold the head row lock while their server prepares the next statement.
   */
  idle_holding_head: number;
  by_wait_event: Record<string, number>;
}

/** Samples what the servers' PostgreSQL sessions are doing, every `everyMs`, until stopped. */
function sampleSessions(url: string, appName: string, everyMs = 50): { stop(): Promise<SessionSamples> } {
  const c = new pg.Client({ connectionString: url });
  const counts: Record<string, number> = {};
  let samples = 0;
  let active = 0;
  let waitingLock = 0;
  let waitingWal = 0;
  let idleInTx = 0;
  let idleHolding = 0;
  let stopped = false;
  const loop = (async () => {
    await c.connect();
    while (!stopped) {
      const { rows } = await c.query<{ t: string | null; e: string | null; n: number }>(
        `SELECT CASE WHEN state = 'active' THEN wait_event_type ELSE 'Idle' END AS t, CASE WHEN state = 'active' THEN wait_event WHEN backend_xid IS NULL THEN 'in_transaction' ELSE 'in_transaction_holding_head' END AS e, count(*)::int AS n
           FROM pg_stat_activity WHERE application_name = $1 AND state IN ('active', 'idle in transaction') GROUP BY 1, 2`,
        [appName],
      );
      samples++;
      for (const r of rows) {
        const key = r.t ? `${r.t}:${r.e}` : 'cpu';
        counts[key] = (counts[key] ?? 0) + r.n;
        if (r.t === 'Idle') {
          idleInTx += r.n;
          if (r.e === 'in_transaction_holding_head') idleHolding += r.n;
          continue;
        }
        active += r.n;
        if (r.t === 'Lock') waitingLock += r.n;
        if ((r.t === 'IO' && r.e === 'WALSync') || (r.t === 'LWLock' && r.e === 'WALWrite')) waitingWal += r.n;
      }
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => {});
      await c.end().catch(() => {});
      const per = (x: number) => round(x / Math.max(1, samples), 2);
      return {
        samples,
        active: per(active),
        waiting_lock: per(waitingLock),
        lock_wait_share: round(waitingLock / Math.max(1, active), 3),
        waiting_wal: per(waitingWal),
        idle_in_transaction: per(idleInTx),
        idle_holding_head: per(idleHolding),
        by_wait_event: Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, per(v)])),
      };
    },
  };
}

/** Sum and count of a histogram in a Prometheus text exposition. */
function histogram(text: string, name: string): { sum: number; count: number } {
  const num = (suffix: string) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: num('sum'), count: num('count') };
}

/** One load round: `servers` server processes on one database, the workload split over them. */
export async function loadRun(opts: LoadOptions): Promise<LoadResult> {
  const onPostgres = await postgresReachable();
  if (!onPostgres && opts.servers > 1) throw new Error(`${opts.servers} servers need PostgreSQL at ${POSTGRES_URL} (PGlite: one server per data directory)`);
  const schema = `cg_load_${process.pid}_${randomBytes(3).toString('hex')}`;
  const appName = schema;
  const dir = mkdtempSync(join(tmpdir(), 'cg-load-'));
  if (!onPostgres) console.log(`PostgreSQL at ${POSTGRES_URL} is unreachable: FALLING BACK to PGlite (${dir}) — numbers are not representative of production.`);
  const secrets = { ...sharedSecrets(), CONSENTGATE_LOG_LEVEL: 'error', PGAPPNAME: appName };
  const start = () => startServer(onPostgres ? { databaseUrl: POSTGRES_URL, schema, env: secrets } : { dataDir: join(dir, 'data'), env: { CONSENTGATE_LOG_LEVEL: 'error' } });
  const servers: ServerProcess[] = [];
  try {
    // The first one migrates the schema; the others then start side by side.
    servers.push(await start());
    for (const s of await Promise.all(Array.from({ length: opts.servers - 1 }, start))) servers.push(s);
    const first = servers[0]!.url;
    const { sellerKey, noticeHash: checkoutHash } = await seedSeller(first);
    const stable: string[] = [];
    for (let i = 0; i < 50; i++) stable.push(await customer(first, `stable-${i}`, checkoutHash));
    const withdrawnSeed = await customer(first, 'warmup', checkoutHash);
    await must(first, 'POST', `/v1/subjects/${withdrawnSeed}/consents/withdraw`, ADMIN_KEY, { declarationIds: ['sellers_fulfilment'] });
    // Every server has seen the seed (NOTIFY): the last stable customer is released everywhere.
    for (const s of servers) {
      const probe = { subject: stable.at(-1)!, purpose: 'order_fulfilment', items: ['name'], order_ref: orderOf(stable.at(-1)!) };
      for (let t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 50))) {
        const r = await fetch(`${s.url}/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${sellerKey}`, 'content-type': 'application/json' }, body: JSON.stringify(probe) });
        await r.arrayBuffer();
        if (r.status === 200) break;
        if (Date.now() - t0 > 15_000) throw new Error(`server ${s.url} never saw the seeded customers (release → ${r.status})`);
      }
    }

    const acks = { subjects: [] as string[], receipts: [] as string[], decisions: [] as string[], leaves: [] as number[] };
    const counts: Record<Step, { ok: number; bad: number }> = Object.fromEntries(Object.keys(EXPECTED).map((s) => [s, { ok: 0, bad: 0 }])) as never;
    const unexpected: Record<string, number> = {};
    let seq = 0;
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const seller = { authorization: `Bearer ${sellerKey}`, 'content-type': 'application/json' };
    /** The workload against one server; `mine` are the leaves that server acknowledged (its proofs). */
    const requestsFor = (mine: number[]) => {
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
          mine.push(j.receipt.ledger.leafIndex);
        } else if (step === 'release') {
          acks.decisions.push(j.decision_id);
          acks.leaves.push(j.ledger_index);
          mine.push(j.ledger_index);
        } else if (step === 'release_withdrawn' && j.code !== 'CONSENT_WITHDRAWN') counts[step].bad++;
      };
      return [
        { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ((ctx.subject = `ld-${seq++}`), (ctx.broken = false), { ...req, path: '/v1/subjects', body: JSON.stringify({ id: ctx.subject, jurisdiction: 'KR' }) }), onResponse: check('subject') },
        { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ({ ...req, path: `/v1/subjects/${ctx.subject}/consents`, body: JSON.stringify(grantBody(checkoutHash)) }), onResponse: check('grant') },
        { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ({ ...req, path: '/v1/orders', body: JSON.stringify(orderBody(ctx.subject)) }), onResponse: check('order') },
        { method: 'POST', headers: seller, setupRequest: (req: any) => ({ ...req, path: '/v1/releases', body: JSON.stringify((() => { const subject = stable[seq % stable.length]!; return { subject, purpose: 'order_fulfilment', items: ['name', 'address'], order_ref: orderOf(subject) }; })()) }), onResponse: check('release') },
        { method: 'POST', headers: admin, setupRequest: (req: any, ctx: any) => ({ ...req, path: `/v1/subjects/${ctx.broken ? withdrawnSeed : ctx.subject}/consents/withdraw`, body: JSON.stringify({ declarationIds: ['sellers_fulfilment'] }) }), onResponse: check('withdraw') },
        { method: 'POST', headers: seller, setupRequest: (req: any, ctx: any) => ({ ...req, path: '/v1/releases', body: JSON.stringify((() => { const subject = ctx.broken ? withdrawnSeed : ctx.subject; return { subject, purpose: 'order_fulfilment', items: ['name'], order_ref: orderOf(subject) }; })()) }), onResponse: check('release_withdrawn') },
        { method: 'GET', setupRequest: (req: any) => ({ ...req, path: `/v1/ledger/entries/${mine.length ? mine[(seq * 7919) % mine.length] : 0}` }), onResponse: check('proof') },
      ];
    };

    console.log(`load: ${opts.servers} server(s), ${opts.seconds}s, ${opts.connections} connections, ${onPostgres ? 'PostgreSQL' : 'PGlite'} …`);
    const sampler = onPostgres ? sampleSessions(POSTGRES_URL, appName) : undefined;
    const share = (i: number) => Math.floor(opts.connections / opts.servers) + (i < opts.connections % opts.servers ? 1 : 0);
    const results = await Promise.all(servers.map((s, i) => cannon({ url: s.url, connections: share(i), duration: opts.seconds, requests: requestsFor([]) })));
    const sessions = sampler ? await sampler.stop() : null;
    const group_commit = await Promise.all(
      servers.map(async (s) => {
        const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
        const size = histogram(text, 'consentgate_group_commit_batch_size');
        const commit = histogram(text, 'consentgate_group_commit_duration_seconds');
        return { batches: size.count, mean_batch: round(size.sum / Math.max(1, size.count), 1), mean_commit_ms: round((1000 * commit.sum) / Math.max(1, commit.count), 2) };
      }),
    );
    let healthz: LoadResult['healthz'];
    if (opts.baseline) {
      const h = await cannon({ url: `${first}/healthz`, connections: opts.connections, duration: Math.max(3, Math.round(opts.seconds / 6)) });
      healthz = { throughput_rps: round(h.requests.average, 1), p50_ms: h.latency.p50, p99_ms: h.latency.p99 };
    }

    // Zero lost acknowledged writes: stop the servers cleanly, then look every ack up.
    await Promise.all(servers.splice(0).map((s) => s.kill('SIGTERM')));
    const db = await openDatabase(onPostgres ? { databaseUrl: POSTGRES_URL, schema } : { dataDir: join(dir, 'data') });
    let lost: Record<string, number>;
    let log: LogVerdict;
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
      log = await verifyStoredLog(db, acks.leaves);
      if (onPostgres) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await db.close();
    }

    const requests = results.reduce((a, r) => a + r.requests.total, 0);
    const errors = results.reduce((a, r) => a + r.errors + r.timeouts, 0) + Object.values(counts).reduce((a, c) => a + c.bad, 0);
    const per_server = results.map((r) => ({ requests: r.requests.total, rps: round(r.requests.average, 1), p50_ms: r.latency.p50, p99_ms: r.latency.p99 }));
    return {
      database: onPostgres ? 'postgresql' : 'pglite',
      servers: opts.servers,
      seconds: opts.seconds,
      connections: opts.connections,
      requests,
      throughput_rps: round(per_server.reduce((a, s) => a + s.rps, 0), 1),
      per_server,
      p99_ms: Math.max(...per_server.map((s) => s.p99_ms)),
      p50_ms: round(per_server.reduce((a, s) => a + s.p50_ms * s.requests, 0) / Math.max(1, requests), 2),
      per_step: counts,
      errors,
      unexpected,
      acknowledged_writes: acks.subjects.length + acks.receipts.length + acks.decisions.length,
      lost_acknowledged_writes: Object.values(lost).reduce((a, b) => a + b, 0),
      lost,
      log,
      sessions,
      group_commit,
      ...(healthz ? { healthz } : {}),
    };
  } finally {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(): Promise<void> {
  const onPostgres = await postgresReachable();
  const counts = onPostgres ? SERVERS : [1];
  // Rounds interleave the server counts (1, 2, 3, 1, 2, 3, …) so each count sees the same drift of a shared machine.
  const rounds: LoadResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of counts) rounds.push(await loadRun({ servers: n, seconds: SECONDS, connections: CONNECTIONS, baseline: r === 0 && n === counts[0] }));
  }
  const byCount = counts.map((n) => {
    const mine = rounds.filter((x) => x.servers === n);
    return {
      servers: n,
      throughput_rps: round(median(mine.map((x) => x.throughput_rps)), 1),
      p50_ms: round(median(mine.map((x) => x.p50_ms)), 2),
      p99_ms: median(mine.map((x) => x.p99_ms)),
      lock_wait_share: mine[0]!.sessions ? round(median(mine.map((x) => x.sessions!.lock_wait_share)), 3) : null,
      sessions_active: mine[0]!.sessions ? round(median(mine.map((x) => x.sessions!.active)), 2) : null,
      sessions_waiting_lock: mine[0]!.sessions ? round(median(mine.map((x) => x.sessions!.waiting_lock)), 2) : null,
      sessions_idle_in_transaction: mine[0]!.sessions ? round(median(mine.map((x) => x.sessions!.idle_in_transaction)), 2) : null,
      sessions_idle_holding_head: mine[0]!.sessions ? round(median(mine.map((x) => x.sessions!.idle_holding_head)), 2) : null,
      // Batches committed per second by all servers together: what passes the one log head.
      head_batches_per_s: round(median(mine.map((x) => x.group_commit.reduce((a, g) => a + g.batches, 0) / x.seconds)), 1),
      mean_batch: round(median(mine.map((x) => x.group_commit.reduce((a, g) => a + g.mean_batch, 0) / x.group_commit.length)), 1),
      rounds_rps: mine.map((x) => x.throughput_rps),
      errors: mine.reduce((a, x) => a + x.errors, 0),
      acknowledged_writes: mine.reduce((a, x) => a + x.acknowledged_writes, 0),
      lost_acknowledged_writes: mine.reduce((a, x) => a + x.lost_acknowledged_writes, 0),
      log_verified: mine.every((x) => x.log.verified),
    };
  });
  const one = byCount[0]!;
  const healthz = rounds.find((x) => x.healthz)?.healthz;
  const errors = byCount.reduce((a, b) => a + b.errors, 0);
  const lostTotal = byCount.reduce((a, b) => a + b.lost_acknowledged_writes, 0);
  const verified = byCount.every((b) => b.log_verified);
  report('load', {
    database: onPostgres ? 'postgresql' : 'pglite (fallback: PostgreSQL unreachable)',
    seconds: SECONDS,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    workload: 'per connection: create customer → grant (naming the seller, both choices) → register order → release (stable customer, its order) → withdraw → release withdrawn (its order; expect 403) → inclusion proof; connections split evenly over the servers (one PostgreSQL schema)',
    scaling: byCount.map((b) => ({ ...b, ratio_vs_one_server: ratio2(b.throughput_rps, one.throughput_rps) })),
    baseline: healthz ? { what: 'GET /healthz, one server, same connections, first round', ...healthz, ratio_one_server_mixed_vs_healthz: ratio2(one.throughput_rps, healthz.throughput_rps) } : null,
    errors,
    lost_acknowledged_writes: lostTotal,
    log_verified: verified,
    runs: rounds,
    summary: byCount.map((b) => `${b.servers} server(s): ${b.throughput_rps} req/s (×${ratio2(b.throughput_rps, one.throughput_rps)}), p99 ${b.p99_ms} ms, lock-wait share ${b.lock_wait_share}`).join('; ') + `; ${errors} errors, ${lostTotal} acknowledged writes lost, log ${verified ? 'verified' : 'NOT verified'}`,
  });
  if (errors > 0 || lostTotal > 0 || !verified) process.exitCode = 1;
}

const ratio2 = (a: number, b: number) => round(a / Math.max(1e-9, b), 2);

if (import.meta.url === `file://${process.argv[1]}`) await run();
