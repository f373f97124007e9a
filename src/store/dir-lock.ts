import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CgError } from '../core/errors.ts';

/**
 * One writer per embedded data directory. Two PGlite instances on one directory each keep their
 * own copy of the database in memory and overwrite each other's files: the signed log forks and
 * acknowledged writes vanish after a restart. So whoever opens a directory first holds
 * `consentgate.lock`, created exclusively (link(2) of a complete file, which fails if it exists)
 * and holding its PID, the process start time and host.
 *
 * A lock whose holder is gone (kill -9, power loss) is stale and is taken over. Takeover is the
 * racy part — two starters may both find the same stale lock — so it happens under a second
 * O_EXCL file (`consentgate.lock.takeover`): only the starter that creates it may remove the stale
 * lock and create its own; the other retries from the start and finds a live lock. A takeover file
 * left by a process killed in that millisecond window is refused with instructions, never guessed.
 *
 * Liveness: the PID answers signal 0 and, on Linux, its start time (/proc/<pid>/stat field 22)
 * is the one recorded, so a recycled PID is not mistaken for the holder. A lock written on another
 * host (a shared volume) cannot be checked and counts as live.
 */
export const LOCK_FILE = 'consentgate.lock';
const TAKEOVER_FILE = 'consentgate.lock.takeover';

export interface LockHolder {
  readonly pid: number;
  /** Clock ticks since boot at process start (Linux), else null. */
  readonly start: number | null;
  readonly host: string;
  /** Distinguishes two locks of one process (tests open and close a directory repeatedly). */
  readonly token: string;
  readonly since: string;
}

export interface DirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** Start time of a process in clock ticks since boot, or null where /proc is not available. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may hold spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) ? start : null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `h` still runs. */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (h.start === null) return true;
  const now = processStart(h.pid);
  return now === null || now === h.start;
}

function readHolder(path: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === 'string' && typeof v.token === 'string') {
      return { pid: v.pid as number, start: typeof v.start === 'number' ? v.start : null, host: v.host, token: v.token, since: String(v.since ?? '') };
    }
  } catch {
    /* below */
  }
  return 'unreadable';
}

/**
 * Creates `path` holding `content`, atomically: the content is written to a private file first and
 * hard-linked into place (link(2) fails if `path` exists), so nobody ever reads a half-written lock.
 * False if `path` exists.
 */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${++sequence}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CgError('DATA_DIR_UNWRITABLE', `cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400, [
      { code: 'DATA_DIR_UNWRITABLE', message: 'cannot create the lock file', path: 'dataDir' },
    ]);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
  }
}

export function lockedError(dir: string, h: LockHolder): CgError {
  const where = h.host === hostname() ? `process ${h.pid}` : `process ${h.pid} on host ${h.host}`;
  return new CgError(
    'DATA_DIR_LOCKED',
    `the data directory ${dir} is in use by ${where} (since ${h.since || 'unknown'}); stop it first — one ConsentGate at a time may open an embedded data directory`,
    409,
    [{ code: 'DATA_DIR_LOCKED', message: `held by PID ${h.pid}`, path: 'dataDir' }],
    { pid: h.pid },
  );
}

let sequence = 0;
const held = new Set<DirLock>();
let exitHook = false;

/**
 * Takes the directory's lock or throws DATA_DIR_LOCKED naming the holder's PID. The directory
 * must exist. The lock is released by `release()` and, as a last resort, when the process exits.
 */
export function lockDataDir(dir: string): DirLock {
  const path = join(dir, LOCK_FILE);
  const takeover = join(dir, TAKEOVER_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    start: processStart(process.pid),
    host: hostname(),
    token: `${process.pid}-${Date.now()}-${++sequence}`,
    since: new Date().toISOString(),
  };
  const content = JSON.stringify(holder) + '\n';
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(path, content)) return remember(path, holder);
    const current = readHolder(path);
    if (current === 'missing') continue; // released between our create and read: try again
    if (current !== 'unreadable' && holderAlive(current)) throw lockedError(dir, current);
    // Stale (or a torn write by a killed process): take it over under the takeover file.
    if (!createExclusive(takeover, content)) {
      const other = readHolder(takeover);
      if (other !== 'missing' && (other === 'unreadable' || !holderAlive(other))) {
        throw new CgError(
          'DATA_DIR_LOCKED',
          `a takeover of the stale lock in ${dir} was interrupted; if no ConsentGate is starting on it, delete ${takeover} and start again`,
          409,
          [{ code: 'DATA_DIR_LOCKED', message: 'interrupted takeover', path: 'dataDir' }],
        );
      }
      sleepSync(20);
      continue; // another starter is taking over: we will find its live lock
    }
    try {
      // Under the takeover file nobody else removes or creates the lock: check it is still stale.
      const again = readHolder(path);
      if (again !== 'missing' && again !== 'unreadable' && holderAlive(again)) throw lockedError(dir, again);
      if (again !== 'missing') unlinkSync(path);
      if (createExclusive(path, content)) return remember(path, holder);
    } finally {
      unlinkSync(takeover);
    }
  }
  throw new CgError('DATA_DIR_LOCKED', `could not take the lock of ${dir}`, 409, [{ code: 'DATA_DIR_LOCKED', message: 'contended', path: 'dataDir' }]);
}

function remember(path: string, holder: LockHolder): DirLock {
  const lock: DirLock = {
    path,
    holder,
    release() {
      if (!held.delete(lock)) return;
      const now = readHolder(path);
      if (typeof now === 'object' && now.token === holder.token) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
  held.add(lock);
  if (!exitHook) {
    exitHook = true;
    // process.exit() without close (a fatal start-up error, a forced shutdown): leave no lock behind.
    process.on('exit', () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
