/**
 * Lets pending I/O callbacks run before going on (setImmediate fires after the poll phase).
 * Long runs of CPU work on the write path — encoding a large batch, resuming its thousands of
 * callers — pause here so that replies from the database already waiting are read in between.
 */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
