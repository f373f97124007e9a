import { lockDataDir } from '../../src/store/dir-lock.ts';

/**
 * One racer of the takeover test: waits until the wall-clock moment given, then tries to take the
 * lock of the directory. Prints `won <pid>` (and holds the lock for a while, so a late racer
 * finds it live) or `locked <code>`.
 */
const [dir, at] = process.argv.slice(2);
while (Date.now() < Number(at)) {
  /* spin: every racer starts within the same millisecond or two */
}
try {
  const lock = lockDataDir(dir!);
  process.stdout.write(`won ${process.pid}\n`);
  setTimeout(() => {
    lock.release();
    process.exit(0);
  }, 1500);
} catch (e) {
  process.stdout.write(`locked ${(e as { code?: string }).code ?? (e as Error).message}\n`);
  process.exit(0);
}
