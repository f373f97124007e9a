import type { ClaimedRow } from '../store/outbox-repo.ts';

/**
 * One destination kind's delivery. A transport reports; it never retries or touches the
 * outbox — the dispatcher owns attempts, backoff and dead letters.
 */
export type DeliveryOutcome =
  | { readonly ok: true; readonly status?: number }
  | { readonly ok: false; readonly status?: number; readonly error: string };

export interface Transport {
  /** Delivers one claimed message; must give up when `signal` aborts (attempt timeout). */
  deliver(message: ClaimedRow, signal: AbortSignal): Promise<DeliveryOutcome>;
}

/** A short, personal-data-free description of a thrown error for `last_error`. */
export function describeError(e: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) return 'timeout';
  if (e instanceof Error) {
    const cause = (e as { cause?: { code?: string } }).cause;
    const code = (e as { code?: string }).code ?? cause?.code;
    return code ? `${e.name}: ${code}` : `${e.name}: ${e.message}`.slice(0, 200);
  }
  return 'unknown error';
}
