import { CgError } from '../core/errors.ts';

/**
 * Failed authentications get a budget of their own per client address (issue 17 item 3): with
 * only the general limit (6,000 a minute) one address could try thousands of keys a minute.
 * After `max` failures in a window every key the address presents is refused with 429 until the
 * window ends — the right key too, or a guess that succeeds would still stand out from the 429s.
 * Other addresses, and requests without a key, are not affected.
 *
 * Counted in a `FailureCounter`: in memory for one server, in Redis when servers share one
 * budget (rate-limit-store.ts, the same atomic script as the general limit). Each server also
 * remembers the addresses it has seen go over, so a locked address costs no counter round trip.
 */
export interface AuthFailLimit {
  /** Failed authentications one address may make per window. */
  readonly max: number;
  readonly timeWindowMs: number;
}

export const DEFAULT_AUTH_FAIL_LIMIT: AuthFailLimit = { max: 30, timeWindowMs: 60_000 };

export interface FailureCounter {
  /** Counts one failure for `key`; the count in the current window and the ms left in it. */
  incr(key: string, windowMs: number): Promise<{ current: number; ttl: number }>;
}

const MAX_TRACKED = 50_000;

/** A fixed-window counter in this process's memory. */
export function memoryFailureCounter(now: () => number = Date.now): FailureCounter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    async incr(key, windowMs) {
      const t = now();
      let w = windows.get(key);
      if (!w || w.resetAt <= t) {
        if (windows.size >= MAX_TRACKED) prune(windows, t);
        w = { count: 0, resetAt: t + windowMs };
        windows.set(key, w);
      }
      w.count++;
      return { current: w.count, ttl: w.resetAt - t };
    },
  };
}

function prune(m: Map<string, { resetAt: number }>, t: number): void {
  for (const [k, v] of m) if (v.resetAt <= t) m.delete(k);
  // Still full (a flood of fresh addresses): forget the oldest half rather than grow without bound.
  if (m.size >= MAX_TRACKED) for (const k of [...m.keys()].slice(0, m.size / 2)) m.delete(k);
}

/** The per-address guard `installAuth` consults before and after verifying a key. */
export class AuthFailureGuard {
  private readonly locked = new Map<string, number>();

  constructor(
    readonly limit: AuthFailLimit,
    private readonly counter: FailureCounter,
    private readonly now: () => number = Date.now,
  ) {}

  /** The 429 to answer when `address` is over its budget, before its key is even verified. */
  refusal(address: string): CgError | undefined {
    const until = this.locked.get(address);
    if (until === undefined) return undefined;
    if (until > this.now()) return this.tooMany(until);
    this.locked.delete(address);
    return undefined;
  }

  /** Counts a failure of `address`; the 429 when that puts it over the budget. */
  async failed(address: string): Promise<CgError | undefined> {
    const { current, ttl } = await this.counter.incr(`ip:${address}`, this.limit.timeWindowMs);
    if (current <= this.limit.max) return undefined;
    const until = this.now() + Math.max(ttl, 1);
    if (this.locked.size >= MAX_TRACKED) {
      const t = this.now();
      for (const [k, v] of this.locked) if (v <= t) this.locked.delete(k);
      // The shared counter still holds each address's count: a forgotten lock returns on its next failure.
      if (this.locked.size >= MAX_TRACKED) this.locked.clear();
    }
    this.locked.set(address, until);
    return this.tooMany(until);
  }

  private tooMany(until: number): CgError {
    const seconds = Math.max(1, Math.ceil((until - this.now()) / 1000));
    return new CgError(
      'RATE_LIMITED',
      `too many failed authentications from this address: at most ${this.limit.max} per ${Math.round(this.limit.timeWindowMs / 1000)} s; retry in ${seconds} s`,
      429,
      [],
      { retry_after: seconds },
    );
  }
}
