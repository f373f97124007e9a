/**
 * Retry delays: exponential backoff with "full jitter" (a uniformly random delay between 0 and
 * the exponential bound), which spreads the retries of many failed deliveries — e.g. every
 * deletion request to a seller whose server just came back — instead of synchronising them.
 */
export interface BackoffPolicy {
  /** Bound of the first retry's delay, ms. */
  readonly baseMs: number;
  /** Upper bound of any delay, ms. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 3_600_000 };

/** The delay before the next attempt after `attempt` (1-based) failed. `random` ∈ [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.floor(random() * exp);
}
