import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { CgError } from '../core/errors.ts';

/**
 * Per-key request limits: a fixed window per caller (the verified API key's id, else the client
 * address), counted in a store that several servers can share (Redis: rate-limit-store.ts).
 *
 * It does what @fastify/rate-limit did here, with the same store interface, headers and answers
 * (x-ratelimit-limit, -remaining and -reset on every limited route's answer; a 429 RATE_LIMITED
 * problem with retry-after once the window's budget is spent; a route's `config.rateLimit` sets
 * its own budget, counted apart, or `false` exempts it), but as a callback-style hook: the
 * plugin ran three async functions and a promise per request (~2 KiB and a few µs of every
 * release) to call a store that answers in the same turn.
 */
export type RateLimitCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A counter store: `incr` adds one to `key`'s window and reports the count and the ms left. */
export interface RateLimitStore {
  incr(key: string, cb: RateLimitCallback, timeWindow: number, max: number): void;
  /** The store of a route with its own budget (counted apart from the global one). */
  child(params: RateLimitParams & { routeInfo: RouteOptions | Record<string, never> }): RateLimitStore;
}

/** How a shared store is given (rate-limit-store.ts): a class, constructed with the global parameters. */
export type RateLimitStoreClass = new (params: RateLimitParams) => RateLimitStore;

export interface RateLimitParams {
  readonly max: number;
  /** Milliseconds. */
  readonly timeWindow: number;
}

export interface RateLimitOptions extends RateLimitParams {
  /** The caller a request is counted against. */
  readonly keyGenerator: (request: FastifyRequest) => string;
  /** Shared store (several servers); in memory when omitted. */
  readonly store?: RateLimitStoreClass;
}

/** A route's own limit, or `false` to exempt it. */
export type RouteRateLimit = { max: number; timeWindow: number | string } | false;

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimit;
  }
}

const LIMIT = 'x-ratelimit-limit';
const REMAINING = 'x-ratelimit-remaining';
const RESET = 'x-ratelimit-reset';

/** Adds the limit to every route added after this call (before `installAuthorize`, so it runs first). */
export function installRateLimit(app: FastifyInstance, opts: RateLimitOptions): void {
  const global: RateLimitParams = { max: whole(opts.max, 1000), timeWindow: whole(opts.timeWindow, 60_000) };
  const store = opts.store ? new opts.store(global) : new MemoryStore();
  const key = opts.keyGenerator;
  app.addHook('onRoute', (route) => {
    const own = route.config?.rateLimit;
    if (own === false) return;
    if (own !== undefined && (own === null || typeof own !== 'object')) throw new Error('Unknown value for route rate-limit configuration');
    const params: RateLimitParams = own ? { max: whole(own.max, global.max), timeWindow: windowMs(own.timeWindow) } : global;
    const counter = own ? store.child({ ...params, routeInfo: route }) : store;
    const hook = limiter(counter, params, key);
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
  });
}

/** The onRequest hook of one budget. Callback-style: no promise when the store answers at once. */
function limiter(store: RateLimitStore, { max, timeWindow }: RateLimitParams, keyOf: (request: FastifyRequest) => string) {
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    store.incr(
      keyOf(request),
      (err, res) => {
        if (err || !res) return done(err ?? new Error('rate-limit store answered nothing'));
        const reset = Math.ceil(res.ttl / 1000);
        reply.header(LIMIT, max);
        if (res.current <= max) {
          reply.header(REMAINING, max - res.current);
          reply.header(RESET, reset);
          return done();
        }
        reply.header(REMAINING, 0);
        reply.header(RESET, reset);
        reply.header('retry-after', reset);
        done(new CgError('RATE_LIMITED', `rate limit of ${max} requests per ${longDuration(reset * 1000)} exceeded`, 429));
      },
      timeWindow,
      max,
    );
  };
}

/**
 * The in-memory store (one server): a fixed window per key, the least recently counted keys
 * forgotten beyond `capacity` (as @fastify/rate-limit's LocalStore, 5,000 by default).
 */
export class MemoryStore implements RateLimitStore {
  private readonly windows = new Map<string, { current: number; start: number }>();

  constructor(private readonly capacity = 5000) {}

  incr(key: string, cb: RateLimitCallback, timeWindow: number): void {
    const now = Date.now();
    let w = this.windows.get(key);
    if (w === undefined) {
      w = { current: 1, start: now };
      if (this.windows.size >= this.capacity) this.windows.delete(this.windows.keys().next().value!);
    } else {
      // Most recently counted last: the first key of the map is the one to forget.
      this.windows.delete(key);
      if (w.start + timeWindow <= now) {
        w.current = 1;
        w.start = now;
      } else {
        w.current++;
      }
    }
    this.windows.set(key, w);
    cb(null, { current: w.current, ttl: timeWindow - (now - w.start) });
  }

  child(): RateLimitStore {
    return new MemoryStore(this.capacity);
  }
}

const whole = (n: number, fallback: number) => (Number.isFinite(n) && n >= 0 ? Math.trunc(n) : fallback);

const UNITS: ReadonlyArray<[number, string]> = [
  [365.25 * 86_400_000, 'year'],
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** A window given as ms or as text ("1 minute", "30s", "2 hours"). */
export function windowMs(w: number | string): number {
  if (typeof w === 'number') return whole(w, 60_000);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|y|yrs?|years?)?\s*$/i.exec(w);
  if (!m) return 60_000;
  const n = Number(m[1]);
  const u = (m[2] ?? 'ms').toLowerCase();
  const unit = u.startsWith('ms') || u.startsWith('milli') ? 1 : (UNITS.find(([, name]) => name[0] === u[0])?.[0] ?? 1);
  return Math.round(n * unit);
}

/** "59 seconds", "1 minute": the wording the limiter's refusals have always had (@lukeed/ms, long form). */
export function longDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  for (const [size, name] of UNITS) {
    if (ms >= size) {
      const n = Math.round(ms / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}
