import { Redis } from 'ioredis';
import { CgError } from '../core/errors.ts';
import type { FailureCounter } from './auth-failures.ts';

/**
 * A @fastify/rate-limit store in Redis, so every ConsentGate server behind a load balancer
 * counts against one budget per key: a recipient cannot multiply its limit by the number of
 * servers. One Lua script per request makes increment-and-expire atomic (fixed window).
 *
 * If Redis cannot be reached the request is refused with 503 RATE_LIMIT_UNAVAILABLE rather
 * than let through unlimited: failing closed keeps a sale-day burst or a key-guessing run from
 * reaching the database while the limiter is blind. `/healthz` and `/readyz` are exempt anyway.
 */
const INCR = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}
`;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

interface RateLimitRedis extends Redis {
  cgRateLimit(key: string, windowMs: number): Promise<[number, number]>;
}

export interface RedisRateLimit {
  /** Pass as `rateLimitStore` to buildServer/createApp (the plugin instantiates it). */
  readonly store: unknown;
  readonly client: Redis;
  /** Failed authentications per address, in the same Redis (keys `<prefix>auth-fail:ip:<address>`). */
  readonly failures: FailureCounter;
  /** Resolves once connected; rejects (with the URL's password hidden) if Redis is unreachable. */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to `url` (redis:// or rediss://). `prefix` separates deployments sharing one Redis;
 * keys are `<prefix><route>:<k:keyId | ip:address>` and expire with their window.
 */
export function redisRateLimit(url: string, prefix = 'cg:rl:'): RedisRateLimit {
  const client = new Redis(url, {
    lazyConnect: true,
    // A request waits at most this long for Redis before failing closed.
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  }) as RateLimitRedis;
  client.defineCommand('cgRateLimit', { numberOfKeys: 1, lua: INCR });
  // Connection errors surface per request (503); without a listener ioredis would log them unredacted.
  client.on('error', () => {});

  class Store {
    private readonly keyPrefix: string;
    // @fastify/rate-limit constructs the global store with its options object (`new Store(params)`);
    // only a route's child names its own prefix. Taking that object as the prefix made every
    // global key "[object Object]…", so deployments sharing one Redis shared one global budget.
    constructor(keyPrefix?: unknown) {
      this.keyPrefix = typeof keyPrefix === 'string' ? keyPrefix : prefix;
    }
    incr(key: string, cb: Callback, timeWindow: number): void {
      client.cgRateLimit(this.keyPrefix + key, timeWindow).then(
        ([current, ttl]) => cb(null, { current: Number(current), ttl: Number(ttl) }),
        () => cb(new CgError('RATE_LIMIT_UNAVAILABLE', 'the shared rate limiter is unavailable; retry shortly', 503)),
      );
    }
    child(routeOptions: { routeInfo?: { method?: string; url?: string } }): Store {
      const r = routeOptions.routeInfo;
      return new Store(`${prefix}${r?.method ?? ''}${r?.url ?? ''}:`);
    }
  }

  const failures: FailureCounter = {
    incr: (key, windowMs) =>
      client.cgRateLimit(`${prefix}auth-fail:${key}`, windowMs).then(
        ([current, ttl]) => ({ current: Number(current), ttl: Number(ttl) }),
        () => {
          // Fail closed, as the general limit does: a blind counter would let guessing run free.
          throw new CgError('RATE_LIMIT_UNAVAILABLE', 'the shared rate limiter is unavailable; retry shortly', 503);
        },
      ),
  };

  return {
    store: Store,
    client,
    failures,
    async ready(timeoutMs = 5_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.connect().then(() => client.ping()),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
        ]);
      } catch (e) {
        client.disconnect();
        throw new Error(`Redis at ${redactUrl(url)} is unreachable: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

export const redactUrl = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]+@/, '//$1:***@');
