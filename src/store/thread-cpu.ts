import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's time fields (USER_HZ, 100 on every Linux in use). */
const TICKS_PER_S = 100;

/**
 * CPU time of the calling thread in microseconds; null where /proc/thread-self does not exist
 * (not Linux). `process.cpuUsage` counts every thread of the process, so with the database in a
 * worker thread it cannot say which thread did the work. Read from the scheduler's own account
 * (`schedstat`: nanoseconds on the CPU), where the kernel keeps it; otherwise from `stat`'s user
 * and system times, whose 10 ms ticks cannot resolve a change of a few per cent in a one-second
 * round of a bench.
 */
export function threadCpuMicros(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1000;
  } catch {
    // no schedstat (kernel without CONFIG_SCHED_INFO): the ticks below
  }
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
