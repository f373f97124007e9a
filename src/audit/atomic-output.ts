import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CgError } from '../core/errors.ts';

/**
 * Files written into a directory so that a run that fails leaves nothing behind that looks
 * complete: each file is written under a temporary name and renamed only on `commit()`;
 * `abort()` removes the temporaries. Writes are buffered and synchronous (a CLI has nothing else
 * to do meanwhile, and this avoids stream back-pressure bookkeeping). Text is encoded into the
 * file's buffer at once, so the many small strings of a findings file die young instead of being
 * kept (and promoted by the garbage collector) until a flush.
 */
const BUFFER_BYTES = 1 << 20;

export class AtomicOutput {
  private readonly files = new Map<string, OpenFile>();
  private readonly suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(private readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new CgError('UNWRITABLE_OUTPUT', `cannot create output directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400);
    }
  }

  write(name: string, text: string): void {
    let f = this.files.get(name);
    if (!f) {
      const tmp = join(this.dir, name + this.suffix);
      f = { fd: openSync(tmp, 'wx', 0o600), tmp, buf: Buffer.allocUnsafe(BUFFER_BYTES), used: 0 };
      this.files.set(name, f);
    }
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (f.used + text.length * 3 > BUFFER_BYTES) this.flush(f);
    if (text.length * 3 > BUFFER_BYTES) writeSync(f.fd, text);
    else f.used += f.buf.write(text, f.used);
  }

  /** Renames every file into place, in the order first written (write the summary last). */
  commit(): string[] {
    const done: string[] = [];
    for (const f of this.files.values()) {
      this.flush(f);
      closeSync(f.fd);
    }
    for (const [name, f] of this.files) {
      const target = join(this.dir, name);
      renameSync(f.tmp, target);
      done.push(target);
    }
    this.files.clear();
    return done;
  }

  abort(): void {
    for (const f of this.files.values()) {
      try {
        closeSync(f.fd);
      } catch {
        /* already closed */
      }
      try {
        unlinkSync(f.tmp);
      } catch {
        /* never created */
      }
    }
    this.files.clear();
  }

  private flush(f: OpenFile): void {
    let done = 0;
    while (done < f.used) done += writeSync(f.fd, f.buf, done, f.used - done);
    f.used = 0;
  }
}

interface OpenFile {
  readonly fd: number;
  readonly tmp: string;
  readonly buf: Buffer;
  used: number;
}
