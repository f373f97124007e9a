import { lockDataDir } from '../../src/store/dir-lock.ts';

/**
 * One racer of the takeover test: waits until the wall-clock moment given, then tries to take the
 * lock of the directory. Prints `won <pid>` or `locked <code>`. A winner holds the lock until the
 * test closes its stdin — after every racer has answered — so a racer that boots late on a loaded
 * machine still meets a live lock instead of winning after a release.
 */
const [dir, at] = process.argv.slice(2);
while (Date.now() < Number(at)) {
  /* spin: every racer that has booted starts within the same millisecond or two */
}
try {
  const lock = lockDataDir(dir!);
  process.stdout.write(`won ${process.pid}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.release();
    process.exit(0);
  });
} catch (e) {
  process.stdout.write(`locked ${(e as { code?: string }).code ?? (e as Error).message}\n`);
  process.exit(0);
}
