/**
 * Polling for tests that wait on something another server, a NOTIFY or a background loop does:
 * one loop for all of them, checked once more at the deadline so a condition met during the last
 * sleep is not reported as a timeout.
 */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reads `read()` every `everyMs` until `done` holds of it or `timeoutMs` passed; answers the last value read. */
export async function pollUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000, everyMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= end) return value;
    await sleep(everyMs);
  }
}

/** Whether `cond` came to hold within `timeoutMs` (polled every `everyMs`). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000, everyMs = 5): Promise<boolean> {
  return pollUntil(cond, (held) => held, timeoutMs, everyMs);
}

/** As `waitFor`, but a condition that never holds fails: `timed out waiting for <what>`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000, everyMs = 10): Promise<void> {
  if (!(await waitFor(cond, timeoutMs, everyMs))) throw new Error(`timed out waiting for ${what}`);
}
