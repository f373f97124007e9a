import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/**
 * The real server (`node bin/server.mjs`) as a child process, for the crash, multi-server and
 * load tests: it is configured only through its environment, exactly as an operator would.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_BIN = fileURLToPath(new URL('../../bin/server.mjs', import.meta.url));

/** A fixed admin key so every (re)start and every server shares it. */
export const ADMIN_KEY = `cg_admin_${'a1b2c3d4e5f60718'}_${randomBytes(32).toString('base64url')}`;

/** The operator secrets several servers on one database must share (docs/deploy.md). */
export function sharedSecrets(): Record<string, string> {
  return {
    CONSENTGATE_MASTER_KEY: randomBytes(32).toString('base64'),
    CONSENTGATE_PSEUDONYM_KEY: randomBytes(32).toString('base64url'),
    CONSENTGATE_RECEIPT_KEYS: JSON.stringify({ keys: [{ seed: randomBytes(32).toString('base64url'), status: 'active' }] }),
  };
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** stderr and stdout seen so far (for failure messages). */
  output(): string;
  /** Resolves with the exit signal/code. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** PGlite directory (one server at a time), or… */
  dataDir?: string;
  /** …a PostgreSQL URL plus a schema of its own. */
  databaseUrl?: string;
  schema?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function startServer(opts: StartOptions): Promise<ServerProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: '0',
    HOST: '127.0.0.1',
    CONSENTGATE_DEMO: 'false',
    CONSENTGATE_ADMIN_KEY: ADMIN_KEY,
    CONSENTGATE_LOG_LEVEL: 'warn',
    CONSENTGATE_RATE_LIMIT: '1000000',
    CONSENTGATE_CHECKPOINT_MS: '200',
    ...(opts.dataDir ? { CONSENTGATE_DATA_DIR: opts.dataDir } : {}),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.schema ? { CONSENTGATE_DB_SCHEMA: opts.schema } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, [SERVER_BIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${opts.timeoutMs ?? 60_000} ms:\n${out.slice(-3000)}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      const m = /ConsentGate listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (x: Buffer) => (out = (out + x.toString()).slice(-100_000)));
        resolve({
          url: m[1]!,
          child,
          exited,
          output: () => out,
          kill(signal = 'SIGKILL') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-100_000)));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out.slice(-3000)}`));
    });
  });
}

export interface Reply {
  status: number;
  body: any;
}

/** One JSON call; network errors (a killed server) come back as status 0. */
export async function call(base: string, method: string, path: string, key: string | undefined, body?: unknown, timeoutMs = 10_000): Promise<Reply> {
  try {
    const res = await fetch(base + path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* text/plain (checkpoint notes) */
    }
    return { status: res.status, body: parsed };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** Fails with the call's answer, for setup steps that must succeed. */
export async function must(base: string, method: string, path: string, key: string | undefined, body?: unknown): Promise<any> {
  const r = await call(base, method, path, key, body);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  return r.body;
}

export const PERSON = { name: '김민지', phone: '010-9876-5432', address: '부산광역시 해운대구 우동 1408', customs_code: 'P998877665544' };

/**
 * The marketplace a test needs on a fresh server: seller `seller-a` with a recipient key, and
 * `n` customers (ids `<prefix>-<i>`) with vault data and the checkout consent for sellers.
 */
export async function seedMarketplace(base: string, n: number, prefix = 'cust'): Promise<{ sellerKey: string; checkoutHash: string; subjects: string[] }> {
  // The seller accepted the class's current agreement (PIPA 28-8(4)).
  const registry = await must(base, 'GET', '/v1/registry', ADMIN_KEY);
  const agreementVersion = (registry.document.recipient_classes as Array<{ id: string; agreement?: { version: string } }>).find((c) => c.id === 'cn_sellers')!.agreement!.version;
  await must(base, 'POST', '/v1/members', ADMIN_KEY, { id: 'seller-a', class: 'cn_sellers', name: 'Seller A', country: 'CN', agreementVersion });
  const { key: sellerKey } = await must(base, 'POST', '/v1/recipients/seller-a/keys', ADMIN_KEY, {});
  // The checkout notice naming seller-a: what a consent scoped to it cites (PIPA 17(2)1).
  const checkoutHash = (await must(base, 'GET', '/v1/notices/checkout?recipient=seller-a', ADMIN_KEY)).hash as string;
  const subjects: string[] = [];
  for (let i = 0; i < n; i++) subjects.push(await customer(base, `${prefix}-${i}`, checkoutHash));
  return { sellerKey, checkoutHash, subjects };
}

export async function customer(base: string, id: string, checkoutHash: string): Promise<string> {
  await must(base, 'POST', '/v1/subjects', ADMIN_KEY, { id, jurisdiction: 'KR' });
  await must(base, 'PUT', `/v1/subjects/${id}/data`, ADMIN_KEY, PERSON);
  await must(base, 'POST', `/v1/subjects/${id}/consents`, ADMIN_KEY, grantBody(checkoutHash));
  // The customer's order with seller-a, which `releaseBody` names.
  await must(base, 'POST', '/v1/orders', ADMIN_KEY, { id: `${id}/A`, subject: id, recipient: 'seller-a', declarations: ['sellers_fulfilment'] });
  return id;
}

/** Both consents to seller-a: the provision and, apart, the transfer abroad. */
export const grantBody = (noticeHash: string) => ({
  noticeHash,
  decisions: [
    { declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-a' },
    { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: 'seller-a' },
  ],
});
export const withdrawBody = () => ({ declarationIds: ['sellers_fulfilment'] });
/** seller-a's release for `subject`, naming the order `customer` registered. */
export const releaseBody = (subject: string) => ({ subject, purpose: 'order_fulfilment', order_ref: `${subject}/A` });

export { sleep } from '../support/wait.ts';
