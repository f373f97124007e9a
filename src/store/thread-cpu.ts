import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's time fields (USER_HZ, 100 on every Linux in use). */
const TICKS_PER_S = 100;

/**
 * CPU time (user + system) of the calling thread in microseconds, 10 ms resolution; null where
 * /proc/thread-self does not exist (not Linux). `process.cpuUsage` counts every thread of the
 * process, so with the database in a worker thread it cannot say which thread did the work.
 */
export function threadCpuMicros(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // The command name (field 2) is parenthesised and may hold spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_S : null;
  } catch {
    return null;
  }
}
